package io.scalemesh.gateway.security;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.SecurityIdentity;

import io.scalemesh.events.EventData;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;

/** The verified caller: the token's {@code sub} is the user; {@code groups} are the roles. */
public final class Caller {

    private Caller() {
    }

    public static String userId(JsonWebToken token) {
        String subject = token.getSubject();
        if (subject == null || !EventData.USER_ID.matcher(subject).matches()) {
            throw new ProblemException(Problem.unauthorized("the token's sub is not a valid user id"));
        }
        return subject;
    }

    /** The same for an authenticated request's identity, whose principal is the verified token. */
    public static String userId(SecurityIdentity identity) {
        return userId((JsonWebToken) identity.getPrincipal());
    }
}
