package io.scalemesh.events.consumer;

/**
 * A handler's verdict that a message is done for: it has already retried (or knows retrying cannot
 * help), so {@link EventConsumer} sends it to the DLQ at once, without further attempts, whatever
 * the message says about connections or time-outs.
 */
public class DeadLetterException extends RuntimeException {

    public DeadLetterException(String reason) {
        super(reason, null, false, false);
    }
}
