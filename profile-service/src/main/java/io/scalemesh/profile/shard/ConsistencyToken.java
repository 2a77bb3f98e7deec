package io.scalemesh.profile.shard;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;

/**
 * Read-your-writes: a write answers with the primary's WAL position after its commit, as
 * {@code server@lsn}. A read that presents it is served by a replica only once that replica has
 * replayed past the position, otherwise by the primary.
 */
public record ConsistencyToken(String server, String lsn) {

    public static final String HEADER = "X-Consistency-Token";
    private static final Pattern FORMAT = Pattern.compile("([A-Za-z0-9_-]{1,64})@([0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8})");

    /** Parses a client's header; null for none, a 400 problem for a malformed one. */
    public static ConsistencyToken parse(String header) {
        if (header == null) {
            return null;
        }
        Matcher m = FORMAT.matcher(header.trim());
        if (!m.matches()) {
            throw new ProblemException(Problem.badRequest(HEADER + " must be a token from a previous write's " + HEADER
                    + " header (server@lsn)"));
        }
        return new ConsistencyToken(m.group(1), m.group(2).toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public String toString() {
        return server + "@" + lsn;
    }
}
