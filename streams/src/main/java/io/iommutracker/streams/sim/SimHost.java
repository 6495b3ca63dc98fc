package io.iommutracker.streams.sim;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.DriverUnbound;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.Heartbeat;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Rmrr;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/** One simulated host: its topology, what is plugged in and assigned, and the next payload it reports. */
final class SimHost {

    final String hostId;
    final HostKind kind;
    private final Random random;
    private final List<Object> pending = new ArrayList<>();
    /** Endpoints that can be unplugged / replugged, with their descriptions. */
    private final TreeMap<String, PciDeviceInfo> pluggable = new TreeMap<>();
    private final TreeMap<String, PciDeviceInfo> all = new TreeMap<>();
    private final TreeSet<String> present = new TreeSet<>();
    private final List<String> assignable = new ArrayList<>();
    private final List<String> switchPorts = new ArrayList<>();
    private final TreeMap<String, String> assigned = new TreeMap<>();
    private long sequence;

    SimHost(String hostId, HostKind kind, long seed) {
        this.hostId = hostId;
        this.kind = kind;
        this.random = new Random(seed);
        pending.add(describe());
        for (PciDeviceInfo d : topology()) {
            pending.add(new DeviceAdded(d));
            all.put(d.getBdf(), d);
            present.add(d.getBdf());
        }
        pluggable.forEach(all::putIfAbsent);
    }

    /** The description and device additions a host reports first. */
    List<Object> bootstrap() {
        List<Object> out = List.copyOf(pending);
        pending.clear();
        sequence += out.size();
        return out;
    }

    long nextSequence() {
        return ++sequence;
    }

    private HostDescribed describe() {
        boolean laptop = kind == HostKind.TB_LAPTOP;
        return HostDescribed.newBuilder().setArch("x86_64").setKernelRelease("6.12.57-amd64")
                .setPlatform(kind == HostKind.NVME_JBOF ? IommuPlatform.AMD_VI : IommuPlatform.INTEL_VT_D)
                .setFirmware(FirmwareKind.ACPI).setInterruptRemapping(true).setIsolatedMsi(true)
                .setAllowUnsafeInterrupts(false).setCommandLine(laptop ? "quiet splash" : "intel_iommu=on iommu=pt")
                // the xHCI RMRR laptops and many servers ship: a direct region for USB legacy emulation
                .setRmrrs(List.of(new Rmrr(0x7b800000L, 0x7b9fffffL, List.of("0000:00:14.0"))))
                .build();
    }

    private List<PciDeviceInfo> topology() {
        List<PciDeviceInfo> out = new ArrayList<>();
        out.add(Devices.endpoint("0000:00:14.0", 0x8086, 0xa0ed, 0x0c0330, 0x6000000000L, 0x10000L, "xhci_hcd"));
        switch (kind) {
            case GPU_SERVER -> {
                out.add(Devices.rootPort("0000:00:01.0", 1, 7, 0x80000000L, 0x8fffffffL));
                out.add(Devices.port("0000:01:00.0", PcieType.UPSTREAM_PORT, 1, 2, 7, 0x80000000L, 0x8fffffffL, false));
                for (int i = 0; i < 5; i++) {
                    String port = String.format("0000:02:%02x.0", i);
                    out.add(Devices.port(port, PcieType.DOWNSTREAM_PORT, 2, 3 + i, 3 + i,
                            0x80000000L + i * 0x2000000L, 0x80000000L + i * 0x2000000L + 0x1ffffffL, true));
                    switchPorts.add(port);
                    String ep = String.format("0000:%02x:00.0", 3 + i);
                    PciDeviceInfo d = i < 4 ? Devices.gpu(ep, 0x80000000L + i * 0x2000000L)
                            : Devices.nvme(ep, 0x80000000L + i * 0x2000000L);
                    out.add(d);
                    assignable.add(ep);
                    if (i == 4) {
                        pluggable.put(ep, d);
                    }
                }
                out.add(Devices.rootPort("0000:00:02.0", 0x10, 0x10, 0x90000000L, 0x93ffffffL));
                out.add(Devices.nic("0000:10:00.0", 0x90000000L, true));
                out.add(Devices.nic("0000:10:00.1", 0x92000000L, true));
            }
            case NVME_JBOF -> {
                out.add(Devices.rootPort("0000:00:01.1", 1, 10, 0xa0000000L, 0xa0ffffffL));
                out.add(Devices.port("0000:01:00.0", PcieType.UPSTREAM_PORT, 1, 2, 10, 0xa0000000L, 0xa0ffffffL, false));
                for (int i = 0; i < 8; i++) {
                    String port = String.format("0000:02:%02x.0", i);
                    out.add(Devices.port(port, PcieType.DOWNSTREAM_PORT, 2, 3 + i, 3 + i,
                            0xa0000000L + i * 0x100000L, 0xa0000000L + i * 0x100000L + 0xfffffL, true));
                    switchPorts.add(port);
                    String ep = String.format("0000:%02x:00.0", 3 + i);
                    PciDeviceInfo d = Devices.nvme(ep, 0xa0000000L + i * 0x100000L);
                    out.add(d);
                    pluggable.put(ep, d);
                    assignable.add(ep);
                }
            }
            case SRIOV_NIC -> {
                out.add(Devices.rootPort("0000:00:03.0", 1, 1, 0xb0000000L, 0xb3ffffffL));
                out.add(Devices.nic("0000:01:00.0", 0xb0000000L, true));
                for (int i = 1; i < 8; i++) {
                    String vf = String.format("0000:01:00.%d", i);
                    out.add(Devices.vf(vf, "0000:01:00.0", 0xb2000000L + i * 0x100000L));
                    assignable.add(vf);
                }
            }
            case TB_LAPTOP -> {
                out.add(PciDeviceInfo.newBuilder(Devices.rootPort("0000:00:07.0", 0x20, 0x49, 0xc0000000L, 0xcfffffffL))
                        .setExternalFacing(true).build());
                out.add(Devices.rootPort("0000:00:06.0", 1, 1, 0xd0000000L, 0xd00fffffL));
                out.add(Devices.nvme("0000:01:00.0", 0xd0000000L));
                PciDeviceInfo dock = Devices.nic("0000:20:00.0", 0xc0000000L, false);
                out.add(PciDeviceInfo.newBuilder(Devices.rootPort("0000:00:07.1", 0x4a, 0x6f, 0xe0000000L, 0xe3ffffffL))
                        .setExternalFacing(true).build());
                PciDeviceInfo egpu = Devices.gpu("0000:4a:00.0", 0xe0000000L);
                pluggable.put(dock.getBdf(), dock);
                pluggable.put(egpu.getBdf(), egpu);
                out.add(dock);
                assignable.add(egpu.getBdf());
            }
        }
        return out;
    }

    /** The next payload this host reports: first its description and devices, then a random mix of changes. */
    Object nextPayload(double unknownBdfRatio) {
        if (!pending.isEmpty()) {
            return pending.remove(0);
        }
        if (random.nextDouble() < unknownBdfRatio) {
            return new DeviceRemoved("0000:7f:1f.7");
        }
        int roll = random.nextInt(100);
        if (roll < 40) {
            return new Heartbeat();
        }
        if (roll < 55 && !pluggable.isEmpty()) {
            String bdf = List.copyOf(pluggable.keySet()).get(random.nextInt(pluggable.size()));
            if (present.remove(bdf)) {
                assigned.remove(bdf);
                return new DeviceRemoved(bdf);
            }
            present.add(bdf);
            return new DeviceAdded(pluggable.get(bdf));
        }
        List<String> live = assignable.stream().filter(present::contains).toList();
        if (roll < 70 && !live.isEmpty()) {
            String bdf = live.get(random.nextInt(live.size()));
            if (assigned.containsKey(bdf)) {
                assigned.remove(bdf);
                return new DriverUnbound(bdf, "vfio-pci");
            }
            String vm = "vm-" + Math.floorMod(hostId.hashCode(), 1000) + "-" + random.nextInt(3);
            assigned.put(bdf, vm);
            return new DriverBound(bdf, "vfio-pci", new Owner(OwnerKind.VFIO, vm));
        }
        if (roll < 80 && !assigned.isEmpty()) {
            var e = assigned.firstEntry();
            long base = (long) random.nextInt(64) << 30;
            return new DmaMappingsReported(e.getValue(), List.of(e.getKey()),
                    List.of(new IovaRange(base, base + 0x3fffffffL)));
        }
        if (roll < 90 && !switchPorts.isEmpty()) {
            String port = switchPorts.get(random.nextInt(switchPorts.size()));
            return new AcsControlChanged(port, random.nextBoolean() ? Devices.ACS_ON : 0);
        }
        if (!live.isEmpty()) {
            String bdf = live.get(random.nextInt(live.size()));
            // BAR 0 moves between the two slots its bridge window leaves room for
            Bar bar0 = all.get(bdf).getBars().get(0);
            return new BarProgrammed(bdf, new Bar(0, bar0.getBase() + bar0.getSize() * random.nextInt(2), bar0.getSize(),
                    BarKind.MEM64, true));
        }
        return new Heartbeat();
    }
}
