package io.scalemesh.gateway.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.notNullValue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;

/**
 * The Helm chart's default: the gateway verifies tokens with the public key inside a self-signed
 * X.509 certificate (PEM), which Helm can generate; the release keeps the private key to sign with.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
@TestProfile(CertificateKeyTest.CertificateProfile.class)
class CertificateKeyTest {

    static final Path DIR = Path.of("target/jwt-certificate");

    public static class CertificateProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            makeKeyPairWithCertificate();
            return Map.of("mesh.jwt.public-key-location", DIR.resolve("certificate.pem").toAbsolutePath().toString());
        }
    }

    @Test
    void aTokenSignedWithTheCertificatesKeyIsAccepted() throws Exception {
        String token = Tokens.signedWith(JwtKeys.signingWith(DIR.resolve("private.pem"))).subject("cert-user").sign();
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"type\":\"view\"}").post("/api/v1/actions")
                .then().statusCode(202).body("eventId", notNullValue());
        given().auth().oauth2(Tokens.signedWith(JwtKeys.untrusted()).sign()).contentType(ContentType.JSON)
                .body("{\"type\":\"view\"}").post("/api/v1/actions").then().statusCode(401);
    }

    /** keytool (in every JDK) makes the pair and its self-signed certificate, as Helm's genSelfSignedCert does. */
    static synchronized void makeKeyPairWithCertificate() {
        try {
            if (Files.exists(DIR.resolve("certificate.pem"))) {
                return;
            }
            Files.createDirectories(DIR);
            Path store = DIR.resolve("keys.p12");
            Files.deleteIfExists(store);
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "jwt", "-keyalg", "RSA", "-keysize", "2048",
                    "-dname", "CN=scalemesh-jwt", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", "changeit", "-keypass", "changeit")).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, "changeit".toCharArray());
            }
            Certificate certificate = keys.getCertificate("jwt");
            PrivateKey key = (PrivateKey) keys.getKey("jwt", "changeit".toCharArray());
            Files.writeString(DIR.resolve("certificate.pem"), pem("CERTIFICATE", certificate.getEncoded()));
            Files.writeString(DIR.resolve("private.pem"), pem("PRIVATE KEY", key.getEncoded()));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
