package io.scalemesh.devstack;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Signs RS256 JWTs the gateway accepts ({@code ./mesh token}, tests), the internal identity tokens
 * the backends accept (as the gateway mints them: mesh-service's InternalTokens), and the broken ones
 * the tests must see refused. Claims: iss, aud, sub, upn (client tokens), groups (user, plus
 * admin), iat, exp, jti.
 */
public final class Tokens {

    /** The issuer the gateway trusts ({@code mp.jwt.verify.issuer}). */
    public static final String ISSUER = "https://scalemesh.dev/issuer";
    /** The audience the gateway expects ({@code mp.jwt.verify.audiences}). */
    public static final String AUDIENCE = "scalemesh-api";
    /** What backends expect of an internal identity token (mesh-service's InternalTokens). */
    public static final String INTERNAL_ISSUER = "https://scalemesh.dev/internal";
    public static final String INTERNAL_AUDIENCE = "scalemesh-internal";

    private final JwtKeys keys;
    private String subject = "alice";
    private boolean admin;
    private String issuer = ISSUER;
    private String audience = AUDIENCE;
    private String upn = "";
    private String keyId;
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

    /** An internal identity token as the stack's gateway mints it (60 s, no upn), to build on. */
    public static Tokens internal(StackSettings settings) {
        return signedWith(IdentityKeys.signer(settings, IdentityKeys.GATEWAY)).keyId(IdentityKeys.GATEWAY).issuer(INTERNAL_ISSUER)
                .audience(INTERNAL_AUDIENCE).upn(null).lifetime(Duration.ofSeconds(60));
    }

    /** {@code Bearer <token>} for calling a test stack's backend directly, as the gateway would. */
    public static String internalForTests(String user, boolean admin) {
        return "Bearer " + internal(TestStack.shared().settings()).subject(user).admin(admin).sign();
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

    public Tokens audience(String audience) {
        this.audience = audience;
        return this;
    }

    /** The upn claim: "" (the default) is the subject's, null leaves it out. */
    public Tokens upn(String upn) {
        this.upn = upn;
        return this;
    }

    public Tokens keyId(String keyId) {
        this.keyId = keyId;
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
        String header = "{\"alg\":\"" + algorithm + "\",\"typ\":\"JWT\"" + (keyId == null ? "" : ",\"kid\":\"" + keyId + "\"") + "}";
        String groups = admin ? "[\"user\",\"admin\"]" : "[\"user\"]";
        String name = upn == null ? "" : ",\"upn\":\"" + (upn.isEmpty() ? subject : upn) + "\"";
        String claims = "{\"iss\":\"" + issuer + "\",\"aud\":\"" + audience + "\",\"sub\":\"" + subject + "\"" + name + ","
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
