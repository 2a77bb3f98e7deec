package io.scalemesh.profile.rest;

import java.util.HashSet;
import java.util.Set;

import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.profile.ProfileService.Preconditions;

/** Strong ETags from profile versions ({@code "7"}) and the conditional headers of RFC 9110 §13. */
final class ETags {

    private ETags() {
    }

    static String of(long version) {
        return "\"" + version + "\"";
    }

    /** If-None-Match on a GET: weak comparison, so {@code W/"7"} matches version 7 too. */
    static boolean noneMatchHits(String header, long version) {
        if (header == null) {
            return false;
        }
        for (String tag : header.split(",")) {
            String t = tag.trim();
            if (t.equals("*") || t.equals(of(version)) || t.equals("W/" + of(version))) {
                return true;
            }
        }
        return false;
    }

    /** The write preconditions: If-Match (strong comparison; a weak tag never matches) and If-None-Match: *. */
    static Preconditions forWrite(String ifMatch, String ifNoneMatch, boolean put) {
        boolean noneMatchAny = false;
        if (ifNoneMatch != null) {
            if (!put || !ifNoneMatch.trim().equals("*")) {
                throw new ProblemException(Problem.badRequest("If-None-Match on a write only takes *, and only on PUT (create if absent)"));
            }
            noneMatchAny = true;
        }
        if (ifMatch == null) {
            return new Preconditions(null, false, noneMatchAny);
        }
        Set<Long> versions = new HashSet<>();
        for (String tag : ifMatch.split(",")) {
            String t = tag.trim();
            if (t.equals("*")) {
                return new Preconditions(null, true, noneMatchAny);
            }
            if (t.length() > 2 && t.startsWith("\"") && t.endsWith("\"")) {
                try {
                    versions.add(Long.parseLong(t.substring(1, t.length() - 1)));
                } catch (NumberFormatException e) {
                    // not one of ours: it matches nothing, so the write fails its precondition
                }
            }
        }
        return new Preconditions(Set.copyOf(versions), false, noneMatchAny);
    }
}
