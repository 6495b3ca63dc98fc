package io.iommutracker.streams.sim;

import io.iommutracker.avro.AcsCapability;
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
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Rmrr;
import io.iommutracker.avro.RidRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One simulated host: its topology, what is plugged in and assigned, and the next payload it reports. Besides routine
 * churn it now and then does what raises each alert kind: a VMM maps the low 4 GiB without the interrupt hole
 * (RESERVED_CONFLICT), maps a peer's BAR (P2P_HAZARD once the switch port stops redirecting), hands one function of a
 * shared NIC or an RMRR-covered NIC to a VM (ISOLATION, REQUIRE_DIRECT), runs without interrupt remapping
 * (UNSAFE_MSI), hot-plugs below a bus its IORT does not map (IOMMU_BYPASS), loses an event and resynchronises with a
 * snapshot (TELEMETRY_GAP), or goes quiet (HOST_SILENT, driven by {@link FleetSimulator}).
 */
final class SimHost {

    /** The BMC-shared NIC function of a GPU server, which firmware keeps identity-mapped (an RMRR). */
    static final String BMC_NIC = "0000:10:00.0";
    static final long BMC_RMRR_BASE = 0x7c000000L;
    /** The first bus the Arm server's IORT leaves out of its SMMU ID mapping. */
    static final int ARM_UNMAPPED_BUS = 0x80;

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
    /** Assignable devices whose bridge window has no room to move BAR 0 into. */
    private final TreeSet<String> fixedBars = new TreeSet<>();
    private final TreeMap<String, String> assigned = new TreeMap<>();
    /** Current BAR 0 and ACS control of what moved since boot, so a resync snapshot tells the truth. */
    private final Map<String, Bar> bar0 = new HashMap<>();
    private final Map<String, Integer> acsCtrl = new HashMap<>();
    /** A host whose kernel runs without interrupt remapping (intremap=off): MSIs are not isolated. */
    private final boolean noInterruptRemapping;
    private long sequence;
    /** Sequence numbers the next event skips: events lost between collector and topic. */
    private int lost;
    /** Events until the host sends a resynchronising snapshot; 0 when none is due. */
    private int resyncIn;
    /** Event time before which the host sends nothing (set by the fleet). */
    long quietUntil;

    SimHost(String hostId, HostKind kind, long seed) {
        this.hostId = hostId;
        this.kind = kind;
        this.random = new Random(seed);
        this.noInterruptRemapping = kind != HostKind.ARM_SERVER && random.nextInt(6) == 0;
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

    /** The sequence of the payload just drawn; skips the numbers of events lost before it. */
    long nextSequence() {
        sequence += 1 + lost;
        lost = 0;
        return sequence;
    }

    boolean booted() {
        return pending.isEmpty();
    }

    /** The event before the next one is lost: a gap the tracker sees, healed by a snapshot a few events later. */
    void loseAnEvent() {
        if (booted() && resyncIn == 0) {
            lost = 1;
            resyncIn = 2 + random.nextInt(4);
        }
    }

    private HostDescribed describe() {
        if (kind == HostKind.ARM_SERVER) {
            // SMMUv3 behind IORT, GICv3 ITS isolates MSIs; the IORT ID mapping stops short of the hot-plug slot's bus
            return HostDescribed.newBuilder().setArch("aarch64").setKernelRelease("6.12.57-arm64")
                    .setPlatform(IommuPlatform.ARM_SMMU_V3).setFirmware(FirmwareKind.ACPI).setInterruptRemapping(false)
                    .setIsolatedMsi(true).setAllowUnsafeInterrupts(false).setCommandLine("")
                    .setIommuMap(List.of(new RidRange(0, 0x0000, (ARM_UNMAPPED_BUS << 8) - 1)))
                    .build();
        }
        boolean laptop = kind == HostKind.TB_LAPTOP;
        String cmdline = laptop ? "quiet splash" : "intel_iommu=on iommu=pt";
        // the xHCI RMRR laptops and many servers ship: a direct region for USB legacy emulation
        List<Rmrr> rmrrs = new ArrayList<>(List.of(new Rmrr(0x7b800000L, 0x7b9fffffL, List.of("0000:00:14.0"))));
        if (kind == HostKind.GPU_SERVER) {
            rmrrs.add(new Rmrr(BMC_RMRR_BASE, BMC_RMRR_BASE + 0xfffffL, List.of(BMC_NIC)));
        }
        return HostDescribed.newBuilder().setArch("x86_64").setKernelRelease("6.12.57-amd64")
                .setPlatform(kind == HostKind.NVME_JBOF ? IommuPlatform.AMD_VI : IommuPlatform.INTEL_VT_D)
                .setFirmware(FirmwareKind.ACPI).setInterruptRemapping(!noInterruptRemapping)
                .setIsolatedMsi(!noInterruptRemapping).setAllowUnsafeInterrupts(false)
                .setCommandLine(noInterruptRemapping ? cmdline + " intremap=off" : cmdline)
                .setRmrrs(rmrrs)
                .build();
    }

    private List<PciDeviceInfo> topology() {
        List<PciDeviceInfo> out = new ArrayList<>();
        if (kind != HostKind.ARM_SERVER) {
            out.add(Devices.endpoint("0000:00:14.0", 0x8086, 0xa0ed, 0x0c0330, 0x6000000000L, 0x10000L, "xhci_hcd"));
        }
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
                out.add(Devices.nic(BMC_NIC, 0x90000000L, true));
                out.add(Devices.nic("0000:10:00.1", 0x92000000L, true));
                // the two ports share a group: one in a VM beside the host's port is an isolation breach
                assignable.add(BMC_NIC);
                assignable.add("0000:10:00.1");
                fixedBars.addAll(List.of(BMC_NIC, "0000:10:00.1"));
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
            case ARM_SERVER -> {
                out.add(Devices.armRootPort("0000:00:01.0", 1, 1, 0x40000000L, 0x400fffffL));
                out.add(Devices.nvme("0000:01:00.0", 0x40000000L));
                assignable.add("0000:01:00.0");
                String slot = String.format("0000:%02x:00.0", ARM_UNMAPPED_BUS);
                out.add(Devices.armRootPort("0000:00:02.0", ARM_UNMAPPED_BUS, ARM_UNMAPPED_BUS, 0x50000000L, 0x53ffffffL));
                // empty at boot; what is hot-plugged here sits outside the SMMU's ID mapping
                pluggable.put(slot, Devices.nic(slot, 0x50000000L, false));
                assignable.add(slot);
            }
        }
        return out;
    }

    /** The next payload this host reports: first its description and devices, then a random mix of changes. */
    Object nextPayload(double unknownBdfRatio) {
        if (!pending.isEmpty()) {
            return pending.remove(0);
        }
        if (resyncIn > 0 && --resyncIn == 0) {
            return snapshot();
        }
        if (random.nextDouble() < unknownBdfRatio) {
            return new DeviceRemoved("0000:7f:1f.7");
        }
        int roll = random.nextInt(100);
        if (roll < 35) {
            return new Heartbeat();
        }
        if (roll < 50 && !pluggable.isEmpty()) {
            String bdf = List.copyOf(pluggable.keySet()).get(random.nextInt(pluggable.size()));
            if (present.remove(bdf)) {
                assigned.remove(bdf);
                bar0.remove(bdf);
                return new DeviceRemoved(bdf);
            }
            present.add(bdf);
            return new DeviceAdded(pluggable.get(bdf));
        }
        List<String> live = assignable.stream().filter(present::contains).toList();
        if (roll < 65 && !live.isEmpty()) {
            String bdf = live.get(random.nextInt(live.size()));
            if (assigned.containsKey(bdf)) {
                assigned.remove(bdf);
                return new DriverUnbound(bdf, "vfio-pci");
            }
            String vm = "vm-" + Math.floorMod(hostId.hashCode(), 1000) + "-" + random.nextInt(3);
            assigned.put(bdf, vm);
            return new DriverBound(bdf, "vfio-pci", new Owner(OwnerKind.VFIO, vm));
        }
        if (roll < 77 && !assigned.isEmpty()) {
            List<String> vfio = List.copyOf(assigned.keySet());
            String bdf = vfio.get(random.nextInt(vfio.size()));
            return new DmaMappingsReported(assigned.get(bdf), List.of(bdf), guestMappings(bdf));
        }
        if (roll < 88 && !switchPorts.isEmpty()) {
            String port = switchPorts.get(random.nextInt(switchPorts.size()));
            int ctrl = random.nextBoolean() ? Devices.ACS_ON : 0;
            acsCtrl.put(port, ctrl);
            return new AcsControlChanged(port, ctrl);
        }
        List<String> movable = live.stream().filter(b -> !fixedBars.contains(b)).toList();
        if (!movable.isEmpty()) {
            String bdf = movable.get(random.nextInt(movable.size()));
            // BAR 0 moves between the two slots its bridge window leaves room for
            Bar bar0 = all.get(bdf).getBars().get(0);
            Bar moved = new Bar(0, bar0.getBase() + bar0.getSize() * random.nextInt(2), bar0.getSize(), BarKind.MEM64, true);
            this.bar0.put(bdf, moved);
            return new BarProgrammed(bdf, moved);
        }
        return new Heartbeat();
    }

    /**
     * What a VMM maps for a device: usually guest RAM above 4 GiB; sometimes the low 4 GiB 1:1 with no hole for the
     * interrupt window (or an RMRR), sometimes a peer's BAR (a guest driver doing peer-to-peer), sometimes nothing
     * (the guest shut down).
     */
    private List<IovaRange> guestMappings(String bdf) {
        int pick = random.nextInt(20);
        if (pick < 4) {
            return List.of(new IovaRange(0L, 0xffffffffL));
        }
        if (pick < 9) {
            List<String> peers = present.stream().filter(p -> !p.equals(bdf) && all.get(p).getBridge() == null
                    && !all.get(p).getBars().isEmpty()).toList();
            if (!peers.isEmpty()) {
                String peer = peers.get(random.nextInt(peers.size()));
                Bar bar = bar0.getOrDefault(peer, all.get(peer).getBars().get(0));
                return List.of(new IovaRange(bar.getBase(), bar.getBase() + bar.getSize() - 1));
            }
        }
        if (pick == 9) {
            return List.of();
        }
        long base = (4L + random.nextInt(60)) << 30;
        return List.of(new IovaRange(base, base + 0x3fffffffL));
    }

    /** A full capture of what the host has now, as a collector sends after losing events. */
    private HostSnapshot snapshot() {
        List<PciDeviceInfo> devices = new ArrayList<>();
        for (String bdf : present) {
            PciDeviceInfo.Builder b = PciDeviceInfo.newBuilder(all.get(bdf));
            if (bar0.containsKey(bdf)) {
                b.setBars(List.of(bar0.get(bdf)));
            }
            if (acsCtrl.containsKey(bdf)) {
                b.setAcs(AcsCapability.newBuilder(b.getAcs()).setCtrl(acsCtrl.get(bdf)).build());
            }
            if (assigned.containsKey(bdf)) {
                b.setDriver("vfio-pci").setOwner(new Owner(OwnerKind.VFIO, assigned.get(bdf)));
            }
            devices.add(b.build());
        }
        return new HostSnapshot(describe(), devices);
    }
}
