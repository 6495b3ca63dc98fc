package io.iommutracker.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) running in this JVM on 127.0.0.1, with its
 * data under a directory the caller chooses. A directory formatted before is reused as it is, so topics and offsets
 * survive a restart of the launcher.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dataDir;
    private final int port;
    private final Map<String, Integer> extraPorts;
    private final KafkaRaftServer server;
    private volatile boolean closed;

    private EmbeddedKafka(Path dataDir, int port, Map<String, Integer> extraPorts, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.port = port;
        this.extraPorts = extraPorts;
        this.server = server;
    }

    /** Starts a broker on a free port. */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, 0, Map.of());
    }

    /**
     * Starts a broker and waits until its listener accepts connections.
     *
     * @param port      the client port, or 0 for a free one
     * @param overrides broker properties that replace the defaults
     */
    public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides) {
        return start(dataDir, port, overrides, List.of());
    }

    /**
     * Starts a broker with further PLAINTEXT listeners, each on a free port of its own (their addresses:
     * {@link #bootstrapServers(String)}). The broker itself talks over {@code PLAINTEXT} and {@code CONTROLLER}, so a
     * principal builder that goes by listener name can tell its clients from itself (tests of authorization).
     *
     * @param extraListeners listener names, upper case, other than PLAINTEXT and CONTROLLER
     */
    public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides, List<String> extraListeners) {
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            int clientPort = port == 0 ? freePort() : port;
            ensureFree(clientPort);
            int controllerPort = freePort();
            Properties props = brokerProperties(dataDir, clientPort, controllerPort);
            Map<String, Integer> extraPorts = new LinkedHashMap<>();
            for (String name : extraListeners) {
                if (!name.matches("[A-Z][A-Z0-9_]*") || name.equals("PLAINTEXT") || name.equals("CONTROLLER")
                        || extraPorts.containsKey(name)) {
                    throw new IllegalArgumentException("listener name " + name + ": want upper-case letters, digits"
                            + " and '_', other than PLAINTEXT and CONTROLLER, each once");
                }
                int p = freePort();
                extraPorts.put(name, p);
                props.setProperty("listeners", props.getProperty("listeners") + "," + name + "://127.0.0.1:" + p);
                props.setProperty("advertised.listeners",
                        props.getProperty("advertised.listeners") + "," + name + "://127.0.0.1:" + p);
                props.setProperty("listener.security.protocol.map",
                        props.getProperty("listener.security.protocol.map") + "," + name + ":PLAINTEXT");
            }
            overrides.forEach(props::setProperty);
            Path configFile = dataDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                props.store(out, "written by iommu-tracker's embedded broker");
            }
            if (!Files.exists(dataDir.resolve("log").resolve("meta.properties"))) {
                format(configFile, dataDir);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(dataDir, clientPort, Map.copyOf(extraPorts), server);
            kafka.awaitListener(Duration.ofSeconds(30));
            log.info("embedded Kafka broker ready at {} (data in {}) after {} ms", kafka.bootstrapServers(), dataDir,
                    (System.nanoTime() - t0) / 1_000_000);
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded Kafka broker in " + dataDir, e);
        }
    }

    static Properties brokerProperties(Path dataDir, int clientPort, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", dataDir.resolve("log").toAbsolutePath().toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // the default 128 MiB cleaner buffer is taken from the heap at start and kills small heaps
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        p.setProperty("log.cleaner.threads", "1");
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "4");
        p.setProperty("auto.create.topics.enable", "false");
        return p;
    }

    private static void format(Path configFile, Path dataDir) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {"format", "--cluster-id", Uuid.randomUuid().toString(), "--config",
                    configFile.toString()}, out);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting " + dataDir + " failed (" + rc + "): " + buf.toString(StandardCharsets.UTF_8));
        }
        log.debug("storage format: {}", buf.toString(StandardCharsets.UTF_8).trim());
    }

    private void awaitListener(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("embedded broker did not open 127.0.0.1:" + port + " within " + timeout, e);
                }
                sleep(50);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void ensureFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 0, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " on 127.0.0.1 is already in use: choose another with --kafka-port"
                    + " or point the tracker at that cluster with --bootstrap-servers", e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The address of a listener named at the start (see {@link #start(Path, int, Map, List)}). */
    public String bootstrapServers(String listener) {
        Integer p = extraPorts.get(listener);
        if (p == null) {
            throw new IllegalArgumentException("no listener " + listener + " (this broker has PLAINTEXT"
                    + (extraPorts.isEmpty() ? "" : " and " + extraPorts.keySet()) + ")");
        }
        return "127.0.0.1:" + p;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        log.info("embedded Kafka broker at 127.0.0.1:{} stopped", port);
    }
}
