package io.scalemesh.devstack;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Signs RS256 JWTs the gateway accepts ({@code ./mesh token}, tests), and the broken ones the tests
 * must see refused. Claims: iss, sub, upn, groups (user, plus admin), iat, exp, jti.
 */
public final class Tokens {

    /** The issuer the gateway trusts ({@code mp.jwt.verify.issuer}). */
    public static final String ISSUER = "https://scalemesh.dev/issuer";

    private final JwtKeys keys;
    private String subject = "alice";
    private boolean admin;
    private String issuer = ISSUER;
    private Instant issuedAt = Instant.now();
    private Duration lifetime = Duration.ofHours(1);
    private String algorithm = "RS256";

    private Tokens(JwtKeys keys) {
        this.keys = keys;
    }

    public static Tokens signedWith(JwtKeys keys) {
        return new Tokens(keys);
    }

    /** A token for the test stack's gateway. */
    public static String forTests(String user, boolean admin) {
        return signedWith(JwtKeys.of(TestStack.shared().settings())).subject(user).admin(admin).sign();
    }

    public Tokens subject(String subject) {
        this.subject = subject;
        return this;
    }

    public Tokens admin(boolean admin) {
        this.admin = admin;
        return this;
    }

    public Tokens issuer(String issuer) {
        this.issuer = issuer;
        return this;
    }

    public Tokens issuedAt(Instant issuedAt) {
        this.issuedAt = issuedAt;
        return this;
    }

    public Tokens lifetime(Duration lifetime) {
        this.lifetime = lifetime;
        return this;
    }

    /** {@code none}: the unsigned token a gateway must never accept. */
    public Tokens algorithm(String algorithm) {
        this.algorithm = algorithm;
        return this;
    }

    public String sign() {
        String header = "{\"alg\":\"" + algorithm + "\",\"typ\":\"JWT\"}";
        String groups = admin ? "[\"user\",\"admin\"]" : "[\"user\"]";
        String claims = "{\"iss\":\"" + issuer + "\",\"sub\":\"" + subject + "\",\"upn\":\"" + subject + "\","
                + "\"groups\":" + groups + ",\"iat\":" + issuedAt.getEpochSecond()
                + ",\"exp\":" + issuedAt.plus(lifetime).getEpochSecond() + ",\"jti\":\"" + UUID.randomUUID() + "\"}";
        String signingInput = base64(header.getBytes(StandardCharsets.UTF_8)) + "." + base64(claims.getBytes(StandardCharsets.UTF_8));
        if (algorithm.equals("none")) {
            return signingInput + ".";
        }
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(keys.privateKey());
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + base64(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
