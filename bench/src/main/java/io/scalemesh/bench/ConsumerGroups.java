package io.scalemesh.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.scalemesh.devstack.StackSettings;

/** The consumer groups of the bench stack, as Kafka's admin API sees them. */
final class ConsumerGroups {

    /** The three consumers of user-actions, by their group ids. */
    static final List<String> ACTION_CONSUMERS = List.of("notification-service", "analytics-service", "billing-service");

    private ConsumerGroups() {
    }

    /**
     * Moves the groups' offsets on {@code topic} to its end, so consumers started next see only
     * what is published from now on. The groups must have no members (their services stopped).
     */
    static void skipToEnd(StackSettings settings, List<String> groups, String topic) throws Exception {
        try (Admin admin = Admin.create(new java.util.HashMap<>(settings.kafkaClientConfig()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> offsets.put(tp, new OffsetAndMetadata(info.offset())));
            for (String group : groups) {
                admin.alterConsumerGroupOffsets(group, offsets).all().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
