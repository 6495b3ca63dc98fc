package io.iommutracker.streams.api;

import io.iommutracker.avro.PciEvent;
import io.iommutracker.schemas.Topics;
import io.iommutracker.streams.sim.FleetSimulator;
import io.iommutracker.streams.sim.HostKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Fills a running tracker (the real topology, e.g. {@code ./iommu-tracker run --bootstrap-servers ...}) with a fleet
 * for the multi-process API bench (a CLI: it prints): the boot events of {@code hosts} simulated hosts named
 * {@code host-000}, {@code host-001}, ... (the names {@link OpenLoopLoad} asks for) go to the telemetry topic, then it
 * waits until the instance's API answers 200 for every one of them.
 *
 * <p>Usage: {@code ApiBenchLoader bootstrap apiPort hosts send|check} ({@code check}: only wait for the answers). Topics must exist (the tracker creates them on start).
 */
public final class ApiBenchLoader {

    private ApiBenchLoader() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int apiPort = Integer.parseInt(args[1]);
        int hosts = Integer.parseInt(args[2]);
        Properties client = new Properties();
        client.put("bootstrap.servers", bootstrap);
        HostKind[] kinds = {HostKind.GPU_SERVER, HostKind.NVME_JBOF, HostKind.SRIOV_NIC, HostKind.ARM_SERVER, HostKind.TB_LAPTOP};
        List<List<Object>> boots = java.util.Arrays.stream(kinds).map(FleetSimulator::bootstrapPayloads).toList();
        long events = 0;
        long t0 = System.nanoTime();
        boolean send = args.length < 4 || args[3].equals("send");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(FleetSimulator.producerProperties(client))) {
            for (int i = 0; send && i < hosts; i++) {
                String host = String.format("host-%03d", i);
                byte[] key = host.getBytes(StandardCharsets.UTF_8);
                long seq = 0;
                for (Object payload : boots.get(i % kinds.length)) {
                    PciEvent e = new PciEvent(host, ++seq, Instant.now(), "api-bench", payload);
                    p.send(new ProducerRecord<>(Topics.TELEMETRY.name(), key, Topics.TELEMETRY.valueSerde().serializer()
                            .serialize(Topics.TELEMETRY.name(), e)));
                    events++;
                }
            }
        }
        System.out.printf("LOADER sent %d events for %d hosts in %.1f s%n", events, hosts, (System.nanoTime() - t0) / 1e9);
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < hosts; i++) {
            URI u = URI.create("http://127.0.0.1:" + apiPort + "/api/v1/hosts/" + String.format("host-%03d", i) + "/groups");
            int status;
            long deadline = System.nanoTime() + 600_000_000_000L;
            while ((status = http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.discarding()).statusCode()) != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(u + " still answers " + status);
                }
                Thread.sleep(500);
            }
        }
        System.out.printf("LOADER all %d hosts answer after %.1f s%n", hosts, (System.nanoTime() - t0) / 1e9);
    }
}
