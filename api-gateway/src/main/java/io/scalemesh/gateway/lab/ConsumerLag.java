package io.scalemesh.gateway.lab;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Each consumer group's lag (records behind the end of its topics), from Kafka's admin API. Blocking: the lab's sampler thread calls it. */
@ApplicationScoped
public class ConsumerLag {

    /** The client settings every Kafka client of the gateway uses (servers, SASL, TLS). */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private Admin admin;

    /** {@code {up, groups: [{group, lag}]}}; {@code up} false when the broker did not answer within 2 s. */
    synchronized Map<String, Object> groups() {
        Map<String, Object> result = new LinkedHashMap<>();
        List<Map<String, Object>> groups = new ArrayList<>();
        try {
            Admin client = admin();
            Set<String> ids = client.listConsumerGroups().all().get(2, TimeUnit.SECONDS).stream().map(ConsumerGroupListing::groupId)
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            for (String group : ids) {
                Map<TopicPartition, OffsetAndMetadata> committed = client.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(2, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = client.listOffsets(latest).all().get(2, TimeUnit.SECONDS);
                long lag = 0;
                for (Map.Entry<TopicPartition, OffsetAndMetadata> c : committed.entrySet()) {
                    if (c.getValue() != null && ends.containsKey(c.getKey())) {
                        lag += Math.max(0, ends.get(c.getKey()).offset() - c.getValue().offset());
                    }
                }
                groups.add(Map.of("group", group, "lag", lag));
            }
            result.put("up", true);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            result.put("up", false);
        }
        result.put("groups", groups);
        return result;
    }

    private Admin admin() {
        if (admin == null) {
            Map<String, Object> config = new HashMap<>();
            kafka.forEach((key, value) -> {
                if (AdminClientConfig.configNames().contains(key)) {
                    config.put(key, value);
                }
            });
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, "api-gateway-lab");
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
            admin = Admin.create(config);
        }
        return admin;
    }

    synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
        }
    }
}
