package io.iommutracker.streams.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The value of {@code StoreNames.HOST_TAIL}: the events a host consumed since its checkpoint ({@link HostRecord}), each
 * as the raw telemetry bytes plus the small header the processor had after it. Checkpoint + tail, re-applied in order,
 * is the host's state: an event costs an append of its own bytes, not an encoding of the host.
 *
 * <p>Layout: format byte, the checkpoint's sequence, then length-prefixed entries. Appending copies the bytes so far
 * (the store keeps the previous array), bounded by the processor's tail limit.
 */
public final class HostTail {

    private static final int FORMAT = 1;
    private static final int HEAD = 1 + Long.BYTES;

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

    /** The decoded value: the checkpoint it follows and its entries in order. */
    public record Decoded(long checkpointSequence, List<Entry> entries) {
    }

    /** An empty tail after the checkpoint at {@code checkpointSequence}. */
    public static byte[] empty(long checkpointSequence) {
        byte[] out = new byte[HEAD];
        out[0] = FORMAT;
        for (int i = 0; i < Long.BYTES; i++) {
            out[1 + i] = (byte) (checkpointSequence >>> (56 - 8 * i));
        }
        return out;
    }

    /** A new array: {@code tail} followed by {@code entry}. */
    public static byte[] append(byte[] tail, Entry entry) {
        byte[] e = encode(entry);
        byte[] out = Arrays.copyOf(tail, tail.length + Integer.BYTES + e.length);
        int p = tail.length;
        out[p] = (byte) (e.length >>> 24);
        out[p + 1] = (byte) (e.length >>> 16);
        out[p + 2] = (byte) (e.length >>> 8);
        out[p + 3] = (byte) e.length;
        System.arraycopy(e, 0, out, p + Integer.BYTES, e.length);
        return out;
    }

    private static byte[] encode(Entry e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(e.event().length + 96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
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

    public static Decoded decode(byte[] tail) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(tail))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("unknown host-tail format " + format);
            }
            long checkpoint = in.readLong();
            List<Entry> entries = new ArrayList<>();
            while (in.available() > 0) {
                in.readInt(); // the entry's length: lets a reader skip, this one reads every entry
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
                entries.add(new Entry(previous, seq, at, gap, silent, Set.copyOf(firing), viewSeq, viewAt, applied, event));
            }
            return new Decoded(checkpoint, List.copyOf(entries));
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }
}
