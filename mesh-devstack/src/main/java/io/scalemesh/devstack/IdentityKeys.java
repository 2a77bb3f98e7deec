package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys of the mesh's internal identity tokens ({@code mesh.identity.keys-dir}): one RS256 key
 * per service that signs (api-gateway, task-service), generated on first use into the profile's
 * state folder, and the JWKS files the backends verify with: {@code gateway.jwks.json} (the
 * gateway's key: every backend) and {@code gateway-and-tasks.jwks.json} (analytics-service, which
 * task-service's reports also call).
 */
public final class IdentityKeys {

    public static final String GATEWAY = "api-gateway";
    public static final String TASKS = "task-service";

    private IdentityKeys() {
    }

    /** The profile's folder, with every key and JWKS in it, made the first time it is asked for. */
    public static Path dir(StackSettings settings) {
        return in(settings.stateDir().resolve("identity"));
    }

    /**
     * Makes the keys that {@code dir} lacks and writes the JWKS files from them: the folder a
     * cluster's identity Secret is made from ({@code ./mesh identity-keys DIR}).
     */
    public static synchronized Path in(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String signer : List.of(GATEWAY, TASKS)) {
                Path key = dir.resolve(signer + ".pem");
                if (!Files.exists(key)) {
                    KeyPair pair = JwtKeys.generate();
                    Files.writeString(key, JwtKeys.pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
                }
            }
            Files.writeString(dir.resolve("gateway.jwks.json"), jwks(dir, List.of(GATEWAY)));
            Files.writeString(dir.resolve("gateway-and-tasks.jwks.json"), jwks(dir, List.of(GATEWAY, TASKS)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The signing key of {@code signer} ({@link #GATEWAY} or {@link #TASKS}). */
    public static JwtKeys signer(StackSettings settings, String signer) {
        return JwtKeys.signingWith(dir(settings).resolve(signer + ".pem"));
    }

    private static String jwks(Path dir, List<String> signers) {
        List<String> keys = new ArrayList<>();
        for (String signer : signers) {
            keys.add(JwtKeys.signingWith(dir.resolve(signer + ".pem")).jwk(signer));
        }
        return JwtKeys.jwks(keys);
    }
}
