package io.scalemesh.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.TestStack;

/**
 * Reads what reaches a topic from the moment it is created: tests assert what was published, and
 * (with a marker record of the same key, which lands after it on the same partition) what was not.
 */
public final class KafkaProbe implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;

    private KafkaProbe(StackSettings settings, String topic) {
        Properties config = new Properties();
        config.putAll(settings.kafkaClientConfig());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve "end" now, not at the first poll
    }

    private static org.apache.kafka.clients.producer.KafkaProducer<String, String> producer;

    /** Sends one record to the shared test stack and waits for the broker's ack (acks=all). */
    public static void send(String topic, String key, String value) {
        sendTogether(topic, key, List.of(value));
    }

    /**
     * Sends records of one key back to back and waits for all their acks: they go out as one
     * produce batch, so a consumer's poll gets them together.
     */
    public static synchronized void sendTogether(String topic, String key, List<String> values) {
        if (producer == null) {
            Properties config = new Properties();
            config.putAll(TestStack.shared().settings().kafkaClientConfig());
            config.put("acks", "all");
            config.put("enable.idempotence", "true");
            producer = new org.apache.kafka.clients.producer.KafkaProducer<>(config,
                    new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer());
        }
        List<java.util.concurrent.Future<?>> acks = values.stream()
                .<java.util.concurrent.Future<?>>map(v -> producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, key, v)))
                .toList();
        try {
            for (java.util.concurrent.Future<?> ack : acks) {
                ack.get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not send to " + topic, e);
        }
    }

    /** A probe on a topic of the shared test stack. */
    public static KafkaProbe on(String topic) {
        return new KafkaProbe(TestStack.shared().settings(), topic);
    }

    /** Every record that arrived, up to and including the first that matches {@code last}. */
    public List<ConsumerRecord<String, String>> readUntil(Predicate<ConsumerRecord<String, String>> last, Duration timeout) {
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                seen.add(record);
                if (last.test(record)) {
                    return seen;
                }
            }
        }
        throw new AssertionError("no matching record within " + timeout + "; saw " + seen.size() + " others");
    }

    @Override
    public void close() {
        consumer.close();
    }
}
