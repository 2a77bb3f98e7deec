package io.scalemesh.events;

/**
 * A message that can never be processed: malformed JSON, an unknown type, data that breaks its
 * schema. Consumers send it to the dead-letter queue at once, without retries.
 */
public class InvalidEventException extends RuntimeException {

    public InvalidEventException(String reason) {
        super(reason);
    }
}
