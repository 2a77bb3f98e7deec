package io.scalemesh.devstack;

/**
 * The one devstack a test JVM uses. {@code ./mesh test} starts it once before Maven runs, so every
 * module's tests find it running; a test run started any other way ({@code ./mvnw verify}, an IDE)
 * starts it here on first use and stops it when the JVM exits.
 */
public final class TestStack {

    private static DevStack shared;

    private TestStack() {
    }

    public static synchronized DevStack shared() {
        if (shared == null) {
            DevStack stack = DevStack.of(StackSettings.Profile.TEST);
            boolean nothingRunning = stack.components().stream().noneMatch(Component::running);
            if (!stack.allRunning()) {
                stack.up(line -> System.out.println("[devstack] " + line));
            }
            if (nothingRunning) {
                // Ours alone: nobody else knows it exists. A partly running stack belongs to someone else.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stack.down(line -> System.out.println("[devstack] " + line))));
            }
            shared = stack;
        }
        return shared;
    }

    /** Starts a component a fault test stopped or killed; a no-op when it runs. */
    public static void ensureRunning(String component) {
        Component c = shared().component(component);
        if (!c.running()) {
            shared().start(c, line -> System.out.println("[devstack] " + line));
        }
    }
}
