package io.iommutracker.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates topics that do not exist yet; reports which were created and which were already there. */
public final class TopicSetup {

    private TopicSetup() {
    }

    /** A topic to create: name, partitions and topic configs. */
    public record Spec(String name, int partitions, Map<String, String> config) {
    }

    /** What happened to each requested topic. */
    public record Result(List<String> created, List<String> existing) {
    }

    public static Result ensure(Properties clientProps, Collection<Spec> specs, short replicationFactor) {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(p)) {
            Set<String> present = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> created = new ArrayList<>();
            List<String> existing = new ArrayList<>();
            for (Spec s : specs) {
                if (present.contains(s.name())) {
                    existing.add(s.name());
                    continue;
                }
                try {
                    admin.createTopics(List.of(new NewTopic(s.name(), s.partitions(), replicationFactor).configs(s.config())))
                            .all().get(30, TimeUnit.SECONDS);
                    created.add(s.name());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        existing.add(s.name());
                    } else {
                        throw new IllegalStateException("cannot create topic " + s.name() + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            return new Result(created, existing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + clientProps.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                    + " to create topics: " + e.getMessage(), e);
        }
    }
}
