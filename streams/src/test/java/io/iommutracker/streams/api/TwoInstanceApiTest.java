package io.iommutracker.streams.api;

import static io.iommutracker.streams.api.TestViews.GPU;
import static io.iommutracker.streams.api.TestViews.NVME;
import static io.iommutracker.streams.api.TestViews.T1;
import static io.iommutracker.streams.api.TestViews.T2;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.iommutracker.avro.Alert;
import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.vfio.Assignment;
import io.iommutracker.emulator.vfio.GroupFacts;
import io.iommutracker.kafka.KafkaFixture;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.streams.StoreNames;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.sim.HostKind;
import io.iommutracker.streams.topology.HostFacts;
import io.iommutracker.streams.topology.HostRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two tracker instances (num.standby.replicas=1) on the real broker, every store filled through Kafka. Each endpoint
 * is asked of instance A for a host that instance B owns; the last test takes B away and checks that A answers
 * from its standby copy when the caller accepts staleness, and otherwise a 503 with Retry-After, never a 500.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstanceApiTest {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TwoInstanceApiTest.class);
    static final int HOSTS = 12;
    static final int PARTITIONS = 4;
    static final int APERTURE_BITS = 39;

    ApiTestTopology.TopicNames topics;
    ApiInstance a;
    ApiInstance b;
    String hostOnB;
    int indexOnB;

    @BeforeAll
    void startTwoInstances() throws Exception {
        topics = ApiTestTopology.TopicNames.unique("api-it");
        try (Admin admin = Admin.create(KafkaFixture.clientProperties())) {
            admin.createTopics(Stream.of(topics.views(), topics.alerts(), topics.states())
                    .map(t -> new NewTopic(t, PARTITIONS, (short) 1)).toList()).all().get();
        }
        String appId = "api-it-" + topics.views().substring(7, 15);
        a = ApiInstance.start(appId, ApiTestTopology.build(topics), 1, -1);
        b = ApiInstance.start(appId, ApiTestTopology.build(topics), 1, -1);
        await("both instances RUNNING", 90, () -> a.streams.state() == KafkaStreams.State.RUNNING
                && b.streams.state() == KafkaStreams.State.RUNNING);
        produce();
        await("every host visible through A", 60, () -> {
            Http.Answer r = Http.get(a.url() + "/api/v1/hosts?limit=1000");
            return r.status() == 200 && r.json().path("count").asInt() == HOSTS;
        });
        for (int i = 0; i < HOSTS; i++) {
            HostInfo owner = a.streams.queryMetadataForKey(StoreNames.HOST_VIEWS, TestViews.host(i), Serdes.String().serializer()).activeHost();
            if (owner.port() == b.port) {
                hostOnB = TestViews.host(i);
                indexOnB = i;
                break;
            }
        }
        assertThat(hostOnB).as("B owns at least one host").isNotNull();
    }

    private void produce() {
        try (KafkaProducer<String, HostView> views = new KafkaProducer<>(KafkaFixture.clientProperties(), Serdes.String().serializer(),
                new AvroSerde<>(HostView.class).serializer());
             KafkaProducer<String, Alert> alerts = new KafkaProducer<>(KafkaFixture.clientProperties(), Serdes.String().serializer(),
                     new AvroSerde<>(Alert.class).serializer());
             KafkaProducer<String, byte[]> states = new KafkaProducer<>(KafkaFixture.clientProperties(), Serdes.String().serializer(),
                     Serdes.ByteArray().serializer())) {
            for (int i = 0; i < HOSTS; i++) {
                String h = TestViews.host(i);
                views.send(new ProducerRecord<>(topics.views(), null, T1.toEpochMilli(), h, TestViews.view(i, 1)));
                views.send(new ProducerRecord<>(topics.views(), null, T2.toEpochMilli(), h, TestViews.view(i, 2)));
                states.send(new ProducerRecord<>(topics.states(), h, stateBytes(h)));
            }
            for (Alert al : TestViews.alerts(HOSTS)) {
                alerts.send(new ProducerRecord<>(topics.alerts(), al.getFingerprint(), al));
            }
        }
    }

    /** A booted GPU server of the simulator, emulated, in the topology's HOST_STATE layout. */
    private static byte[] stateBytes(String host) {
        HostState state = HostState.empty(host);
        long seq = 0;
        for (Object payload : FleetSimulator.bootstrapPayloads(HostKind.GPU_SERVER)) {
            if (payload instanceof HostDescribed d) {
                // a 39-bit IOMMU aperture (client VT-d), not the schema's default 48: only the emulated state knows it
                payload = HostDescribed.newBuilder(d).setApertureBits(APERTURE_BITS).build();
            }
            try {
                state = state.apply(new PciEvent(host, ++seq, T1, "test", payload));
            } catch (EventRejectedException e) {
                throw new AssertionError(e);
            }
        }
        return new HostRecord(seq, T1.toEpochMilli(), null, false, HostFacts.NONE, Set.of(), state.toBytes()).toBytes();
    }

    @AfterAll
    void stop() {
        for (ApiInstance i : new ApiInstance[] {a, b}) {
            if (i != null) {
                i.close();
            }
        }
    }

    // ---- routing: every endpoint answers for a host owned by the other instance

    private Http.Answer viaA(String suffix) {
        Http.Answer r = Http.get(a.url() + "/api/v1/hosts/" + hostOnB + suffix);
        assertThat(r.status()).as(suffix + ": " + r.body()).isEqualTo(200);
        assertThat(r.header("X-Served-By")).as(suffix).isEqualTo(b.address());
        assertThat(r.header("X-Served-From")).isEqualTo("active");
        assertThat(r.header("X-Staleness-Ms")).isEqualTo("0");
        assertThat(r.header("X-Forwarded-Via")).isEqualTo(a.address());
        return r;
    }

    @Test
    @Order(1)
    void shouldRouteSummaryGroupsAndDiffToOwningInstance() {
        JsonNode summary = viaA("").json();
        assertThat(summary.path("host").asText()).isEqualTo(hostOnB);
        assertThat(summary.path("deviceCount").asInt()).isEqualTo(5);
        assertThat(summary.path("platform").asText()).isEqualTo(TestViews.platform(indexOnB).name());
        assertThat(summary.path("groupDifferences").asInt()).isEqualTo(1);

        assertThat(ids(viaA("/groups").json())).containsExactly(1, 2, 3);
        assertThat(ids(viaA("/groups?view=live").json())).containsExactly(1, 5, 2, 3);

        JsonNode diff = viaA("/groups/diff").json().path("differences");
        assertThat(diff).hasSize(1);
        assertThat(diff.get(0).path("kind").asText()).isEqualTo("SPLIT");
        assertThat(diff.get(0).path("kernel").get(0).path("id").asInt()).isEqualTo(1);
        assertThat(diff.get(0).path("live")).extracting(n -> n.path("id").asInt()).containsExactlyInAnyOrder(1, 5);
    }

    private static List<Integer> ids(JsonNode groups) {
        List<Integer> out = new ArrayList<>();
        groups.path("groups").forEach(g -> out.add(g.path("id").asInt()));
        return out;
    }

    @Test
    @Order(1)
    void shouldRouteDeviceAndItsHistoryToOwningInstance() {
        JsonNode dev = viaA("/devices/" + GPU).json();
        assertThat(dev.path("kernelGroup").path("id").asInt()).isEqualTo(1);
        assertThat(dev.path("liveGroup").path("id").asInt()).isEqualTo(5);
        assertThat(dev.path("kernelGroup").path("reservedRegions").get(0).path("start").asText()).isEqualTo("0x00000000000e8000");
        assertThat(dev.path("verdicts")).extracting(v -> v.path("allowed").asBoolean()).containsExactly(false, false);
        // a BDF without domain names the same device
        assertThat(viaA("/devices/01:00.0").json().path("bdf").asText()).isEqualTo(GPU);

        JsonNode periods = viaA("/devices/" + NVME + "/history").json().path("periods");
        assertThat(periods).hasSize(2);
        assertThat(periods.get(0).path("validFrom").asText()).isEqualTo(T1.toString());
        assertThat(periods.get(0).path("validTo").asText()).isEqualTo(T2.toString());
        assertThat(periods.get(0).path("state").path("driver").asText()).isEqualTo("nvme");
        assertThat(periods.get(1).path("state").path("driver").asText()).isEqualTo("vfio-pci");
        assertThat(periods.get(1).path("state").path("owner").path("id").asText()).isEqualTo("vm-7");
        assertThat(periods.get(1).path("validTo").isNull()).isTrue();
        // the hot-added NIC was absent in the first period
        JsonNode nic = viaA("/devices/" + TestViews.NIC + "/history").json().path("periods");
        assertThat(nic).extracting(p -> p.path("state").path("present").asBoolean()).containsExactly(false, true);
    }

    /**
     * A container holding two groups: the answer comes from the owner's HOST_STATE (the emulated host, platform facts
     * included) and equals what the emulator's Assignment.usableIova gives for those two groups' facts directly.
     */
    @Test
    @Order(1)
    void shouldComputeUsableIovaOfTwoGroupsExactlyFromTheHostState() {
        HostState state = HostState.fromBytes(HostRecord.fromBytes(stateBytes(hostOnB)).state());
        HostDescribed platform = state.platform().orElseThrow();
        HostView view = state.view();
        List<Integer> ids = new ArrayList<>(state.kernelGroups().keySet());
        assertThat(ids).as("the fixture host has at least two kernel groups").hasSizeGreaterThanOrEqualTo(2);
        List<Integer> two = List.of(ids.get(0), ids.get(ids.size() - 1));
        // VFIO cuts each group's merged regions (as the view shows them) out of the platform's aperture
        List<GroupFacts> facts = new ArrayList<>();
        for (int id : two) {
            GroupView g = view.getKernelGroups().stream().filter(x -> x.getId() == id).findFirst().orElseThrow();
            List<Region> regions = g.getReservedRegions().stream().map(r -> new Region(r.getStart(), r.getEnd(), r.getType())).toList();
            facts.add(new GroupFacts(id, g.getDevices(), regions, Map.of(), Map.of(), Map.of(), g.getIsolatedMsi()));
        }
        List<String> expected = Assignment.usableIova(platform, facts, AssignApi.VFIO).stream()
                .map(r -> Json.hex(r.getStart()) + "-" + Json.hex(r.getEnd())).toList();

        Http.Answer pair = Http.get(a.url() + "/api/v1/hosts/" + hostOnB + "/iova-ranges?api=vfio&groups=" + two.get(0) + "," + two.get(1));
        assertThat(pair.status()).as(pair.body()).isEqualTo(200);
        assertThat(pair.header("X-Served-By")).isEqualTo(b.address());
        JsonNode computed = pair.json().path("ranges").get(0);
        assertThat(computed.path("source").asText()).isEqualTo("computed");
        assertThat(computed.path("api").asText()).isEqualTo("VFIO");
        assertThat(computed.path("groups")).extracting(JsonNode::asInt).containsExactlyElementsOf(two);
        assertThat(computed.path("ranges")).extracting(r -> r.path("start").asText() + "-" + r.path("end").asText())
                .containsExactlyElementsOf(expected);
        // the platform's aperture bounds the container: what the view alone (platform name, default aperture) got wrong
        assertThat(expected.get(expected.size() - 1)).endsWith("-" + Json.hex((1L << APERTURE_BITS) - 1));

        // iommufd: every member device's own regions; the union over both groups is what the merged lists hold
        Http.Answer fd = Http.get(a.url() + "/api/v1/hosts/" + hostOnB + "/iova-ranges?api=iommufd&groups=" + two.get(0) + "," + two.get(1));
        assertThat(fd.status()).as(fd.body()).isEqualTo(200);
        assertThat(fd.json().path("ranges").get(0).path("ranges")).extracting(r -> r.path("start").asText() + "-" + r.path("end").asText())
                .containsExactlyElementsOf(Assignment.usableIova(platform, facts, AssignApi.IOMMUFD).stream()
                        .map(r -> Json.hex(r.getStart()) + "-" + Json.hex(r.getEnd())).toList());

        Http.Answer missing = Http.get(a.url() + "/api/v1/hosts/" + hostOnB + "/iova-ranges?groups=" + two.get(0) + ",9999");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().path("error").asText()).isEqualTo("unknown_group");
    }

    @Test
    @Order(1)
    void shouldRouteReservedRegionsIovaAndHazardsToOwningInstance() {
        Http.Answer sysfs = viaA("/reserved-regions?format=sysfs&group=1");
        assertThat(sysfs.header("Content-Type")).startsWith("text/plain");
        assertThat(sysfs.body()).isEqualTo("0x00000000000e8000 0x00000000000e8fff direct\n0x00000000fee00000 0x00000000feefffff msi\n");
        String all = viaA("/reserved-regions?format=sysfs").body();
        assertThat(all).contains("==> /sys/kernel/iommu_groups/1/reserved_regions <==\n",
                "==> /sys/kernel/iommu_groups/3/reserved_regions <==\n0x00000000fee00000 0x00000000feefffff msi\n");
        JsonNode json = viaA("/reserved-regions?view=live").json();
        assertThat(json.path("groups")).hasSize(4);
        assertThat(json.path("groups").get(1).path("group").asInt()).isEqualTo(5);

        JsonNode iova = viaA("/iova-ranges?groups=2&api=vfio").json().path("ranges");
        assertThat(iova).hasSize(1);
        assertThat(iova.get(0).path("api").asText()).isEqualTo("VFIO");
        assertThat(iova.get(0).path("ranges").get(1).path("end").asText()).isEqualTo("0x0000ffffffffffff");
        assertThat(viaA("/iova-ranges").json().path("ranges")).hasSize(2);


        JsonNode hazards = viaA("/hazards").json().path("hazards");
        assertThat(hazards).hasSize(1);
        assertThat(hazards.get(0).path("peer").asText()).isEqualTo(GPU);
        assertThat(hazards.get(0).path("window").path("start").asText()).isEqualTo("0x00000000e0000000");
    }

    @Test
    @Order(1)
    void shouldReadHostAsOfAnEarlierTimeOnTheOwner() {
        JsonNode then = viaA("?asOf=" + T1.plusSeconds(60)).json();
        assertThat(then.path("deviceCount").asInt()).isEqualTo(4);
        assertThat(then.path("asOf").asText()).isEqualTo(T1.plusSeconds(60).toString());
        assertThat(ids(viaA("/groups?asOf=" + T1.plusSeconds(60)).json())).containsExactly(1, 2);
        assertThat(viaA("/devices/" + NVME + "?asOf=" + T1.toEpochMilli()).json().path("driver").asText()).isEqualTo("nvme");
        Http.Answer before = Http.get(a.url() + "/api/v1/hosts/" + hostOnB + "?asOf=" + T1.minusSeconds(1));
        assertThat(before.status()).isEqualTo(404);
        assertThat(before.json().path("error").asText()).isEqualTo("unknown_host");
    }

    @Test
    @Order(1)
    void shouldRouteWhatIfToOwnerWithoutChangingAnything() {
        String url = a.url() + "/api/v1/hosts/" + hostOnB + "/what-if";
        Http.Answer ok = Http.post(url, "{\"events\": [{\"Heartbeat\": {}}]}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.header("X-Served-By")).isEqualTo(b.address());
        assertThat(ok.json().path("before").path("sequence").asInt()).isEqualTo(14);
        assertThat(ok.json().path("after").path("devices")).isNotEmpty();
        assertThat(ok.json().path("alerts").has("wouldFire")).isTrue();
        // an event naming a device the emulated host lacks cannot apply
        Http.Answer rejected = Http.post(url, "[{\"AcsControlChanged\": {\"bdf\": \"0000:7f:1f.7\", \"ctrl\": 0}}]");
        assertThat(rejected.status()).as(rejected.body()).isEqualTo(422);
        assertThat(rejected.json().path("error").asText()).isEqualTo("event_rejected");
        assertThat(rejected.json().path("detail").asText()).startsWith("event 0 (AcsControlChanged)");
        assertThat(viaA("").json().path("sequence").asInt()).isEqualTo(14);
    }

    // ---- fleet-wide reads

    @Test
    @Order(2)
    void shouldPageThroughHostsOfBothInstances() {
        List<String> seen = new ArrayList<>();
        Set<String> servers = new HashSet<>();
        String cursor = null;
        for (int page = 0; page < 10; page++) {
            Http.Answer r = Http.get(b.url() + "/api/v1/hosts?limit=5" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            servers.addAll(List.of(r.header("X-Served-By").split(", ")));
            r.json().path("hosts").forEach(h -> seen.add(h.path("host").asText()));
            JsonNode next = r.json().path("nextCursor");
            if (next.isNull()) {
                break;
            }
            cursor = next.asText();
        }
        assertThat(seen).containsExactlyElementsOf(IntStream.range(0, HOSTS).mapToObj(TestViews::host).toList());
        assertThat(servers).containsExactlyInAnyOrder(a.address(), b.address());
    }

    private List<String> hosts(String query) {
        Http.Answer r = Http.get(a.url() + "/api/v1/hosts?" + query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().path("hosts").forEach(h -> out.add(h.path("host").asText()));
        return out;
    }

    private static List<String> where(java.util.function.IntPredicate p) {
        return IntStream.range(0, HOSTS).filter(p).mapToObj(TestViews::host).toList();
    }

    @Test
    @Order(2)
    void shouldFilterHostsByPlatformDegradedAndFiringAlerts() {
        assertThat(hosts("platform=amd-vi")).containsExactlyElementsOf(where(i -> i % 2 == 1));
        assertThat(hosts("platform=INTEL_VT_D&degraded=true")).containsExactlyElementsOf(where(i -> i % 2 == 0 && i % 5 == 0));
        assertThat(hosts("firingAlerts=true")).containsExactlyElementsOf(where(i -> i % 3 == 0 || i == 1));
        assertThat(hosts("firingAlerts=false&limit=2")).containsExactlyElementsOf(where(i -> i % 3 != 0 && i != 1).subList(0, 2));
    }

    private List<String> fingerprints(String query) {
        Http.Answer r = Http.get(b.url() + "/api/v1/alerts" + query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().path("alerts").forEach(x -> out.add(x.path("fingerprint").asText()));
        return out;
    }

    @Test
    @Order(2)
    void shouldListAlertsOfTheWholeFleetWithFilters() {
        List<String> firing = fingerprints("");
        assertThat(firing).hasSize(where(i -> i % 3 == 0).size() + 1);
        assertThat(firing.get(0)).as("critical first").isEqualTo("iso-host-001");
        assertThat(fingerprints("?kind=isolation")).containsExactly("iso-host-001");
        assertThat(fingerprints("?severity=WARNING")).hasSize(firing.size() - 1).doesNotContain("iso-host-001");
        assertThat(fingerprints("?host=host-003")).containsExactly("stale-host-003");
        assertThat(fingerprints("?status=resolved")).containsExactly("gap-host-002");
        assertThat(fingerprints("?host=host-002")).isEmpty();
    }

    @Test
    @Order(2)
    void shouldStreamAlertsAsServerSentEvents() {
        Http.Answer r = Http.get(a.url() + "/api/v1/alerts/stream?kind=ISOLATION&pollMs=200&maxSeconds=2");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/event-stream");
        List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).toList();
        assertThat(events).as("the firing alert once, then no change: " + r.body()).hasSize(1);
        assertThat(events.get(0)).contains("\"fingerprint\":\"iso-host-001\"");
        assertThat(r.body()).contains("event: alert\nid: iso-host-001@" + T2, ": no change");
    }

    // ---- health, metrics, the document

    @Test
    @Order(3)
    void shouldReportReadinessMetricsAndDescribeEveryRoute() {
        assertThat(Http.get(a.url() + "/health/live").status()).isEqualTo(200);
        Http.Answer ready = Http.get(b.url() + "/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("state").asText()).isEqualTo("RUNNING");

        Http.get(b.url() + "/api/v1/hosts/" + hostOnB + "/groups");
        String metrics = Http.get(b.url() + "/metrics").body();
        assertThat(metrics).containsPattern("iommu_api_requests_total\\{route=\"/api/v1/hosts/\\{host}/groups\",method=\"GET\",status=\"200\"} [1-9]");
        assertThat(metrics).contains("iommu_api_request_duration_seconds_bucket{route=\"/api/v1/hosts/{host}/groups\",le=\"+Inf\"}");
        assertThat(metrics).containsPattern("(?m)^kafka_streams_stream_thread_metrics_process_total\\{.*thread_id=.*} \\d+");

        JsonNode doc = Http.get(a.url() + "/api/v1/openapi.json").json();
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        for (String route : a.api.routes()) {
            String[] mp = route.split(" ");
            assertThat(doc.path("paths").path(mp[1]).has(mp[0].toLowerCase())).as(route + " documented").isTrue();
        }
    }

    // ---- errors

    Stream<Arguments> errors() {
        String h = "/api/v1/hosts/";
        return Stream.of(
                Arguments.of("GET", h + "no-such-host", 404, "unknown_host"),
                Arguments.of("GET", h + "no-such-host/groups", 404, "unknown_host"),
                Arguments.of("GET", h + "HOST/devices/0000:09:00.0", 404, "unknown_device"),
                Arguments.of("GET", h + "HOST/devices/0000:09:00.0/history", 404, "unknown_device"),
                Arguments.of("GET", h + "HOST/devices/not-a-bdf", 400, "malformed_bdf"),
                Arguments.of("GET", h + "HOST/devices/0000:00:20.0", 400, "malformed_bdf"),
                Arguments.of("GET", h + "HOST/devices/0000:00:1c.0/history?from=yesterday", 400, "bad_time"),
                Arguments.of("GET", h + "HOST?asOf=2026-13-45", 400, "bad_time"),
                Arguments.of("GET", h + "HOST/groups?view=sideways", 400, "bad_parameter"),
                Arguments.of("GET", h + "HOST/reserved-regions?format=xml", 400, "bad_parameter"),
                Arguments.of("GET", h + "HOST/reserved-regions?group=99", 404, "unknown_group"),
                Arguments.of("GET", h + "HOST/iova-ranges?groups=x", 400, "bad_parameter"),
                Arguments.of("GET", h + "HOST/iova-ranges?groups=42", 404, "unknown_group"),
                Arguments.of("GET", h + "HOST?maxLagMs=-5", 400, "bad_parameter"),
                Arguments.of("GET", "/api/v1/hosts?limit=0", 400, "bad_parameter"),
                Arguments.of("GET", "/api/v1/hosts?platform=sparc", 400, "bad_parameter"),
                Arguments.of("GET", "/api/v1/hosts?degraded=maybe", 400, "bad_parameter"),
                Arguments.of("GET", "/api/v1/alerts?kind=FIRE", 400, "bad_parameter"),
                Arguments.of("GET", "/api/v1/alerts?severity=loud", 400, "bad_parameter"),
                Arguments.of("POST", h + "HOST/what-if", 400, "bad_body"),
                Arguments.of("GET", "/api/v1/nothing-here", 404, "not_found"),
                Arguments.of("GET", "/", 404, "not_found"),
                Arguments.of("DELETE", h + "HOST", 405, "method_not_allowed"),
                Arguments.of("GET", h + "HOST/what-if", 405, "method_not_allowed"),
                Arguments.of("POST", "/api/v1/alerts", 405, "method_not_allowed"));
    }

    @ParameterizedTest(name = "{0} {1} -> {2} {3}")
    @MethodSource("errors")
    @Order(4)
    void shouldAnswerEveryErrorWithItsStatusAndJsonBody(String method, String path, int status, String error) {
        String p = path.replace("HOST", hostOnB);
        for (ApiInstance via : List.of(a, b)) {
            Http.Answer r = method.equals("GET") ? Http.get(via.url() + p) : Http.method(method, via.url() + p);
            assertThat(r.status()).as(method + " " + p + " via " + via.address() + ": " + r.body()).isEqualTo(status);
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.json().path("error").asText()).isEqualTo(error);
            assertThat(r.json().path("detail").asText()).isNotBlank();
            if (status == 405) {
                assertThat(r.header("Allow")).isNotBlank();
            }
        }
    }

    @Test
    @Order(4)
    void shouldRejectMalformedWhatIfEvents() {
        String url = a.url() + "/api/v1/hosts/" + hostOnB + "/what-if";
        Http.Answer notJson = Http.post(url, "{events");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().path("error").asText()).isEqualTo("bad_body");
        Http.Answer unknown = Http.post(url, "[{\"Teleported\": {}}]");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("detail").asText()).contains("Teleported", "AcsControlChanged");
        Http.Answer missing = Http.post(url, "[{\"AcsControlChanged\": {\"bdf\": \"0000:00:1c.0\"}}]");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().path("error").asText()).isEqualTo("bad_event");
    }

    // ---- the CLI against a live instance

    private String cli(int expectedExit, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        String[] all = Stream.concat(Stream.of("--url", a.url()), Stream.of(args)).toArray(String[]::new);
        int code = QueryCli.run(all, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(code).as(out).isEqualTo(expectedExit);
        return out;
    }

    @Test
    @Order(5)
    void shouldAnswerCliQueriesForReadersAndScripts() {
        assertThat(cli(0, "host", hostOnB)).contains("host " + hostOnB, "5 devices", "1 kernel/live differences");
        assertThat(cli(0, "groups", hostOnB, "--view", "live"))
                .contains("live view of " + hostOnB, "group 5: 0000:01:00.0 0000:01:00.1", "0x00000000fee00000 0x00000000feefffff msi");
        assertThat(cli(0, "device", hostOnB, GPU)).contains("kernel group 1: 0000:00:1c.0 0000:01:00.0 0000:01:00.1",
                "live group 5", "VFIO: refused (EPERM)");
        assertThat(cli(0, "hosts", "--limit", "5")).contains("HOST", "host-000", "host-004", "(more: --cursor host-004)")
                .doesNotContain("host-005");
        assertThat(cli(0, "hosts", "--limit", "5", "--cursor", "host-004")).contains("host-005", "host-009").doesNotContain("host-004 ");
        assertThat(cli(0, "alerts", "--kind", "ISOLATION")).contains("CRITICAL", "ISOLATION", "host-001").doesNotContain("STALE_GROUP");
        String json = cli(0, "--json", "groups", hostOnB);
        assertThat(Json.parse(json.getBytes(StandardCharsets.UTF_8)).path("groups")).hasSize(3);
        assertThat(cli(1, "host", "no-such-host")).contains("error 404: unknown_host");
        assertThat(cli(2, "frobnicate")).contains("usage:");
    }

    // ---- reads that avoid the Position lock (KAFKA-19629)

    /** Accepts every store, so the test can reach each local copy's store object. */
    private static final org.apache.kafka.streams.state.QueryableStoreType<List<org.apache.kafka.streams.processor.StateStore>> ANY =
            new org.apache.kafka.streams.state.QueryableStoreType<>() {
                @Override
                public boolean accepts(org.apache.kafka.streams.processor.StateStore store) {
                    return true;
                }

                @Override
                @SuppressWarnings({"unchecked", "rawtypes"})
                public List<org.apache.kafka.streams.processor.StateStore> create(
                        org.apache.kafka.streams.state.internals.StateStoreProvider provider, String storeName) {
                    return (List) provider.stores(storeName, (org.apache.kafka.streams.state.QueryableStoreType) this);
                }
            };

    /** The Position objects of every local copy of {@code stores}: what an IQv2 query locks before the store. */
    private static List<Object> positions(KafkaStreams streams, String... stores) {
        List<Object> out = new ArrayList<>();
        for (String name : stores) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (org.apache.kafka.streams.processor.StateStore s : streams.store(org.apache.kafka.streams.StoreQueryParameters
                        .fromNameAndType(name, ANY).withPartition(p).enableStaleStores())) {
                    while (s instanceof org.apache.kafka.streams.state.internals.WrappedStateStore<?, ?, ?> w) {
                        s = w.wrapped();
                    }
                    out.add(s.getPosition());
                }
            }
        }
        return out;
    }

    private static void holdAll(List<Object> locks, int i, java.util.concurrent.CountDownLatch held,
                                java.util.concurrent.CountDownLatch release) throws InterruptedException {
        if (i == locks.size()) {
            held.countDown();
            release.await();
            return;
        }
        synchronized (locks.get(i)) {
            holdAll(locks, i + 1, held, release);
        }
    }

    @Test
    @Order(3)
    void shouldReadEveryLocalCopyWhileThePositionLocksAreHeld() throws Exception {
        await("A's standby copies caught up", 60, () -> {
            Map<Integer, LagInfo> lags = a.streams.allLocalStorePartitionLags().get(StoreNames.HOST_VIEWS);
            return lags != null && lags.size() == PARTITIONS && lags.values().stream().allMatch(l -> l.offsetLag() == 0);
        });
        List<Object> locks = positions(a.streams, StoreNames.HOST_VIEWS, StoreNames.ALERTS, StoreNames.HOST_STATE,
                StoreNames.HOST_VIEW_HISTORY);
        assertThat(locks).as("A holds a copy of every partition of the four stores").hasSize(4 * PARTITIONS);
        int p = a.streams.queryMetadataForKey(StoreNames.HOST_VIEWS, hostOnB, Serdes.String().serializer()).partition();
        LocalStores stores = new LocalStores(a.streams);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try {
                holdAll(locks, 0, held, release);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "position-lock-holder");
        holder.start();
        CompletableFuture<Integer> iq;
        try {
            assertThat(held.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            CompletableFuture<List<Object>> reads = CompletableFuture.supplyAsync(() -> {
                int active = stores.scanHosts(null, 1000, v -> true, true).values().stream().mapToInt(x -> x.items().size()).sum();
                int any = stores.scanHosts(null, 1000, v -> true, false).values().stream().mapToInt(x -> x.items().size()).sum();
                int alerts = stores.scanAlerts(x -> true, false).values().stream().mapToInt(x -> x.items().size()).sum();
                return List.of(active, any, alerts, stores.findHostView(hostOnB).map(LocalStores.Read::partition).orElse(-1),
                        stores.hasCopy(StoreNames.HOST_VIEWS, p), stores.isActive(StoreNames.HOST_VIEWS, p),
                        stores.hostView(hostOnB, p, false).map(HostView::getSequence).orElse(-1L),
                        stores.hostState(hostOnB, p, false).isPresent(),
                        stores.hostViewAsOf(hostOnB, p, T1.plusSeconds(1), false).map(r -> r.timestamp()).orElse(-1L),
                        Http.get(a.url() + "/health/ready").status());
            });
            List<Object> got = reads.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(got.get(0)).as("hosts in A's active copies").isNotEqualTo(0).isNotEqualTo(HOSTS);
            assertThat(got.subList(1, got.size())).containsExactly(HOSTS, TestViews.alerts(HOSTS).size(), p, true, false,
                    TestViews.view(indexOnB, 2).getSequence(), true,
                    T1.toEpochMilli(), 200);
            // the control: an interactive query does wait for the held locks, so the reads above ran while they were held
            iq = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                var res = a.streams.query(org.apache.kafka.streams.query.StateQueryRequest.inStore(StoreNames.HOST_STATE)
                        .withQuery(org.apache.kafka.streams.query.RangeQuery.<String, byte[]>withNoBounds()).withAllPartitions());
                for (var r : res.getPartitionResults().values()) {
                    try (var it = r.getResult()) {
                        while (it.hasNext()) {
                            it.next();
                            n++;
                        }
                    }
                }
                return n;
            });
            Thread.sleep(1000);
            assertThat(iq).as("IQv2 blocked on a held Position lock").isNotDone();
        } finally {
            release.countDown();
            holder.join(10_000);
        }
        assertThat(iq.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(HOSTS);
    }

    // ---- the owner goes away

    @Test
    @Order(10)
    void shouldAnswerFromStandbyOrUnavailableWhileOwnerIsDown() throws Exception {
        await("A's standby copies caught up", 60, () -> {
            Map<Integer, LagInfo> lags = a.streams.allLocalStorePartitionLags().get(StoreNames.HOST_VIEWS);
            return lags != null && lags.size() == PARTITIONS && lags.values().stream().allMatch(l -> l.offsetLag() == 0);
        });
        JsonNode ownersGroups = viaA("/groups").json();
        b.api.close(); // B's API is gone, B still owns the partition

        String url = a.url() + "/api/v1/hosts/" + hostOnB + "/groups";
        Http.Answer strict = Http.get(url);
        assertThat(strict.status()).isEqualTo(503);
        assertThat(strict.header("Retry-After")).isEqualTo("1");
        assertThat(strict.json().path("error").asText()).isEqualTo("unavailable");
        assertThat(strict.json().path("detail").asText()).contains("unreachable", "maxLagMs");

        await("A's lag bound is fresh", 10, () -> Http.get(url + "?maxLagMs=5000").status() == 200);
        Http.Answer stale = Http.get(url + "?maxLagMs=60000");
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.header("X-Served-By")).isEqualTo(a.address());
        assertThat(stale.header("X-Served-From")).isEqualTo("standby");
        assertThat(Long.parseLong(stale.header("X-Staleness-Ms"))).isBetween(0L, 60000L);
        assertThat(stale.header("X-Max-Lag-Ms")).isEqualTo("60000");
        assertThat(stale.json()).isEqualTo(ownersGroups);
        assertThat(Http.get(a.url() + "/api/v1/hosts/" + hostOnB + "/devices/" + GPU + "?maxLagMs=60000").status()).isEqualTo(200);

        assertThat(Http.get(a.url() + "/api/v1/hosts?limit=1000").status()).isEqualTo(503);
        Http.Answer fleet = Http.get(a.url() + "/api/v1/hosts?limit=1000&maxLagMs=60000");
        assertThat(fleet.status()).as(fleet.body()).isEqualTo(200);
        assertThat(fleet.json().path("count").asInt()).isEqualTo(HOSTS);
        assertThat(fleet.header("X-Served-From")).isEqualTo("standby");

        // now B's Streams leaves too: through the rebalance, every answer is a 200 or a 503, never anything else
        CompletableFuture<Void> leaving = CompletableFuture.runAsync(b::closeStreams);
        TreeSet<Integer> strictStatuses = new TreeSet<>();
        TreeSet<Integer> staleStatuses = new TreeSet<>();
        long deadline = System.currentTimeMillis() + 60_000;
        boolean takenOver = false;
        while (System.currentTimeMillis() < deadline && !takenOver) {
            Http.Answer s = Http.get(url);
            strictStatuses.add(s.status());
            Http.Answer st = Http.get(url + "?maxLagMs=60000");
            staleStatuses.add(st.status());
            takenOver = s.status() == 200 && "active".equals(s.header("X-Served-From")) && a.address().equals(s.header("X-Served-By"));
            Thread.sleep(50);
        }
        leaving.get();
        log.info("through B's departure: without maxLagMs {}, with maxLagMs {}", strictStatuses, staleStatuses);
        assertThat(takenOver).as("A became the owner; statuses seen " + strictStatuses + " / " + staleStatuses).isTrue();
        assertThat(strictStatuses).isSubsetOf(200, 503);
        assertThat(staleStatuses).isSubsetOf(200, 503);
        assertThat(Http.get(url).json()).isEqualTo(ownersGroups);
    }

    static void await(String what, int seconds, java.util.function.BooleanSupplier cond) {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (cond.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("timed out after " + seconds + " s waiting for: " + what);
    }

    static Duration seconds(int s) {
        return Duration.ofSeconds(s);
    }
}
