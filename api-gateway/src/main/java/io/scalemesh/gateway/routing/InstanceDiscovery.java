package io.scalemesh.gateway.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a route's instances are. {@code host:port} is one fixed instance (locally, {@code ./mesh up}
 * lists every instance so). {@code dns:host:port} is every address the name resolves to: in
 * Kubernetes a headless Service, whose DNS answers with the pods that are ready, so the gateway
 * balances and breaks circuits per pod, not per Service, and needs no API access to find them.
 */
final class InstanceDiscovery {

    static final String DNS = "dns:";

    private InstanceDiscovery() {
    }

    static boolean dynamic(List<String> entries) {
        return entries.stream().anyMatch(e -> e.trim().startsWith(DNS));
    }

    /** The JVM caches DNS answers for 30 s by default; discovery wants them as fresh as its refresh. */
    static void cacheAnswersFor(Duration refresh) {
        Security.setProperty("networkaddress.cache.ttl", Long.toString(Math.max(1, refresh.toSeconds())));
        Security.setProperty("networkaddress.cache.negative.ttl", "1");
    }

    /** Resolves the entries (blocking: call off the event loop). A name that does not resolve adds nothing. */
    static List<String> resolve(List<String> entries) {
        List<String> addresses = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (!entry.startsWith(DNS)) {
                addresses.add(entry);
                continue;
            }
            String hostPort = entry.substring(DNS.length());
            int colon = hostPort.lastIndexOf(':');
            String host = hostPort.substring(0, colon);
            String port = hostPort.substring(colon + 1);
            try {
                for (InetAddress address : InetAddress.getAllByName(host)) {
                    String ip = address.getHostAddress();
                    addresses.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port);
                }
            } catch (UnknownHostException e) {
                // no ready instance right now (or the name is wrong): the pool keeps what it had
            }
        }
        return addresses;
    }
}
