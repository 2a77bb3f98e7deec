package io.scalemesh.events.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventEnvelope;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The Kafka record of an event, as every producer of the mesh sends it: the CloudEvents JSON as the
 * value (structured mode, with its content-type header) and the user id as the key.
 */
public final class EventRecords {

    private EventRecords() {
    }

    /** An event for the emitter's own topic. */
    public static Message<String> of(EventEnvelope event) {
        return of(EventCodec.encode(event), null, event.subject());
    }

    /** An event encoded earlier (an outbox row); a null topic is the channel's own. */
    public static Message<String> of(String encoded, String topic, String key) {
        return of(encoded, topic, key, java.util.Map.of());
    }

    /** As above, with more headers (e.g. a dead letter's reason). */
    public static Message<String> of(String encoded, String topic, String key, java.util.Map<String, String> extraHeaders) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", EventEnvelope.CONTENT_TYPE.getBytes(StandardCharsets.UTF_8));
        extraHeaders.forEach((name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key).withHeaders(headers);
        if (topic != null) {
            metadata = metadata.withTopic(topic);
        }
        return Message.of(encoded).addMetadata(metadata.build());
    }
}
