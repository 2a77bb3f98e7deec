package io.scalemesh.service.identity;

import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The caller of a token is its {@code sub}. Quarkus names the principal after {@code upn}, then
 * {@code preferred_username}, then {@code sub}; a token where those disagree could be one user to
 * the rate limiter and another to a backend, so it is refused outright.
 */
public final class SubjectClaims {

    private SubjectClaims() {
    }

    /** Why the token's names disagree, or null when every name it carries is its {@code sub}. */
    public static String disagreement(JsonWebToken token) {
        String subject = token.getSubject();
        for (String claim : new String[] { "upn", "preferred_username" }) {
            Object name = token.getClaim(claim);
            if (name != null && !String.valueOf(name).replaceAll("^\"|\"$", "").equals(subject)) {
                return "the token's " + claim + " is not its sub";
            }
        }
        return null;
    }
}
