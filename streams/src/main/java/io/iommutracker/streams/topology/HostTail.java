package io.iommutracker.streams.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.TreeSet;

/**
 * The entries of {@code StoreNames.HOST_TAIL}: the events a host consumed since its checkpoint ({@link HostRecord}), one
 * store entry per event, each the raw telemetry bytes plus the small header the processor had after it. Checkpoint +
 * tail, re-applied in order, is the host's state: an event costs one write of its own bytes, once.
 *
 * <p>Layout: the event that follows the checkpoint by {@code n} (0, 1, ...) is under {@link #key key(host, n)}, a slot
 * that the next tail after the next checkpoint overwrites in place. Nothing is deleted when a checkpoint is written
 * (that would be a tombstone per event): an entry belongs to the current tail only when it chains, its
 * {@code previousSequence} being the checkpoint's sequence for slot 0 and the previous slot's {@code lastSequence} after
 * that. Sequences only grow within a host's life, so an entry left from an older tail never chains; a decommissioned
 * host's slots are deleted, so a host that comes back under the same id cannot meet its old entries.
 */
public final class HostTail {

    /** 1: one value per host with every entry; 2: one value per entry, keyed by host and slot. */
    private static final int FORMAT = 2;
    private static final char SLOT = '#';

    private HostTail() {
    }

    /**
     * One consumed event.
     *
     * @param previousSequence the host's lastSequence before this event: the entries must chain from the checkpoint
     * @param applied          the emulator applied it (false: heartbeat after the first event, or rejected to the DLQ)
     * @param event            the telemetry record's value, as received
     */
    public record Entry(long previousSequence, long lastSequence, long lastEventAt, HostRecord.Gap gap, boolean silent,
                        Set<String> firing, long viewSequence, long viewAt, boolean applied, byte[] event) {
    }

    /** The store key of the {@code n}-th event after the host's checkpoint. */
    public static String key(String host, int n) {
        return host + SLOT + n;
    }

    /** The host of a store key. */
    public static String hostOf(String key) {
        return key.substring(0, key.lastIndexOf(SLOT));
    }

    /** The slot of a store key: 0 for the first event after the checkpoint. */
    public static int slotOf(String key) {
        return Integer.parseInt(key.substring(key.lastIndexOf(SLOT) + 1));
    }

    /** Whether the stored entry follows the host's state at {@code sequence}, i.e. is the next entry of its tail. */
    public static boolean chains(byte[] entry, long sequence) {
        if (entry == null || entry.length < 1 + Long.BYTES || entry[0] != FORMAT) {
            return false;
        }
        long previous = 0;
        for (int i = 1; i <= Long.BYTES; i++) {
            previous = (previous << 8) | (entry[i] & 0xff);
        }
        return previous == sequence;
    }

    public static byte[] encode(Entry e) {
        return write(e);
    }

    private static byte[] write(Entry e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(e.event().length + 96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(e.previousSequence());
            out.writeLong(e.lastSequence());
            out.writeLong(e.lastEventAt());
            out.writeBoolean(e.gap() != null);
            if (e.gap() != null) {
                out.writeLong(e.gap().expected());
                out.writeLong(e.gap().got());
                out.writeLong(e.gap().at());
            }
            out.writeBoolean(e.silent());
            out.writeInt(e.firing().size());
            for (String f : new TreeSet<>(e.firing())) {
                out.writeUTF(f);
            }
            out.writeLong(e.viewSequence());
            out.writeLong(e.viewAt());
            out.writeBoolean(e.applied());
            out.writeInt(e.event().length);
            out.write(e.event());
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return bytes.toByteArray();
    }

    public static Entry decode(byte[] entry) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("unknown host-tail format " + format);
            }
            long previous = in.readLong();
            long seq = in.readLong();
            long at = in.readLong();
            HostRecord.Gap gap = in.readBoolean() ? new HostRecord.Gap(in.readLong(), in.readLong(), in.readLong()) : null;
            boolean silent = in.readBoolean();
            Set<String> firing = new TreeSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                firing.add(in.readUTF());
            }
            long viewSeq = in.readLong();
            long viewAt = in.readLong();
            boolean applied = in.readBoolean();
            byte[] event = new byte[in.readInt()];
            in.readFully(event);
            return new Entry(previous, seq, at, gap, silent, Set.copyOf(firing), viewSeq, viewAt, applied, event);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }
}
