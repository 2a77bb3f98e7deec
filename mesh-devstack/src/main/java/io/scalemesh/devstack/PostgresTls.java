package io.scalemesh.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * TLS for the devstack's PostgreSQL servers, as CloudNativePG gives a cluster: a CA of the stack's
 * own and a server certificate for {@value StackSettings#HOST} signed by it, made on first use
 * with the JDK's keytool into the profile's state folder ({@code postgres-tls/}). Every server
 * serves it; the services connect with {@code sslmode=verify-full} against {@code ca.crt}, so a
 * server that cannot prove it is 127.0.0.1 with the stack's CA gets no connection.
 */
public final class PostgresTls {

    private static final String STORE_PASSWORD = "devstack";

    private PostgresTls() {
    }

    /** The CA certificate (PEM) that clients verify the servers with; made the first time it is asked for. */
    public static Path caCertificate(StackSettings settings) {
        return dir(settings).resolve("ca.crt");
    }

    /** What {@code postgres} is started with to serve TLS. */
    static String serverOptions(StackSettings settings) {
        Path dir = dir(settings);
        return "-c ssl=on -c ssl_cert_file='" + dir.resolve("server.crt") + "' -c ssl_key_file='" + dir.resolve("server.key") + "'";
    }

    static Path dir(StackSettings settings) {
        return in(settings.stateDir().resolve("postgres-tls"));
    }

    /** Makes a CA and its server certificate in {@code dir}, unless they are there. */
    static synchronized Path in(Path dir) {
        if (Files.exists(dir.resolve("ca.crt")) && Files.exists(dir.resolve("server.crt")) && Files.exists(dir.resolve("server.key"))) {
            return dir;
        }
        try {
            Files.createDirectories(dir);
            Path store = dir.resolve("keys.p12");
            Files.deleteIfExists(store);
            Path log = dir.resolve("keytool.log");
            keytool(log, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                    "-dname", "CN=scalemesh devstack PostgreSQL CA", "-ext", "bc:c", "-ext", "ku:c=keyCertSign,cRLSign",
                    "-storetype", "PKCS12", "-keystore", store.toString());
            keytool(log, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                    "-dname", "CN=" + StackSettings.HOST, "-keystore", store.toString());
            Path request = dir.resolve("server.csr");
            keytool(log, "-certreq", "-alias", "server", "-keystore", store.toString(), "-file", request.toString());
            keytool(log, "-gencert", "-alias", "ca", "-keystore", store.toString(), "-infile", request.toString(),
                    "-outfile", dir.resolve("server.crt").toString(), "-rfc", "-validity", "3650",
                    "-ext", "san=ip:" + StackSettings.HOST + ",dns:localhost", "-ext", "eku=serverAuth",
                    "-ext", "ku=digitalSignature,keyEncipherment");
            keytool(log, "-exportcert", "-alias", "ca", "-keystore", store.toString(), "-rfc", "-file", dir.resolve("ca.crt").toString());
            Path key = dir.resolve("server.key");
            Files.writeString(key, JwtKeys.pem("PRIVATE KEY", privateKey(store, "server").getEncoded()));
            // PostgreSQL refuses a key file that others can read.
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            // The CA's key signs nothing more: a new certificate means a new folder.
            Files.delete(store);
            Files.delete(request);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(Path log, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", STORE_PASSWORD, "-noprompt"));
        Processes.run(command, log, Duration.ofSeconds(60), Map.of());
    }

    private static PrivateKey privateKey(Path store, String alias) throws IOException {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, STORE_PASSWORD.toCharArray());
            return (PrivateKey) keys.getKey(alias, STORE_PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key keytool made in " + store, e);
        }
    }
}
