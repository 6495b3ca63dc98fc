package io.iommutracker.emulator.state;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.group.KernelGroups;
import io.iommutracker.emulator.group.LiveClusters;
import io.iommutracker.emulator.group.Probe;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.LongTrie;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.quirks.AliasQuirks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The compact binary form of a host's state for a state store. Stores what events made (facts, probe bookkeeping,
 * mappings); derived caches (alias masks, live clusters) are recomputed on read, deterministically.
 * Layout: version, header, optional HostDescribed (Avro binary), devices (Avro binary + flags), probes in probe
 * order, ida state, DMA reports.
 */
public final class StateCodec {

    private static final int VERSION = 1;

    private StateCodec() {
    }

    public static byte[] encode(HostModel m) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + m.topo.size() * 160);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeUTF(m.hostId);
            out.writeLong(m.lastSequence);
            out.writeLong(m.lastObservedAt);
            out.writeBoolean(m.degraded);
            out.writeBoolean(m.decommissioned);
            out.writeBoolean(m.host != null);
            if (m.host != null) {
                byte[] host = m.hostBytes.bytes;
                if (host == null) {
                    host = avro(m.host, HOST_WRITER);
                    m.hostBytes.bytes = host;
                }
                out.writeInt(host.length);
                out.write(host);
            }
            List<Device> devices = m.topo.all();
            out.writeInt(devices.size());
            for (Device d : devices) {
                out.writeInt(d.flags());
                byte[] info = d.infoBytes(i -> avro(i, INFO_WRITER));
                out.writeInt(info.length);
                out.write(info);
            }
            KernelGroups k = m.kernel;
            List<Bdf> probed = k.probedInOrder();
            out.writeInt(probed.size());
            for (Bdf b : probed) {
                Probe p = k.probe(b);
                out.writeLong(Keys.device(b));
                out.writeInt(p.group());
                out.writeInt(p.acsCtrlAtProbe());
                out.writeLong(p.order());
            }
            out.writeInt(k.highWater());
            int[] freed = k.freedIds();
            out.writeInt(freed.length);
            for (int f : freed) {
                out.writeInt(f);
            }
            out.writeLong(k.nextOrder());
            out.writeInt(m.dma.size());
            List<long[]> keys = new ArrayList<>();
            m.dma.forEach((key, r) -> keys.add(new long[] {key}));
            for (long[] key : keys) {
                DmaReport r = m.dma.get(key[0]);
                out.writeLong(key[0]);
                out.writeUTF(r.ownerId());
                out.writeInt(r.mappings().size());
                for (IovaRange range : r.mappings()) {
                    out.writeLong(range.getStart());
                    out.writeLong(range.getEnd());
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static HostModel decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown host state version " + version);
            }
            String hostId = in.readUTF();
            long seq = in.readLong();
            long at = in.readLong();
            boolean degraded = in.readBoolean();
            boolean decom = in.readBoolean();
            HostDescribed host = in.readBoolean() ? readAvro(in, new SpecificDatumReader<>(HostDescribed.class)) : null;
            int n = in.readInt();
            SpecificDatumReader<PciDeviceInfo> infoReader = new SpecificDatumReader<>(PciDeviceInfo.class);
            List<PciDeviceInfo> infos = new ArrayList<>(n);
            int[] flags = new int[n];
            Topology raw = Topology.empty();
            for (int i = 0; i < n; i++) {
                flags[i] = in.readInt();
                PciDeviceInfo info = readAvro(in, infoReader);
                infos.add(info);
                raw = raw.with(new Device(Bdf.parse(info.getBdf()), info, flags[i], null));
            }
            Topology topo = raw;
            for (int i = 0; i < n; i++) {
                Bdf b = Bdf.parse(infos.get(i).getBdf());
                Device parent = raw.busSelf(b.domain(), b.bus());
                topo = topo.with(AliasQuirks.apply(b, infos.get(i), parent, flags[i]));
            }
            int probes = in.readInt();
            List<Bdf> order = new ArrayList<>(probes);
            List<Probe> ps = new ArrayList<>(probes);
            for (int i = 0; i < probes; i++) {
                order.add(Keys.bdf(in.readLong()));
                ps.add(new Probe(in.readInt(), in.readInt(), in.readLong()));
            }
            int highWater = in.readInt();
            int[] freed = new int[in.readInt()];
            for (int i = 0; i < freed.length; i++) {
                freed[i] = in.readInt();
            }
            long nextOrder = in.readLong();
            KernelGroups k = KernelGroups.restore(order, ps, highWater, freed, nextOrder);
            int reports = in.readInt();
            LongTrie<DmaReport> dma = LongTrie.empty();
            for (int i = 0; i < reports; i++) {
                long key = in.readLong();
                String owner = in.readUTF();
                int ranges = in.readInt();
                List<IovaRange> list = new ArrayList<>(ranges);
                for (int j = 0; j < ranges; j++) {
                    list.add(new IovaRange(in.readLong(), in.readLong()));
                }
                dma = dma.put(key, new DmaReport(owner, list));
            }
            HostModel base = new HostModel(hostId, seq, at, degraded, decom, host, topo, k, LiveClusters.empty(), dma);
            return base.with(host, topo, k, LiveClusters.compute(topo, base.hostPolicy()), dma);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Avro datum writers keep no per-write state: one of each serves every thread.
    private static final SpecificDatumWriter<HostDescribed> HOST_WRITER = new SpecificDatumWriter<>(HostDescribed.class);
    private static final SpecificDatumWriter<PciDeviceInfo> INFO_WRITER = new SpecificDatumWriter<>(PciDeviceInfo.class);

    /** Avro binary of one record (devices and descriptions are cached in this form, see Device.infoBytes). */
    private static <T> byte[] avro(T value, SpecificDatumWriter<T> writer) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(buf, null);
            writer.write(value, enc);
            enc.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T readAvro(DataInputStream in, SpecificDatumReader<T> reader) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(b, null);
        return reader.read(null, dec);
    }
}
