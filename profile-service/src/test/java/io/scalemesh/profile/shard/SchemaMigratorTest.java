package io.scalemesh.profile.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.profile.shard.SchemaMigrator.Migration;
import io.scalemesh.testing.DevStackResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/** The shard migrator on a real server: once per track, in order, and an edited applied script fails loudly. */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class SchemaMigratorTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    ShardServers servers;

    private final String track = "test." + UUID.randomUUID();
    private final String schema = "migrator_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    private Pool pool() {
        return servers.servers().get("s0").primary();
    }

    private List<Migration> scripts(String secondScript) {
        return List.of(new Migration(track, 1, "a schema", "CREATE SCHEMA " + schema + "; CREATE TABLE " + schema + ".t (n int)"),
                new Migration(track, 2, "a row", secondScript));
    }

    private int migrate(List<Migration> migrations) {
        return SchemaMigrator.migrate(pool(), migrations).await().atMost(WAIT);
    }

    @AfterEach
    void dropScratch() {
        pool().query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute().await().atMost(WAIT);
        pool().preparedQuery("DELETE FROM schema_migrations WHERE track = $1").execute(Tuple.of(track)).await().atMost(WAIT);
    }

    @Test
    void eachScriptRunsOnceAndAnEditedOneFailsTheMigration() {
        String insert = "INSERT INTO " + schema + ".t VALUES (1)";
        assertEquals(2, migrate(scripts(insert)));
        assertEquals(0, migrate(scripts(insert)), "nothing left to apply");
        assertEquals(1L, pool().query("SELECT count(*) FROM " + schema + ".t").execute().await().atMost(WAIT).iterator().next().getLong(0));

        SchemaMigrator.EditedMigrationException edited = assertThrows(SchemaMigrator.EditedMigrationException.class,
                () -> migrate(scripts("INSERT INTO " + schema + ".t VALUES (2)")));
        assertTrue(edited.getMessage().contains(track + " v2"), edited.getMessage());
        assertEquals(1L, pool().query("SELECT count(*) FROM " + schema + ".t").execute().await().atMost(WAIT).iterator().next().getLong(0),
                "the edited script did not run");
    }

    @Test
    void aScriptRecordedWithoutAChecksumIsTakenAsItIsNow() {
        String insert = "INSERT INTO " + schema + ".t VALUES (1)";
        migrate(scripts(insert));
        pool().preparedQuery("UPDATE schema_migrations SET checksum = NULL WHERE track = $1").execute(Tuple.of(track)).await().atMost(WAIT);

        assertEquals(0, migrate(scripts(insert)));
        assertEquals(0L, pool().preparedQuery("SELECT count(*) FROM schema_migrations WHERE track = $1 AND checksum IS NULL")
                .execute(Tuple.of(track)).await().atMost(WAIT).iterator().next().getLong(0), "the checksums were recorded");
        assertThrows(SchemaMigrator.EditedMigrationException.class, () -> migrate(scripts("SELECT 1")));
    }
}
