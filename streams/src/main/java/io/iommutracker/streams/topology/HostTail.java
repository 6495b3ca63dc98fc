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

    /** The slot of a store key: 0 for the first event after the checkpoint; -1 for a key of another layout. */
    public static int slotOf(String key) {
        int at = key.lastIndexOf(SLOT);
        if (at < 0 || at == key.length() - 1) {
            return -1;
        }
        try {
            return Integer.parseInt(key.substring(at + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
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

    /**
     * What the host had before an entry (the checkpoint's, or the previous entry's): an entry stores its firing set and
     * view stamp only when they differ from these, which they rarely do.
     */
    public record Before(Set<String> firing, long viewSequence, long viewAt) {
    }

    private static final int GAP = 1;
    private static final int SILENT = 2;
    private static final int APPLIED = 4;
    private static final int NEW_FIRING = 8;
    private static final int NEW_VIEW = 16;

    /**
     * Format byte, previousSequence (8 bytes, so {@link #chains} reads it in place), then varints: the sequence step,
     * the event time, flags, the gap, the firing set and the view stamp when they changed, the event's length; then the
     * event.
     */
    public static byte[] encode(Entry e, Before before) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(e.event().length + 32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(e.previousSequence());
            writeVar(out, e.lastSequence() - e.previousSequence());
            writeVar(out, e.lastEventAt());
            boolean newFiring = !e.firing().equals(before.firing());
            boolean newView = e.viewSequence() != before.viewSequence() || e.viewAt() != before.viewAt();
            out.writeByte((e.gap() != null ? GAP : 0) | (e.silent() ? SILENT : 0) | (e.applied() ? APPLIED : 0)
                    | (newFiring ? NEW_FIRING : 0) | (newView ? NEW_VIEW : 0));
            if (e.gap() != null) {
                writeVar(out, e.gap().expected());
                writeVar(out, e.gap().got());
                writeVar(out, e.gap().at());
            }
            if (newFiring) {
                writeVar(out, e.firing().size());
                for (String f : new TreeSet<>(e.firing())) {
                    out.writeUTF(f);
                }
            }
            if (newView) {
                // a new view is almost always this event's own stamp
                writeVar(out, e.lastSequence() - e.viewSequence());
                long dt = e.lastEventAt() - e.viewAt();
                writeVar(out, (dt << 1) ^ (dt >> 63)); // zigzag: event times may step back
            }
            writeVar(out, e.event().length);
            out.write(e.event());
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return bytes.toByteArray();
    }

    public static Entry decode(byte[] entry, Before before) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("unknown host-tail format " + format);
            }
            long previous = in.readLong();
            long seq = previous + readVar(in);
            long at = readVar(in);
            int flags = in.readByte();
            HostRecord.Gap gap = (flags & GAP) == 0 ? null : new HostRecord.Gap(readVar(in), readVar(in), readVar(in));
            Set<String> firing = before.firing();
            if ((flags & NEW_FIRING) != 0) {
                Set<String> read = new TreeSet<>();
                for (long i = readVar(in); i > 0; i--) {
                    read.add(in.readUTF());
                }
                firing = Set.copyOf(read);
            }
            long viewSeq = before.viewSequence();
            long viewAt = before.viewAt();
            if ((flags & NEW_VIEW) != 0) {
                viewSeq = seq - readVar(in);
                long z = readVar(in);
                viewAt = at - ((z >>> 1) ^ -(z & 1));
            }
            byte[] event = new byte[(int) readVar(in)];
            in.readFully(event);
            return new Entry(previous, seq, at, gap, (flags & SILENT) != 0, firing, viewSeq, viewAt,
                    (flags & APPLIED) != 0, event);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /** Unsigned LEB128 of a non-negative value. */
    private static void writeVar(DataOutputStream out, long v) throws IOException {
        if (v < 0) {
            throw new IllegalArgumentException("negative varint " + v);
        }
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    private static long readVar(DataInputStream in) throws IOException {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }
}
