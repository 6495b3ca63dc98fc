package io.iommutracker.streams.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The value of {@code StoreNames.HOST_STATE}: a host's checkpoint. Sequencing metadata, the facts alert rules need,
 * the fingerprints of the host's firing alerts, the stamp of its view and the emulator's own bytes (opaque here).
 * Written together with the host's {@code HOST_VIEWS} entry, at most about once per view resolution; the events since
 * are in the input topic after {@link #offset}, and a task that starts reads them back from there ({@link InputLog}).
 *
 * @param lastSequence  last sequence consumed (applied, or rejected to the DLQ)
 * @param lastEventAt   observedAt of that event, epoch millis
 * @param gap           the first unrepaired gap, or null when the host is in sync
 * @param silent        HOST_SILENT has fired and no event came since
 * @param firing        fingerprints of this host's FIRING alerts
 * @param viewSequence  sequence of the event whose view is the host's current one (the view's stamp)
 * @param viewAt        observedAt of that event, epoch millis
 * @param state         {@code HostState.toBytes()}
 * @param offset        input offset of the last record consumed for the host, or -1 when unknown (format 1 and 2)
 */
public record HostRecord(long lastSequence, long lastEventAt, Gap gap, boolean silent, HostFacts facts,
                         Set<String> firing, long viewSequence, long viewAt, byte[] state, long offset) {

    /** 1: without the view stamp; 2: with it; 3: and with the input offset. */
    private static final int FORMAT = 3;

    /** A sequence gap: the host expected {@code expected} and got {@code got}. */
    public record Gap(long expected, long got, long at) {
    }

    /** A record whose view is stamped with its last event. */
    public HostRecord(long lastSequence, long lastEventAt, Gap gap, boolean silent, HostFacts facts, Set<String> firing,
                      byte[] state) {
        this(lastSequence, lastEventAt, gap, silent, facts, firing, lastSequence, lastEventAt, state, -1);
    }

    public boolean degraded() {
        return gap != null;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(state.length + 256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(lastSequence);
            out.writeLong(offset);
            out.writeLong(lastEventAt);
            out.writeBoolean(gap != null);
            if (gap != null) {
                out.writeLong(gap.expected());
                out.writeLong(gap.got());
                out.writeLong(gap.at());
            }
            out.writeBoolean(silent);
            out.writeBoolean(facts.isolatedMsi());
            out.writeBoolean(facts.allowUnsafeInterrupts());
            out.writeInt(facts.iommuMap().size());
            for (HostFacts.Rid r : facts.iommuMap()) {
                out.writeInt(r.segment());
                out.writeInt(r.first());
                out.writeInt(r.last());
            }
            out.writeInt(facts.dma().size());
            for (Map.Entry<String, HostFacts.Mappings> e : new TreeMap<>(facts.dma()).entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().devices().size());
                for (String d : e.getValue().devices()) {
                    out.writeUTF(d);
                }
                out.writeInt(e.getValue().ranges().size());
                for (HostFacts.Span s : e.getValue().ranges()) {
                    out.writeLong(s.start());
                    out.writeLong(s.end());
                }
            }
            out.writeInt(firing.size());
            for (String f : new TreeSet<>(firing)) {
                out.writeUTF(f);
            }
            out.writeLong(viewSequence);
            out.writeLong(viewAt);
            out.writeInt(state.length);
            out.write(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The {@link #offset} of an encoded record, without decoding the rest. */
    public static long offsetOf(byte[] bytes) {
        if (bytes.length < 17 || bytes[0] != FORMAT) {
            return fromBytes(bytes).offset();
        }
        long v = 0;
        for (int i = 9; i <= 16; i++) {
            v = (v << 8) | (bytes[i] & 0xff);
        }
        return v;
    }

    public static HostRecord fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readByte();
            if (format < 1 || format > FORMAT) {
                throw new IllegalStateException("unknown host-state record format " + format);
            }
            long seq = in.readLong();
            long offset = format >= 3 ? in.readLong() : -1;
            long at = in.readLong();
            Gap gap = in.readBoolean() ? new Gap(in.readLong(), in.readLong(), in.readLong()) : null;
            boolean silent = in.readBoolean();
            boolean isolated = in.readBoolean();
            boolean unsafe = in.readBoolean();
            List<HostFacts.Rid> map = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                map.add(new HostFacts.Rid(in.readInt(), in.readInt(), in.readInt()));
            }
            Map<String, HostFacts.Mappings> dma = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                String owner = in.readUTF();
                List<String> devices = new ArrayList<>();
                for (int j = in.readInt(); j > 0; j--) {
                    devices.add(in.readUTF());
                }
                List<HostFacts.Span> spans = new ArrayList<>();
                for (int j = in.readInt(); j > 0; j--) {
                    spans.add(new HostFacts.Span(in.readLong(), in.readLong()));
                }
                dma.put(owner, new HostFacts.Mappings(List.copyOf(devices), List.copyOf(spans)));
            }
            Set<String> firing = new TreeSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                firing.add(in.readUTF());
            }
            // format 1 stored the view beside the record: its stamp is at most the last event's
            long viewSeq = format == 1 ? seq : in.readLong();
            long viewAt = format == 1 ? at : in.readLong();
            byte[] state = new byte[in.readInt()];
            in.readFully(state);
            return new HostRecord(seq, at, gap, silent, new HostFacts(isolated, unsafe, List.copyOf(map), Map.copyOf(dma)),
                    Set.copyOf(firing), viewSeq, viewAt, state, offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
