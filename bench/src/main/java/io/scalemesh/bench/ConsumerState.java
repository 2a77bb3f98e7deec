package io.scalemesh.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.Tokens;

/**
 * What the consumers have applied, read from their own state (psql and redis-cli, as an operator
 * would): notification rows and ledger lines in PostgreSQL, analytics-service's inbox markers in
 * Redis and its counters through the gateway. The end-to-end bench and the chaos drills count
 * effects with it.
 */
public final class ConsumerState {

    private final StackSettings settings;
    private final HttpClient http = HttpClient.newHttpClient();

    public ConsumerState(StackSettings settings) {
        this.settings = settings;
    }

    /** One query's rows on the first PostgreSQL server, unaligned: columns split by {@code |}, rows by newlines. */
    public String psql(String database, String sql) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("psql", "-h", StackSettings.HOST, "-p", Integer.toString(settings.postgresPort(0)), "-U",
                StackSettings.DB_USER, "-d", database, "-At", "-c", sql);
        builder.environment().put("PGPASSWORD", StackSettings.DB_PASSWORD);
        return run(builder, null);
    }

    /** A query's single number. */
    public long count(String database, String sql) throws Exception {
        return Long.parseLong(psql(database, sql).trim());
    }

    /** A query of two columns, a key and a number (e.g. an event id and its commit time in epoch ms). */
    public Map<String, Long> pgTimes(String database, String sql) throws Exception {
        Map<String, Long> times = new HashMap<>();
        for (String line : psql(database, sql).split("\n")) {
            String[] parts = line.split("\\|");
            if (parts.length == 2) {
                times.put(parts[0], Long.parseLong(parts[1].trim()));
            }
        }
        return times;
    }

    /** analytics-service's inbox markers hold when each event was applied (epoch ms); an absent one is an event not applied. */
    public Map<String, Long> analyticsMarkers(List<String> eventIds) throws Exception {
        StringBuilder commands = new StringBuilder();
        for (int i = 0; i < eventIds.size(); i += 1000) {
            commands.append("MGET ").append(eventIds.subList(i, Math.min(eventIds.size(), i + 1000)).stream()
                    .map(id -> "analytics:inbox:user-actions:" + id).collect(Collectors.joining(" "))).append('\n');
        }
        String[] values = run(new ProcessBuilder("redis-cli", "-p", Integer.toString(settings.redisPort()),
                "--user", StackSettings.REDIS_USER, "--pass", StackSettings.REDIS_PASSWORD, "--no-auth-warning"), commands.toString()).split("\n", -1);
        Map<String, Long> times = new HashMap<>();
        for (int i = 0; i < eventIds.size() && i < values.length; i++) {
            if (!values[i].isBlank()) {
                times.put(eventIds.get(i), Long.parseLong(values[i].trim()));
            }
        }
        return times;
    }

    /** analytics-service's own count of {@code counter} (e.g. {@code action.purchase}) per user, asked as an admin through the gateway. */
    public Map<String, Long> analyticsCounts(String gateway, JwtKeys keys, List<String> users, String counter) throws Exception {
        String admin = Tokens.signedWith(keys).subject("bench-admin").admin(true).lifetime(Duration.ofHours(1)).sign();
        Pattern count = Pattern.compile("\"" + Pattern.quote(counter) + "\"\\s*:\\s*(\\d+)");
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String user : users) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(gateway + "/api/v1/analytics/users/" + user))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200 && answer.statusCode() != 404) {
                throw new IOException("analytics of " + user + " answered " + answer.statusCode() + ": " + answer.body());
            }
            Matcher m = count.matcher(answer.body());
            counts.put(user, m.find() ? Long.parseLong(m.group(1)) : 0);
        }
        return counts;
    }

    private static String run(ProcessBuilder builder, String input) throws Exception {
        Path stdin = null;
        if (input != null) {
            // From a file, not a pipe: writing a large input while the output pipe fills would deadlock.
            stdin = Files.createTempFile("bench-", ".in");
            Files.writeString(stdin, input);
            builder.redirectInput(stdin.toFile());
        }
        Process process = builder.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (stdin != null) {
            Files.delete(stdin);
        }
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", builder.command()) + " failed:\n" + output);
        }
        return output;
    }
}
