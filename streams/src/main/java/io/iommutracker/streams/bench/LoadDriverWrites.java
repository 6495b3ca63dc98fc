package io.iommutracker.streams.bench;

import java.io.PrintStream;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Node;

/**
 * What a topology wrote to the broker during a phase, per topic: log bytes (as stored, so after the producer's
 * compression and with batch and transaction-marker overheads) and offsets (records plus transaction markers), taken as
 * the difference of two snapshots of every topic's log size and end offsets. Per input event, it is the figure that
 * says what each output and changelog costs the broker, the disks and the network, whatever else loads the machine.
 */
public record LoadDriverWrites(Map<String, long[]> perTopic) {

    /** Log bytes and end offsets of every topic, summed over partitions and brokers. */
    static LoadDriverWrites snapshot(Admin admin) throws ExecutionException, InterruptedException {
        Collection<Integer> brokers = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
        Map<String, long[]> out = new TreeMap<>();
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
            for (LogDirDescription dir : dirs.values()) {
                for (Map.Entry<TopicPartition, ReplicaInfo> e : dir.replicaInfos().entrySet()) {
                    out.computeIfAbsent(e.getKey().topic(), t -> new long[2])[0] += e.getValue().size();
                    ask.put(e.getKey(), OffsetSpec.latest());
                }
            }
        }
        admin.listOffsets(ask).all().get().forEach((tp, info) -> out.get(tp.topic())[1] += info.offset());
        return new LoadDriverWrites(out);
    }

    /** What was written between {@code before} and this snapshot, topics with no change left out. */
    LoadDriverWrites since(LoadDriverWrites before) {
        Map<String, long[]> out = new TreeMap<>();
        perTopic.forEach((topic, now) -> {
            long[] then = before.perTopic.getOrDefault(topic, new long[2]);
            long bytes = now[0] - then[0];
            long offsets = now[1] - then[1];
            if (bytes > 0 || offsets > 0) {
                out.put(topic, new long[] {bytes, offsets});
            }
        });
        return new LoadDriverWrites(out);
    }

    public long totalBytes(List<String> skip) {
        return perTopic.entrySet().stream().filter(e -> !skip.contains(e.getKey())).mapToLong(e -> e.getValue()[0]).sum();
    }

    /** One line per topic: bytes and offsets per input event; the application id is cut from changelog names. */
    public void print(PrintStream out, String label, String appId, long events, List<String> skip) {
        double n = Math.max(1, events);
        out.printf("writes per event  %s: %.0f bytes in total%n", label, totalBytes(skip) / n);
        perTopic.forEach((topic, w) -> {
            if (!skip.contains(topic)) {
                out.printf("    %-32s %8.1f bytes %6.3f offsets%n", topic.replace(appId + "-", ""), w[0] / n, w[1] / n);
            }
        });
    }
}
