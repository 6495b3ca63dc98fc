package io.iommutracker.emulator.synth;

import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic Intel host for load tests: root ports (ACS+) → switch (upstream port, 8 downstream ports, ACS+) →
 * one 4-function endpoint per downstream port without ACS, so functions share a group. 42 devices per root port,
 * 25 root ports per PCI domain; a memory window of 256 MiB per root port, 16 MiB per downstream port, 1 MiB BARs.
 */
public final class SyntheticHost {

    public static final int DSPS = 8;
    public static final int FUNCTIONS = 4;
    private static final int RPS_PER_DOMAIN = 25;
    private static final long MEM_BASE = 0x40_0000_0000L;

    private SyntheticHost() {
    }

    public static HostDescribed intel() {
        return HostDescribed.newBuilder().setPlatform(IommuPlatform.INTEL_VT_D).setInterruptRemapping(true)
                .setIsolatedMsi(true).build();
    }

    /** The PCI devices of a host with about {@code devices} functions (whole endpoints; stops once reached). */
    public static List<PciDeviceInfo> devices(int devices) {
        List<PciDeviceInfo> out = new ArrayList<>(devices + 64);
        int rp = 0;
        while (out.size() < devices) {
            int domain = rp / RPS_PER_DOMAIN;
            int local = rp % RPS_PER_DOMAIN;
            int bus = 1 + local * (2 + DSPS);
            long win = MEM_BASE + (long) rp * 0x1000_0000L;
            String dom = String.format("%04x:", domain);
            out.add(PciDevices.at(dom + String.format("00:%02x.0", local + 1)).rootPort(bus, bus + 1 + DSPS).acsOn()
                    .memWindow(win, win + 0x0fff_ffffL).driver("pcieport").build());
            out.add(PciDevices.at(dom + String.format("%02x:00.0", bus)).upstreamPort(bus + 1, bus + 1 + DSPS)
                    .memWindow(win, win + 0x0fff_ffffL).driver("pcieport").build());
            for (int d = 0; d < DSPS && out.size() < devices; d++) {
                int sec = bus + 2 + d;
                long dwin = win + (long) d * 0x100_0000L;
                out.add(PciDevices.at(dom + String.format("%02x:%02x.0", bus + 1, d)).downstreamPort(sec, sec).acsOn()
                        .memWindow(dwin, dwin + 0xff_ffffL).driver("pcieport").build());
                for (int f = 0; f < FUNCTIONS; f++) {
                    out.add(PciDevices.at(dom + String.format("%02x:00.%d", sec, f)).endpoint().multifunction()
                            .ids(0x15b3, 0x1017).bar(0, dwin + (long) f * 0x10_0000L, 0x10_0000L).driver("mlx5_core").build());
                }
            }
            rp++;
        }
        return out;
    }

    /** HostDescribed then one DeviceAdded per device, in enumeration order, sequences from 1. */
    public static List<PciEvent> events(String hostId, int devices) {
        List<PciEvent> out = new ArrayList<>();
        long seq = 1;
        out.add(event(hostId, seq++, intel()));
        for (PciDeviceInfo d : devices(devices)) {
            out.add(event(hostId, seq++, new DeviceAdded(d)));
        }
        return out;
    }

    public static PciEvent event(String hostId, long sequence, Object payload) {
        return PciEvent.newBuilder().setHostId(hostId).setSequence(sequence).setObservedAt(Instant.ofEpochMilli(sequence))
                .setSource("synthetic").setPayload(payload).build();
    }
}
