package io.scalemesh.service.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Mints the mesh's internal identity tokens: whom a request to a backend acts for, as an RS256 JWT
 * signed with this service's own key, for the internal audience only, valid for seconds. Backends
 * verify them with SmallRye JWT (this module's {@code META-INF/microprofile-config.properties}) and
 * trust nothing else a request says about its caller.
 *
 * <p>A caller's token is reused until half its lifetime is gone: an RSA signature costs about a
 * millisecond of CPU, once per caller every {@code lifetime / 2} instead of once per request. A
 * service without {@code mesh.identity.signing-key-location} mints nothing.
 */
@ApplicationScoped
public class InternalTokens {

    public static final String ISSUER = "https://scalemesh.dev/internal";
    public static final String AUDIENCE = "scalemesh-internal";

    private record Minted(String token, long renewAtMillis) {
    }

    private final Optional<Path> keyFile;
    private final String keyId;
    private final Duration lifetime;
    private final int maxEntries;
    private final ConcurrentHashMap<String, Minted> minted = new ConcurrentHashMap<>();
    private volatile PrivateKey key;

    @Inject
    public InternalTokens(@ConfigProperty(name = "mesh.identity.signing-key-location") Optional<Path> keyFile,
            @ConfigProperty(name = "mesh.identity.key-id", defaultValue = "internal") String keyId,
            @ConfigProperty(name = "mesh.identity.lifetime", defaultValue = "60s") Duration lifetime,
            @ConfigProperty(name = "mesh.identity.cache-entries", defaultValue = "10000") int maxEntries) {
        this.keyFile = keyFile;
        this.keyId = keyId;
        this.lifetime = lifetime;
        this.maxEntries = maxEntries;
    }

    /** A service that signs finds a missing or unreadable key at start, not at its first request. */
    void loadKey(@Observes StartupEvent start) {
        keyFile.ifPresent(file -> key = readKey(file));
    }

    /** {@code Bearer <token>} for a request made on behalf of {@code user} with these roles. */
    public String bearer(String user, Collection<String> roles) {
        TreeSet<String> sorted = new TreeSet<>(roles);
        String cacheKey = user + '\n' + String.join(",", sorted);
        long now = System.currentTimeMillis();
        Minted known = minted.get(cacheKey);
        if (known != null && now < known.renewAtMillis()) {
            return known.token();
        }
        if (minted.size() >= maxEntries) {
            minted.values().removeIf(m -> now >= m.renewAtMillis());
            if (minted.size() >= maxEntries) {
                minted.clear(); // a flood of distinct callers: signing again is the only cost
            }
        }
        Minted fresh = new Minted("Bearer " + sign(user, sorted, now), now + lifetime.toMillis() / 2);
        minted.put(cacheKey, fresh);
        return fresh.token();
    }

    private String sign(String user, Collection<String> roles, long nowMillis) {
        PrivateKey signing = key;
        if (signing == null) {
            signing = key = readKey(keyFile.orElseThrow(() -> new IllegalStateException(
                    "this service signs internal identity tokens but mesh.identity.signing-key-location is not set")));
        }
        long now = nowMillis / 1000;
        ObjectNode header = EventCodec.json().createObjectNode().put("alg", "RS256").put("typ", "JWT").put("kid", keyId);
        ObjectNode claims = EventCodec.json().createObjectNode().put("iss", ISSUER).put("aud", AUDIENCE).put("sub", user)
                .put("iat", now).put("exp", now + lifetime.toSeconds());
        roles.forEach(claims.putArray("groups")::add);
        String input = base64(header.toString()) + "." + base64(claims.toString());
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(signing);
            rsa.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign an internal identity token", e);
        }
    }

    private static PrivateKey readKey(Path file) {
        try {
            String pem = Files.readString(file);
            if (!pem.contains("BEGIN PRIVATE KEY")) {
                throw new IllegalStateException(file + " is not a PKCS#8 PEM private key");
            }
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the identity signing key " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(file + " is not an RSA private key: " + e.getMessage(), e);
        }
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
