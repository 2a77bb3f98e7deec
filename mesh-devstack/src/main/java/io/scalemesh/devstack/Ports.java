package io.scalemesh.devstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks: a taken port is a clear error that names the setting to change. */
public final class Ports {

    private Ports() {
    }

    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Only a listener makes a port taken; TIME_WAIT leftovers of a stopped broker do not.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(StackSettings.HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void requireFree(int port, String what, String envName) {
        if (!isFree(port)) {
            throw new PortTakenException("port " + port + " (" + what + ") is already taken by another process;"
                    + " stop that process or choose another port with " + envName + "=<port>");
        }
    }

    /** A free ephemeral port, for tests that need one more server of their own. */
    public static int ephemeral() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(StackSettings.HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static final class PortTakenException extends IllegalStateException {
        public PortTakenException(String message) {
            super(message);
        }
    }
}
