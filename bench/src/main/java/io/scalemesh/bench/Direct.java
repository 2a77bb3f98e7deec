package io.scalemesh.bench;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.Tokens;

/**
 * Calling a backend straight, past the gateway, as the gateway would: with an internal identity
 * token for the user. A wrk script cannot mint a token per request, so it carries tokens minted
 * before the run, and the backends of a bench that calls them directly accept identity tokens up
 * to a day old instead of 60 s ({@link #LONG_LIVED_TOKENS}); signature, audience and expiry are
 * checked as always, so each request costs the backend what it costs behind the gateway.
 */
final class Direct {

    static final Map<String, String> LONG_LIVED_TOKENS = Map.of("MP_JWT_VERIFY_TOKEN_AGE", "86400");

    private Direct() {
    }

    /** An internal identity token acting for {@code user}. */
    static String token(StackSettings settings, String user, boolean admin) {
        return Tokens.internal(settings).subject(user).admin(admin).lifetime(Duration.ofHours(3)).sign();
    }

    static String bearer(StackSettings settings, String user, boolean admin) {
        return "Bearer " + token(settings, user, admin);
    }

    /** wrk's BENCH_TOKENS: bearer tokens of {@code prefix}0 ... {@code prefix}<n-1>, comma-separated. */
    static String bearers(StackSettings settings, String prefix, int users) {
        return IntStream.range(0, users).mapToObj(i -> bearer(settings, prefix + i, false)).collect(Collectors.joining(","));
    }
}
