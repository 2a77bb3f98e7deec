package io.scalemesh.profile.rest;

import static io.restassured.RestAssured.given;
import static io.scalemesh.profile.Profiles.as;
import static io.scalemesh.profile.Profiles.asAdmin;
import static io.scalemesh.profile.Profiles.body;
import static io.scalemesh.profile.Profiles.newUser;
import static io.scalemesh.profile.Profiles.path;
import static io.scalemesh.profile.Profiles.put;
import static io.scalemesh.profile.Profiles.readAfter;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.scalemesh.profile.shard.ShardMap;
import io.scalemesh.profile.shard.ShardServers;
import io.scalemesh.testing.DevStackResource;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class ProfileResourceTest {

    private static final String TOKEN = "s[01]@[0-9A-F]{1,8}/[0-9A-F]{1,8}";

    @Inject
    ShardServers shards;

    @Test
    void putCreatesWith201ThenReplacesWith200AndEachWriteIsANewVersion() {
        String user = newUser();
        Response created = as(user).body(body("Ada")).put(path(user));
        created.then().statusCode(201).header("Location", equalTo(path(user))).header("ETag", equalTo("\"1\""))
                .header("X-Consistency-Token", matchesPattern(TOKEN))
                .body("userId", equalTo(user)).body("displayName", equalTo("Ada")).body("version", equalTo(1))
                .body("preferences.theme", equalTo("dark")).body("updatedAt", notNullValue());

        Response replaced = as(user).body(body("Ada L.")).put(path(user));
        replaced.then().statusCode(200).header("ETag", equalTo("\"2\"")).body("displayName", equalTo("Ada L.")).body("version", equalTo(2));
        readAfter(user, replaced).then().statusCode(200).header("ETag", equalTo("\"2\"")).header("Cache-Control", equalTo("private, no-cache"))
                .body("displayName", equalTo("Ada L.")).body("email", equalTo("someone@example.org"))
                .body("avatarUrl", equalTo("https://img.example.org/a.png"));
    }

    @Test
    void theRowLivesInTheUsersShardSchemaOnTheServerTheMapNames() {
        String user = newUser();
        put(user, "Placed");
        int shard = shards.map().shardOf(user);
        String home = shards.map().serverOf(shard);
        assertEquals(2, shards.servers().size(), "the devstack runs two physical servers");
        for (ShardServers.Server server : shards.servers().values()) {
            boolean held = server.primary().preparedQuery("SELECT to_regclass($1) IS NOT NULL")
                    .execute(Tuple.of(ShardMap.schema(shard) + ".profiles")).await().indefinitely().iterator().next().getBoolean(0);
            assertEquals(server.name().equals(home), held, ShardMap.schema(shard) + " exists only on " + home + ", checked on " + server.name());
        }
        long rows = shards.servers().get(home).primary()
                .preparedQuery("SELECT count(*) FROM " + ShardMap.schema(shard) + ".profiles WHERE user_id = $1")
                .execute(Tuple.of(user)).await().indefinitely().iterator().next().getLong(0);
        assertEquals(1, rows);
    }

    @Test
    void patchMergesFieldsAndNullRemoves() {
        String user = newUser();
        put(user, "Grace");
        as(user).contentType("application/merge-patch+json")
                .body("{\"bio\": null, \"preferences\": {\"theme\": null, \"tz\": \"UTC\"}}").patch(path(user))
                .then().statusCode(200).header("ETag", equalTo("\"2\"")).body("bio", nullValue())
                .body("preferences.tz", equalTo("UTC")).body("preferences.lang", equalTo("en"))
                .body("preferences.theme", nullValue()).body("displayName", equalTo("Grace"));
        as(user).body("{\"displayName\": null}").patch(path(user)).then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("displayName"));
        as(newUser()).body("{\"bio\": \"x\"}").patch(path("nobody-" + user)).then().statusCode(403);
        String stranger = newUser();
        as(stranger).body("{\"bio\": \"x\"}").patch(path(stranger)).then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void deleteErasesTheProfileAndVersionsNeverRepeat() {
        String user = newUser();
        put(user, "Linus");
        Response deleted = as(user).delete(path(user));
        deleted.then().statusCode(204).header("X-Consistency-Token", matchesPattern(TOKEN));
        readAfter(user, deleted).then().statusCode(404).contentType("application/problem+json");
        as(user).delete(path(user)).then().statusCode(404);
        // Version 1 was the profile, 2 its deletion: the new profile is version 3, so the old ETag "1" matches nothing.
        as(user).body(body("Linus again")).put(path(user)).then().statusCode(201).header("ETag", equalTo("\"3\""));
        as(user).header("If-Match", "\"1\"").body(body("stale")).put(path(user)).then().statusCode(412);
    }

    @Test
    void ifMatchGuardsWritesAndIfNoneMatchGivesNotModified() {
        String user = newUser();
        as(user).header("If-Match", "*").body(body("x")).put(path(user)).then().statusCode(412)
                .contentType("application/problem+json").body("type", endsWith("/precondition-failed"));
        as(user).header("If-None-Match", "*").body(body("first")).put(path(user)).then().statusCode(201);
        as(user).header("If-None-Match", "*").body(body("again")).put(path(user)).then().statusCode(412);

        as(user).header("If-Match", "\"7\"").body(body("lost update")).put(path(user)).then().statusCode(412);
        as(user).header("If-Match", "W/\"1\"").body(body("weak")).put(path(user)).then().statusCode(412);
        Response second = as(user).header("If-Match", "\"1\"").body(body("second")).put(path(user));
        second.then().statusCode(200).header("ETag", equalTo("\"2\""));
        as(user).header("If-Match", "\"1\"").body("{\"bio\": \"b\"}").patch(path(user)).then().statusCode(412);
        as(user).header("If-Match", "\"1\"").delete(path(user)).then().statusCode(412);

        String etag = readAfter(user, second).then().statusCode(200).extract().header("ETag");
        readAfter(user, second, "If-None-Match", etag).then().statusCode(304).header("ETag", equalTo("\"2\""));
        readAfter(user, second, "If-None-Match", "\"1\", W/\"2\"").then().statusCode(304);
        readAfter(user, second, "If-None-Match", "\"1\"").then().statusCode(200);
        as(user).header("If-Match", "\"2\"").delete(path(user)).then().statusCode(204);
    }

    @Test
    void everyBadInputIsA400ProblemAndWritesNothing() {
        String user = newUser();
        String ok = "\"displayName\": \"A\", \"email\": \"a@example.org\"";
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{\"displayName\": \"A\", \"email\": \"not-an-email\"}", "email");
        bad.put("{\"displayName\": \"A\", \"email\": \"a@b\"}", "email");
        bad.put("{\"displayName\": \"A\"}", "email");
        bad.put("{\"email\": \"a@example.org\"}", "displayName");
        bad.put("{\"displayName\": \"" + "x".repeat(101) + "\", \"email\": \"a@example.org\"}", "displayName");
        bad.put("{\"displayName\": \"   \", \"email\": \"a@example.org\"}", "displayName");
        bad.put("{\"displayName\": \"a\\u0007b\", \"email\": \"a@example.org\"}", "displayName");
        bad.put("{\"displayName\": 42, \"email\": \"a@example.org\"}", "displayName");
        bad.put("{" + ok + ", \"bio\": \"" + "b".repeat(2001) + "\"}", "bio");
        bad.put("{" + ok + ", \"avatarUrl\": \"javascript:alert(1)\"}", "avatarUrl");
        bad.put("{" + ok + ", \"avatarUrl\": \"/relative.png\"}", "avatarUrl");
        bad.put("{" + ok + ", \"preferences\": [1, 2]}", "preferences");
        bad.put("{" + ok + ", \"preferences\": {\"a\": {\"b\": {\"c\": {\"d\": {\"e\": {}}}}}}}", "preferences");
        bad.put("{" + ok + ", \"preferences\": {\"blob\": \"" + "z".repeat(9000) + "\"}}", "preferences");
        bad.put("{" + ok + ", \"password\": \"hunter2\"}", "password");
        bad.put("{" + ok + ", \"userId\": \"someone-else\"}", "userId");
        bad.forEach((body, field) -> as(user).body(body).put(path(user)).then()
                .statusCode(400).contentType("application/problem+json").body("errors.field", hasItem(field)));

        as(user).body("[1, 2]").put(path(user)).then().statusCode(400).body("type", endsWith("/invalid-request"));
        as(user).body("").put(path(user)).then().statusCode(400);
        as(user).body("{\"displayName\": ").put(path(user)).then().statusCode(400).body("type", endsWith("/malformed-json"));
        as(user).body("{" + ok + ", \"email\": \"b@example.org\"}").put(path(user)).then().statusCode(400)
                .body("type", endsWith("/malformed-json")); // a duplicate key is ambiguous
        as(user).body("{" + ok + ", \"bio\": \"" + "b".repeat(40_000) + "\"}").put(path(user)).then().statusCode(413)
                .contentType("application/problem+json");
        as(user).contentType("text/plain").body(body("A")).put(path(user)).then().statusCode(415).contentType("application/problem+json");
        as(user).header("If-None-Match", "\"3\"").body(body("A")).put(path(user)).then().statusCode(400);
        as(user).header("X-Consistency-Token", "garbage").get(path(user)).then().statusCode(400).contentType("application/problem+json");

        as(user).header("Cache-Control", "no-cache").get(path(user)).then().statusCode(404); // none of the above wrote anything
        as(user).body("{" + ok + ", \"userId\": \"" + user + "\", \"version\": 9, \"updatedAt\": \"x\"}").put(path(user))
                .then().statusCode(201).body("version", equalTo(1)); // read-only fields sent back are ignored
    }

    @Test
    void onlyTheOwnerOrAnAdminReachesAProfile() {
        String user = newUser();
        Response written = put(user, "Owner");
        as(newUser()).get(path(user)).then().statusCode(403).contentType("application/problem+json");
        as(newUser()).body(body("Mallory")).put(path(user)).then().statusCode(403);
        as(newUser()).delete(path(user)).then().statusCode(403);
        asAdmin().header("X-Consistency-Token", written.header("X-Consistency-Token")).get(path(user)).then().statusCode(200).body("displayName", equalTo("Owner"));
        given().get(path(user)).then().statusCode(401).contentType("application/problem+json");
        as("bad id!").get(path("bad id!")).then().statusCode(401); // not a user id: no identity
        as(user).get(path("-starts-with-dash")).then().statusCode(400).contentType("application/problem+json");
    }
}
