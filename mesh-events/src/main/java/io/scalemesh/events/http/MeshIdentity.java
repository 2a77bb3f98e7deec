package io.scalemesh.events.http;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import io.scalemesh.events.EventData;

/**
 * Who is calling, as the gateway forwards it after verifying the JWT. Backends trust these headers
 * only because they are reachable from the gateway alone (NetworkPolicy in Kubernetes, loopback
 * locally); the gateway drops any such header a client sends.
 */
public record MeshIdentity(String userId, Set<String> roles) {

    public static final String USER_HEADER = "X-Mesh-User";
    public static final String ROLES_HEADER = "X-Mesh-Roles";

    public static MeshIdentity from(String user, String roles) {
        if (user == null || !EventData.USER_ID.matcher(user).matches()) {
            throw new ProblemException(Problem.unauthorized("no caller identity: call through the api-gateway with a bearer token"));
        }
        Set<String> roleSet = roles == null ? Set.of()
                : Arrays.stream(roles.split(",")).map(String::trim).filter(r -> !r.isEmpty()).collect(Collectors.toUnmodifiableSet());
        return new MeshIdentity(user, roleSet);
    }

    public boolean admin() {
        return roles.contains("admin");
    }

    /** The user whose data is asked for: the caller, or anyone for an admin. */
    public String resolveOwner(String requested) {
        if (requested == null || requested.isBlank() || requested.equals(userId)) {
            return userId;
        }
        if (!admin()) {
            throw new ProblemException(Problem.forbidden("you can only read your own data"));
        }
        if (!EventData.USER_ID.matcher(requested).matches()) {
            throw new ProblemException(Problem.badRequest("userId is not a valid user id"));
        }
        return requested;
    }

    public void requireAdmin() {
        if (!admin()) {
            throw new ProblemException(Problem.forbidden("this needs the admin role"));
        }
    }
}
