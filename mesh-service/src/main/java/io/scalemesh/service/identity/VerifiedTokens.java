package io.scalemesh.service.identity;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.crypto.SecretKey;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;

/**
 * Remembers the bearer tokens this service has verified, so the next request with the same token
 * skips the RS256 check and the claims parsing: SmallRye JWT does both on every request, and they
 * were the largest share of the gateway's CPU per request. In the gateway these are the clients'
 * tokens; in a backend the internal identity tokens, which the gateway reuses for 30 s per caller.
 * Quarkus's JWT validator takes this parser in place of the default one, in every service.
 *
 * <p>A token whose {@code upn} or {@code preferred_username} is not its {@code sub} is refused
 * ({@link SubjectClaims}). A token is kept under its exact text, only after it was fully verified
 * (signature, issuer, audience, age, lifetime), and never past its own {@code exp} nor past {@code max-ttl}: the cache can shorten a
 * token's life (it then verifies again), never lengthen it. Tokens that fail are never kept, so
 * forged tokens cost their verification every time. The key is public, so restarting is all a key
 * change needs; bounded by {@code max-entries} (the least recently used go first).
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokens implements JWTParser {

    private record Verified(JsonWebToken token, long expiresAtNanos) {
    }

    private final DefaultJWTParser verifier;
    private final Cache<String, Verified> verified;
    private final long maxTtlNanos;
    private final Counter hits;
    private final Counter misses;

    @Inject
    public VerifiedTokens(DefaultJWTParser verifier, MeterRegistry registry,
            @ConfigProperty(name = "mesh.token-cache.max-entries") int maxEntries,
            @ConfigProperty(name = "mesh.token-cache.max-ttl") Duration maxTtl,
            @ConfigProperty(name = "quarkus.application.name") String service) {
        this.verifier = verifier;
        this.maxTtlNanos = maxTtl.toNanos();
        this.verified = Caffeine.newBuilder().maximumSize(Math.max(0, maxEntries)).expireAfter(new Expiry<String, Verified>() {
            @Override
            public long expireAfterCreate(String key, Verified value, long now) {
                return Math.max(0, value.expiresAtNanos() - now);
            }

            @Override
            public long expireAfterUpdate(String key, Verified value, long now, long current) {
                return Math.max(0, value.expiresAtNanos() - now);
            }

            @Override
            public long expireAfterRead(String key, Verified value, long now, long current) {
                return current;
            }
        }).build();
        this.hits = registry.counter("scalemesh.token.cache", "service", service, "result", "hit");
        this.misses = registry.counter("scalemesh.token.cache", "service", service, "result", "miss");
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        Verified known = verified.getIfPresent(token);
        long now = System.nanoTime();
        if (known != null && known.expiresAtNanos() - now > 0) {
            hits.increment();
            return known.token();
        }
        misses.increment();
        JsonWebToken jwt = verifier.parse(token);
        String disagreement = SubjectClaims.disagreement(jwt);
        if (disagreement != null) {
            throw new ParseException(disagreement);
        }
        long lifetime = maxTtlNanos;
        if (jwt.getExpirationTime() > 0) {
            long untilExp = TimeUnit.SECONDS.toNanos(jwt.getExpirationTime()) - TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
            lifetime = Math.min(lifetime, untilExp);
        }
        if (lifetime > 0) {
            verified.put(token, new Verified(jwt, now + lifetime));
        }
        return jwt;
    }

    // Everything else is rare (explicit keys, decryption) and goes straight to the verifier.

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return verifier.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return verifier.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return verifier.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return verifier.parseOnly(token);
    }
}
