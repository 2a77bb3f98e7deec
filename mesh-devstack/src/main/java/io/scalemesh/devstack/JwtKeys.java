package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;

/**
 * The development RS256 key pair: generated on first use into the profile's state folder (never
 * committed), public half for the gateway, private half for {@code ./mesh token} and the tests.
 */
public final class JwtKeys {

    private final PrivateKey privateKey;
    private final RSAPublicKey publicKey;
    private final Path publicKeyFile;

    JwtKeys(KeyPair pair, Path publicKeyFile) {
        this.privateKey = pair.getPrivate();
        this.publicKey = pair.getPublic() != null ? (RSAPublicKey) pair.getPublic() : publicOf((RSAPrivateCrtKey) privateKey);
        this.publicKeyFile = publicKeyFile;
    }

    /** The stack's key pair, created the first time it is asked for. */
    public static synchronized JwtKeys of(StackSettings settings) {
        Path dir = settings.stateDir().resolve("jwt");
        Path privateFile = dir.resolve("private.pem");
        Path publicFile = dir.resolve("public.pem");
        try {
            if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
                KeyPair pair = generate();
                Files.createDirectories(dir);
                Files.writeString(publicFile, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
                Files.writeString(privateFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
                return new JwtKeys(pair, publicFile);
            }
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            PublicKey publicKey = rsa.generatePublic(new X509EncodedKeySpec(der(Files.readString(publicFile))));
            PrivateKey privateKey = rsa.generatePrivate(new PKCS8EncodedKeySpec(der(Files.readString(privateFile))));
            return new JwtKeys(new KeyPair(publicKey, privateKey), publicFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unreadable JWT keys in " + dir + "; delete the folder to make new ones", e);
        }
    }

    /** Signs with a PKCS#8 PEM private key from elsewhere, e.g. the one a Helm release generated. */
    public static JwtKeys signingWith(Path privateKeyPem) {
        try {
            String pem = Files.readString(privateKeyPem);
            if (!pem.contains("BEGIN PRIVATE KEY")) {
                throw new IllegalArgumentException(privateKeyPem + " is not a PKCS#8 PEM private key"
                        + " (convert one with: openssl pkcs8 -topk8 -nocrypt -in KEY -out " + privateKeyPem + ")");
            }
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der(pem)));
            return new JwtKeys(new KeyPair(null, key), null);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + privateKeyPem + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(privateKeyPem + " is not an RSA private key: " + e.getMessage(), e);
        }
    }

    /** A fresh pair that nobody trusts: for tests of wrongly signed tokens. */
    public static JwtKeys untrusted() {
        return new JwtKeys(generate(), null);
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public Path publicKeyFile() {
        return publicKeyFile;
    }

    /** The public half as one JWK (RFC 7517) under {@code kid}, as a JWKS or an OIDC provider lists it. */
    public String jwk(String kid) {
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\""
                + base64(publicKey.getModulus().toByteArray()) + "\",\"e\":\"" + base64(publicKey.getPublicExponent().toByteArray())
                + "\"}";
    }

    /** A JWKS document of these JWKs. */
    public static String jwks(Collection<String> jwks) {
        return "{\"keys\":[" + String.join(",", jwks) + "]}\n";
    }

    private static RSAPublicKey publicOf(RSAPrivateCrtKey key) {
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Unsigned big-endian, as JWK wants it: BigInteger adds a sign byte when the top bit is set. */
    private static String base64(byte[] twosComplement) {
        int skip = twosComplement.length > 1 && twosComplement[0] == 0 ? 1 : 0;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(twosComplement, skip, twosComplement.length));
    }

    static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** DER bytes as PEM text of {@code type} ("PRIVATE KEY" for PKCS#8, "PUBLIC KEY", ...). */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static byte[] der(String pem) {
        return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    }
}
