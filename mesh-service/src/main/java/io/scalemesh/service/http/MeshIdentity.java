package io.scalemesh.service.http;

import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.scalemesh.events.EventData;
import io.scalemesh.service.identity.SubjectClaims;

/**
 * Who is calling: the verified internal identity token's {@code sub} and {@code groups}. The
 * gateway mints that token per forwarded request ({@link io.scalemesh.service.identity.InternalTokens});
 * a backend takes no other word for its caller, so a request that reaches it around the gateway
 * with a header claiming to be someone is refused.
 */
public record MeshIdentity(String userId, Set<String> roles) {

    /** The caller of a request whose token SmallRye JWT verified; 401 when there is none. */
    public static MeshIdentity of(JsonWebToken token) {
        String user = token == null ? null : token.getSubject();
        if (user == null || !EventData.USER_ID.matcher(user).matches()) {
            throw new ProblemException(Problem.unauthorized("no caller identity: call through the api-gateway with a bearer token"));
        }
        String disagreement = SubjectClaims.disagreement(token);
        if (disagreement != null) {
            throw new ProblemException(Problem.unauthorized(disagreement));
        }
        return new MeshIdentity(user, Set.copyOf(token.getGroups()));
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
