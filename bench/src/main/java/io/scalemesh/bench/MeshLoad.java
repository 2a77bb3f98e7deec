package io.scalemesh.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.Tokens;

/**
 * {@code ./mesh load --rate N/s --duration D}: realistic mixed traffic through the gateway of a
 * running mesh ({@code ./mesh up}), so a person can watch it work (./mesh status, the Grafana
 * dashboard, the consumers' APIs). Per 100 requests: 60 actions (views, searches, purchases), 20
 * profile reads, 5 profile writes, 10 tasks (mostly sums, some reports) and 5 reads of one's
 * invoice or notifications, spread over 50 users. Open loop at the given rate; one line per second.
 */
public final class MeshLoad {

    private static final int USERS = 50;
    private static final List<String> ACTIONS = List.of("view", "view", "search", "view", "purchase", "share");

    /** What the command line asks for. */
    private record Options(double rate, Duration duration, StackSettings.Profile profile) {

        /** A usage error is an IllegalArgumentException that says what is wrong. */
        static Options parse(String[] args) {
            double rate = 50;
            Duration duration = Duration.ofSeconds(60);
            String profile = "dev";
            try {
                for (int i = 0; i < args.length; i++) {
                    switch (args[i]) {
                        case "--rate" -> rate = Double.parseDouble(args[++i].replaceAll("/s$", ""));
                        case "--duration" -> duration = parseDuration(args[++i]);
                        case "--profile" -> profile = args[++i];
                        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                    }
                }
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("--rate takes N/s and --duration 60s, 5m or 500ms");
            }
            if (rate <= 0 || rate > 20_000 || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("--rate must be 1 to 20000 per second and --duration positive");
            }
            return new Options(rate, duration, StackSettings.Profile.of(profile));
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mesh: " + e.getMessage() + " (usage: ./mesh load [--rate N/s] [--duration 60s|5m] [--profile dev|e2e])");
            System.exit(2);
            return;
        }
        double rate = options.rate();
        Duration duration = options.duration();
        StackSettings.Profile stackProfile = options.profile();
        StackSettings settings = StackSettings.of(stackProfile);
        String gateway = "http://127.0.0.1:"
                + new ServiceInstances(DevStack.of(stackProfile)).instance(MeshService.API_GATEWAY, 0).port();
        JwtKeys keys = JwtKeys.of(settings);
        Duration lifetime = duration.plusHours(1);
        List<String> tokens = IntStream.range(0, USERS)
                .mapToObj(i -> Tokens.signedWith(keys).subject("load-" + i).lifetime(lifetime).sign()).toList();
        System.out.printf(Locale.ROOT, "Mixed load on %s: %.0f requests/s for %d s (Ctrl-C stops it)%n", gateway, rate, duration.toSeconds());
        // Every user has a profile first, so profile reads find one (a 404 is not traffic to watch).
        try (OpenLoad load = new OpenLoad()) {
            for (int user = 0; user < USERS; user++) {
                int status = load.status(profileWrite(gateway, user, 0).header("Authorization", "Bearer " + tokens.get(user)));
                if (status >= 300) {
                    throw new IllegalStateException("could not create the profile of load-" + user + ": HTTP " + status);
                }
            }
            System.out.println("second  sent  2xx  4xx  5xx  errors  p50 ms  p99 ms");
            long offset = 0;
            for (long second = 0; second < duration.toSeconds(); second++) {
                long base = offset;
                OpenLoad.Result r = load.run(rate, Duration.ofSeconds(1), i -> request(gateway, tokens, base + i));
                offset += r.sent();
                int ok = 0;
                int client = 0;
                int server = 0;
                for (Map.Entry<Integer, Integer> status : r.statuses().entrySet()) {
                    int code = status.getKey();
                    if (code < 400) {
                        ok += status.getValue();
                    } else if (code < 500) {
                        client += status.getValue();
                    } else {
                        server += status.getValue();
                    }
                }
                System.out.printf(Locale.ROOT, "%6d %5d %4d %4d %4d %7d %7.1f %7.1f%n", second + 1, r.sent(), ok, client, server, r.errors(),
                        r.p50() / 1000.0, r.p99() / 1000.0);
            }
        }
    }

    /** The i-th request of the mix. */
    private static OpenLoad.Request request(String gateway, List<String> tokens, long i) {
        int user = (int) (i % USERS);
        String token = "Bearer " + tokens.get(user);
        int kind = (int) ((i * 37) % 100); // a fixed shuffle of the mix
        OpenLoad.Request request;
        if (kind < 60) {
            String type = ACTIONS.get((int) (i % ACTIONS.size()));
            request = OpenLoad.Request.post(gateway + "/api/v1/actions", "{\"type\":\"" + type + "\",\"attributes\":{\"item\":\"" + (i % 500) + "\"}}");
        } else if (kind < 80) {
            request = OpenLoad.Request.get(gateway + "/api/v1/profiles/load-" + user);
        } else if (kind < 85) {
            request = profileWrite(gateway, user, i);
        } else if (kind < 95) {
            String task = kind < 93 ? "{\"type\":\"sum\",\"input\":{\"numbers\":[" + i + ",2,3]}}"
                    : "{\"type\":\"report\",\"input\":{\"windowDays\":1}}";
            request = OpenLoad.Request.post(gateway + "/api/v1/tasks", task);
        } else {
            request = OpenLoad.Request.get(gateway + (kind < 98 ? "/api/v1/billing/invoice" : "/api/v1/notifications?limit=10"));
        }
        return request.header("Authorization", token);
    }

    private static OpenLoad.Request profileWrite(String gateway, int user, long i) {
        return OpenLoad.Request.put(gateway + "/api/v1/profiles/load-" + user, "{\"displayName\":\"Load " + user
                + "\",\"email\":\"load-" + user + "@example.com\",\"preferences\":{\"theme\":\"" + (i % 2 == 0 ? "dark" : "light") + "\"}}");
    }

    private static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(t.endsWith("s") ? t.substring(0, t.length() - 1) : t));
    }
}
