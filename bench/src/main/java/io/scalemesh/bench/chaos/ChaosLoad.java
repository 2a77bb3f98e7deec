package io.scalemesh.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import io.scalemesh.bench.OpenLoad;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.Tokens;

/**
 * The steady mixed load of a drill, and what it was answered. Per 100 requests: 50 purchases, 20
 * sum tasks, 20 profile reads and 10 profile writes, over {@link #USERS} users of this run alone,
 * so the effects read back afterwards are this drill's. Each answer is checked against what the
 * API documents for its route; every accepted purchase and task is remembered with when it was
 * accepted.
 */
final class ChaosLoad implements OpenLoad.Answers {

    static final int USERS = 20;
    private static final Pattern EVENT_ID = Pattern.compile("\"eventId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern TASK_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    /** A route of the mix: the statuses of success, and the refusals the API documents (each with Retry-After). */
    enum Route {
        ACTION("POST /api/v1/actions", Set.of(202), Set.of(503)),
        TASK("POST /api/v1/tasks", Set.of(202), Set.of(429, 503)),
        PROFILE_READ("GET /api/v1/profiles/{id}", Set.of(200), Set.of(503)),
        PROFILE_WRITE("PUT /api/v1/profiles/{id}", Set.of(200, 201), Set.of(503));

        final String label;
        final Set<Integer> success;
        final Set<Integer> refusals;

        Route(String label, Set<Integer> success, Set<Integer> refusals) {
            this.label = label;
            this.success = success;
            this.refusals = refusals;
        }
    }

    /** An answer that was not a success: when it came, to what, and whether the API documents it. */
    record Refusal(long atMillis, Route route, int status, String retryAfter, String body, boolean documented) {
    }

    private final String gateway;
    private final String run;
    private final List<String> tokens;
    private final Map<Route, Map<Integer, Integer>> statuses = new EnumMap<>(Route.class);
    /** Accepted purchases: event id → (user, epoch ms of the 202). */
    final Map<String, Accepted> actions = new ConcurrentHashMap<>();
    /** Accepted tasks: task id → (user, epoch ms of the 202). */
    final Map<String, Accepted> tasks = new ConcurrentHashMap<>();
    final List<Refusal> refusals = Collections.synchronizedList(new ArrayList<>());

    record Accepted(String user, long atMillis) {
    }

    ChaosLoad(String gateway, String run, JwtKeys keys) {
        this.gateway = gateway;
        this.run = run;
        this.tokens = IntStream.range(0, USERS).mapToObj(i -> "Bearer " + Tokens.signedWith(keys).subject(user(i))
                .lifetime(Duration.ofHours(2)).sign()).toList();
        for (Route route : Route.values()) {
            statuses.put(route, new ConcurrentHashMap<>());
        }
    }

    String user(int i) {
        return run + "-" + i;
    }

    List<String> users() {
        return IntStream.range(0, USERS).mapToObj(this::user).toList();
    }

    static Route route(int i) {
        int kind = (i * 37) % 100; // a fixed shuffle of the mix
        return kind < 50 ? Route.ACTION : kind < 70 ? Route.TASK : kind < 90 ? Route.PROFILE_READ : Route.PROFILE_WRITE;
    }

    /** The i-th request of the mix. */
    OpenLoad.Request request(int i) {
        int user = i % USERS;
        OpenLoad.Request request = switch (route(i)) {
            case ACTION -> OpenLoad.Request.post(gateway + "/api/v1/actions", "{\"type\":\"purchase\",\"attributes\":{\"sku\":\"" + i + "\"}}");
            case TASK -> OpenLoad.Request.post(gateway + "/api/v1/tasks", "{\"type\":\"sum\",\"input\":{\"numbers\":[" + i + ",2,3]}}");
            case PROFILE_READ -> OpenLoad.Request.get(gateway + "/api/v1/profiles/" + user(user));
            case PROFILE_WRITE -> profileWrite(user, i);
        };
        return request.header("Authorization", tokens.get(user));
    }

    OpenLoad.Request profileWrite(int user, int i) {
        return OpenLoad.Request.put(gateway + "/api/v1/profiles/" + user(user), "{\"displayName\":\"Chaos " + i + "\",\"email\":\""
                + user(user) + "@example.com\"}").header("Authorization", tokens.get(user));
    }

    @Override
    public void answered(int index, OpenLoad.Reply reply) {
        Route route = route(index);
        statuses.get(route).merge(reply.status(), 1, Integer::sum);
        String user = user(index % USERS);
        if (route.success.contains(reply.status())) {
            if (route == Route.ACTION || route == Route.TASK) {
                Matcher id = (route == Route.ACTION ? EVENT_ID : TASK_ID).matcher(reply.body());
                if (id.find()) {
                    (route == Route.ACTION ? actions : tasks).put(id.group(1), new Accepted(user, reply.atMillis()));
                } else {
                    refusals.add(new Refusal(reply.atMillis(), route, reply.status(), null, "a success without an id: " + reply.body(), false));
                }
            }
            return;
        }
        boolean documented = route.refusals.contains(reply.status()) && reply.retryAfter() != null;
        refusals.add(new Refusal(reply.atMillis(), route, reply.status(), reply.retryAfter(), abbreviate(reply.body()), documented));
    }

    /** Per route, how many answers of each status (0: no answer). */
    Map<String, Map<Integer, Integer>> statuses() {
        Map<String, Map<Integer, Integer>> byRoute = new java.util.LinkedHashMap<>();
        statuses.forEach((route, counts) -> byRoute.put(route.label, new TreeMap<>(counts)));
        return byRoute;
    }

    /** Accepted purchases per user. */
    Map<String, Long> actionsPerUser() {
        Map<String, Long> perUser = new TreeMap<>();
        users().forEach(u -> perUser.put(u, 0L));
        actions.values().forEach(a -> perUser.merge(a.user(), 1L, Long::sum));
        return perUser;
    }

    private static String abbreviate(String body) {
        String flat = body == null ? "" : body.replaceAll("\\s+", " ");
        return flat.length() > 160 ? flat.substring(0, 160) + "…" : flat;
    }
}
