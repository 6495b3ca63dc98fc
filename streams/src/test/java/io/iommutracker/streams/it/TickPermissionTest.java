package io.iommutracker.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.kafka.EmbeddedKafka;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.TrackerApp;
import io.iommutracker.streams.TrackerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.KafkaPrincipalSerde;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The start-time check that a tracker with an evaluation window may write its ticks into the telemetry topic, against
 * a broker that enforces ACLs (KRaft's {@code StandardAuthorizer}). The broker talks to itself over PLAINTEXT and
 * CONTROLLER as the super user {@code User:broker}; the tracker connects over a listener of its own, CLIENT, where it
 * is {@code User:tracker} and holds only the ACLs this test grants.
 */
class TickPermissionTest {

    static final KafkaPrincipal TRACKER = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "tracker");
    static final AclBinding DENY_TELEMETRY_WRITE = new AclBinding(
            new ResourcePattern(ResourceType.TOPIC, Topics.TELEMETRY.name(), PatternType.LITERAL),
            new AccessControlEntry(TRACKER.toString(), "*", AclOperation.WRITE, AclPermissionType.DENY));

    static EmbeddedKafka kafka;
    static Admin superUser;

    /** Names a connection's principal after its listener: CLIENT is the tracker, the rest is the broker itself. */
    public static final class ListenerPrincipals implements KafkaPrincipalBuilder, KafkaPrincipalSerde {
        @Override
        public KafkaPrincipal build(AuthenticationContext context) {
            return "CLIENT".equals(context.listenerName()) ? TRACKER
                    : new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "broker");
        }

        @Override
        public byte[] serialize(KafkaPrincipal principal) {
            return principal.toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public KafkaPrincipal deserialize(byte[] bytes) {
            String s = new String(bytes, StandardCharsets.UTF_8);
            int colon = s.indexOf(':');
            return new KafkaPrincipal(s.substring(0, colon), s.substring(colon + 1));
        }
    }

    @BeforeAll
    static void brokerWithAcls() throws Exception {
        kafka = EmbeddedKafka.start(KafkaFixture.tempDir("acl-broker"), 0, Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", "User:broker",
                "principal.builder.class", ListenerPrincipals.class.getName()), List.of("CLIENT"));
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        superUser = Admin.create(p);
        TopicSetup.ensure(p, TrackerApp.topicSpecs(), (short) 1);
        // everything a tracker needs, on every resource; WRITE on the telemetry topic is denied per test
        List<AclBinding> grants = List.of(
                allow(ResourceType.TOPIC, ResourcePattern.WILDCARD_RESOURCE),
                allow(ResourceType.GROUP, ResourcePattern.WILDCARD_RESOURCE),
                allow(ResourceType.TRANSACTIONAL_ID, ResourcePattern.WILDCARD_RESOURCE),
                allow(ResourceType.CLUSTER, "kafka-cluster"));
        superUser.createAcls(grants).all().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        if (superUser != null) {
            superUser.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static AclBinding allow(ResourceType type, String name) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry(TRACKER.toString(), "*", AclOperation.ALL, AclPermissionType.ALLOW));
    }

    static TrackerConfig config(String appId, Duration window) {
        return TrackerConfig.defaults(kafka.bootstrapServers("CLIENT")).withApplicationId(appId)
                .withStateDir(KafkaFixture.tempDir("acl-state-" + appId)).withEvaluationWindow(window);
    }

    /**
     * What the broker says the tracker's principal may do on the telemetry topic, once that does (or does not) include
     * WRITE as wanted, or after 30 s.
     */
    static Set<AclOperation> awaitTrackerOperations(boolean withWrite) throws Exception {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers("CLIENT"));
        try (Admin tracker = Admin.create(p)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    Set<AclOperation> ops = tracker.describeTopics(List.of(Topics.TELEMETRY.name()),
                                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames()
                            .get(30, TimeUnit.SECONDS).get(Topics.TELEMETRY.name()).authorizedOperations();
                    if (ops.contains(AclOperation.WRITE) == withWrite || System.nanoTime() > deadline) {
                        return ops;
                    }
                } catch (ExecutionException e) {
                    // the grants reach the broker's authorizer through the metadata log, a moment after they are made
                    if (!(e.getCause() instanceof TopicAuthorizationException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void shouldRefuseToStartWithAWindowWhenTheBrokerDeniesWritingTicksAndStartWithout() throws Exception {
        superUser.createAcls(List.of(DENY_TELEMETRY_WRITE)).all().get(30, TimeUnit.SECONDS);
        try {
            Set<AclOperation> ops = awaitTrackerOperations(false);
            assertThat(ops).contains(AclOperation.READ, AclOperation.DESCRIBE).doesNotContain(AclOperation.WRITE);

            try (TrackerApp app = new TrackerApp(config("acl-denied", Duration.ofMillis(20)))) {
                assertThatThrownBy(app::start).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("may not WRITE to " + Topics.TELEMETRY.name())
                        .hasMessageContaining("READ").hasMessageContaining("--evaluation-window 0ms");
                assertThat(app.state()).isEqualTo(KafkaStreams.State.CREATED);
            }
            // per-event evaluation writes nothing into the telemetry topic: reading it is enough
            try (TrackerApp app = new TrackerApp(config("acl-per-event", Duration.ZERO))) {
                app.start();
                awaitRunning(app);
            }
        } finally {
            superUser.deleteAcls(List.of(DENY_TELEMETRY_WRITE.toFilter())).all().get(30, TimeUnit.SECONDS);
        }
        assertThat(awaitTrackerOperations(true)).contains(AclOperation.WRITE);
        try (TrackerApp app = new TrackerApp(config("acl-granted", Duration.ofMillis(20)))) {
            app.start();
            awaitRunning(app);
        }
    }

    static void awaitRunning(TrackerApp app) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            assertThat(app.state()).isNotIn(KafkaStreams.State.ERROR, KafkaStreams.State.NOT_RUNNING);
            Thread.sleep(100);
        }
        assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }
}
