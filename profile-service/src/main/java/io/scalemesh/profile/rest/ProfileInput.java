package io.scalemesh.profile.rest;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.scalemesh.service.http.Problem.FieldError;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.profile.Profile;

/**
 * What a client may write, and the checks it must pass: every failure of a body is reported at
 * once, field by field, as a 400 problem, and nothing is written.
 */
final class ProfileInput {

    static final int MAX_DISPLAY_NAME = 100;
    static final int MAX_EMAIL = 254;
    static final int MAX_BIO = 2000;
    static final int MAX_URL = 2048;
    static final int MAX_PREFERENCES_BYTES = 8192;
    static final int MAX_PREFERENCES_DEPTH = 5;

    static final Set<String> EDITABLE = Set.of("displayName", "email", "bio", "avatarUrl", "preferences");
    /** Shown by GET and ignored on input, so a client can send back what it read. */
    static final Set<String> READ_ONLY = Set.of("userId", "version", "updatedAt");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

    private ProfileInput() {
    }

    /** The fields a client writes, as documented in OpenAPI; the checks below are what holds. */
    @Schema(name = "ProfileFields")
    record Document(
            @Schema(maxLength = MAX_DISPLAY_NAME) String displayName,
            @Schema(maxLength = MAX_EMAIL, format = "email") String email,
            @Schema(maxLength = MAX_BIO) String bio,
            @Schema(maxLength = MAX_URL, format = "uri", description = "An absolute http or https URL") String avatarUrl,
            @Schema(description = "Any JSON object, at most " + MAX_PREFERENCES_BYTES + " bytes and " + MAX_PREFERENCES_DEPTH + " levels deep") Map<String, Object> preferences) {
    }

    /** A PUT body: the whole profile. */
    static Profile.Fields replacement(JsonNode body, String userId) {
        ObjectNode document = object(body);
        List<FieldError> errors = new ArrayList<>();
        checkNames(document, userId, errors);
        return validate(document, errors);
    }

    /** A PATCH body (RFC 7396 JSON merge patch) applied to the current fields. */
    static Profile.Fields merged(Profile.Fields current, JsonNode patch, String userId) {
        ObjectNode changes = object(patch);
        List<FieldError> errors = new ArrayList<>();
        checkNames(changes, userId, errors);
        ObjectNode document = JsonNodeFactory.instance.objectNode();
        document.put("displayName", current.displayName());
        document.put("email", current.email());
        document.put("bio", current.bio());
        document.put("avatarUrl", current.avatarUrl());
        document.set("preferences", current.preferences() == null ? JsonNodeFactory.instance.objectNode() : current.preferences().deepCopy());
        for (String field : EDITABLE) {
            if (changes.has(field)) {
                document.set(field, mergePatch(document.get(field), changes.get(field)));
            }
        }
        return validate(document, errors);
    }

    /**
     * What a patch can be checked for alone (names, types, limits), so a bad patch is a 400 before
     * anything is read or locked.
     */
    static void checkPatch(JsonNode patch, String userId) {
        merged(PLACEHOLDER, patch, userId);
    }

    private static final Profile.Fields PLACEHOLDER = new Profile.Fields("placeholder", "placeholder@example.org", null, null, null);

    /** RFC 7396: objects merge member by member, null removes, anything else replaces. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            if (member.getValue().isNull()) {
                result.remove(member.getKey());
            } else {
                result.set(member.getKey(), mergePatch(result.get(member.getKey()), member.getValue()));
            }
        }
        return result;
    }

    private static ObjectNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ProblemException(Problem.badRequest("the body must be a JSON object"));
        }
        return (ObjectNode) body;
    }

    private static void checkNames(ObjectNode body, String userId, List<FieldError> errors) {
        body.fieldNames().forEachRemaining(name -> {
            if (!EDITABLE.contains(name) && !READ_ONLY.contains(name)) {
                errors.add(new FieldError(name, "unknown field; a profile has displayName, email, bio, avatarUrl and preferences"));
            }
        });
        JsonNode id = body.get("userId");
        if (id != null && !(id.isTextual() && id.asText().equals(userId))) {
            errors.add(new FieldError("userId", "must be the user id of the path, or left out"));
        }
    }

    private static Profile.Fields validate(ObjectNode document, List<FieldError> errors) {
        String displayName = text(document, "displayName", true, MAX_DISPLAY_NAME, errors);
        if (displayName != null && (displayName.isBlank() || CONTROL.matcher(displayName).find())) {
            errors.add(new FieldError("displayName", "must have visible characters and no control characters"));
        }
        String email = text(document, "email", true, MAX_EMAIL, errors);
        if (email != null && !EMAIL.matcher(email).matches()) {
            errors.add(new FieldError("email", "is not an email address"));
        }
        String bio = text(document, "bio", false, MAX_BIO, errors);
        String avatarUrl = text(document, "avatarUrl", false, MAX_URL, errors);
        if (avatarUrl != null && !webUrl(avatarUrl)) {
            errors.add(new FieldError("avatarUrl", "must be an absolute http or https URL"));
        }
        JsonNode preferences = document.get("preferences");
        if (preferences == null || preferences.isNull()) {
            preferences = JsonNodeFactory.instance.objectNode();
        } else if (!preferences.isObject()) {
            errors.add(new FieldError("preferences", "must be an object"));
        } else if (preferences.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PREFERENCES_BYTES) {
            errors.add(new FieldError("preferences", "must be at most " + MAX_PREFERENCES_BYTES + " bytes of JSON"));
        } else if (depth(preferences) > MAX_PREFERENCES_DEPTH) {
            errors.add(new FieldError("preferences", "must nest at most " + MAX_PREFERENCES_DEPTH + " levels deep"));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.validation(errors));
        }
        return new Profile.Fields(displayName.strip(), email.strip(), bio, avatarUrl, preferences);
    }

    private static String text(ObjectNode document, String field, boolean required, int max, List<FieldError> errors) {
        JsonNode value = document.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!value.isTextual()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        String text = value.asText();
        if (text.codePointCount(0, text.length()) > max) {
            errors.add(new FieldError(field, "must be at most " + max + " characters"));
            return null;
        }
        return text;
    }

    private static boolean webUrl(String text) {
        try {
            URI uri = new URI(text);
            return uri.isAbsolute() && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child));
        }
        return node.isContainerNode() ? deepest + 1 : 0;
    }
}
