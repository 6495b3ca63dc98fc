package io.iommutracker.streams.testing;

import io.iommutracker.avro.*;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.EventRejectedException.Reason;
import io.iommutracker.schemas.AvroSerde;
import io.iommutracker.streams.engine.HostEngine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deliberately simple stand-in for the emulator, for tests of the Kafka-facing behaviour: the kernel group of a
 * device is its bus number; the live group is the same, except that once any ACS control word is written as 0 the live
 * view merges buses in sixteens (bus / 16 * 16) — enough to make views, changes and every view-based alert move.
 * RMRR device scopes give the scoped device's group a DIRECT region. Unknown and duplicate devices are rejected.
 */
public final class BusGroupEngine implements HostEngine {

    public static final BusGroupEngine INSTANCE = new BusGroupEngine();
    private static final AvroSerde<PciEvent> CODEC = new AvroSerde<>(PciEvent.class);

    @Override
    public Host empty(String hostId) {
        return new State(hostId, null, new TreeMap<>(), false);
    }

    @Override
    public Host fromBytes(byte[] bytes) {
        PciEvent e = CODEC.decode("fake-state", bytes);
        HostSnapshot s = (HostSnapshot) e.getPayload();
        Map<String, PciDeviceInfo> devices = new TreeMap<>();
        s.getDevices().forEach(d -> devices.put(d.getBdf(), d));
        return new State(e.getHostId(), s.getHost(), devices, e.getSource().equals("acs-off"));
    }

    record State(String hostId, HostDescribed host, Map<String, PciDeviceInfo> devices, boolean acsOff) implements Host {

        @Override
        public Host apply(PciEvent event) throws EventRejectedException {
            Map<String, PciDeviceInfo> next = new TreeMap<>(devices);
            HostDescribed h = host;
            boolean off = acsOff;
            Object p = event.getPayload();
            if (p instanceof HostDescribed d) {
                h = d;
            } else if (p instanceof DeviceAdded a) {
                if (next.containsKey(a.getDevice().getBdf())) {
                    throw new EventRejectedException(Reason.DUPLICATE_DEVICE, a.getDevice().getBdf());
                }
                next.put(a.getDevice().getBdf(), a.getDevice());
            } else if (p instanceof DeviceRemoved r) {
                known(r.getBdf());
                next.remove(r.getBdf());
            } else if (p instanceof DriverBound b) {
                known(b.getBdf());
                next.put(b.getBdf(), PciDeviceInfo.newBuilder(next.get(b.getBdf())).setDriver(b.getDriver()).setOwner(b.getOwner()).build());
            } else if (p instanceof DriverUnbound u) {
                known(u.getBdf());
                next.put(u.getBdf(), PciDeviceInfo.newBuilder(next.get(u.getBdf())).setDriver(null)
                        .setOwner(new Owner(OwnerKind.NONE, null)).build());
            } else if (p instanceof AcsControlChanged c) {
                known(c.getBdf());
                off = c.getCtrl() == 0;
            } else if (p instanceof BarProgrammed b) {
                known(b.getBdf());
            } else if (p instanceof BridgeWindowChanged w) {
                known(w.getBdf());
            } else if (p instanceof BridgeBusNumbersChanged w) {
                known(w.getBdf());
            } else if (p instanceof CommandChanged c) {
                known(c.getBdf());
            } else if (p instanceof MsiConfigured m) {
                known(m.getBdf());
            } else if (p instanceof HostSnapshot s) {
                next.clear();
                s.getDevices().forEach(d -> next.put(d.getBdf(), d));
                if (s.getHost() != null) {
                    h = s.getHost();
                }
                off = false;
            }
            return new State(hostId, h, next, off);
        }

        private void known(String bdf) throws EventRejectedException {
            if (!devices.containsKey(bdf)) {
                throw new EventRejectedException(Reason.UNKNOWN_DEVICE, bdf + " is not present");
            }
        }

        private static int bus(String bdf) {
            return Integer.parseInt(bdf.substring(5, 7), 16);
        }

        @Override
        public HostView view() {
            Map<Integer, List<String>> kernel = new TreeMap<>();
            Map<Integer, List<String>> live = new TreeMap<>();
            List<DeviceView> dv = new ArrayList<>();
            for (PciDeviceInfo d : devices.values()) {
                int k = bus(d.getBdf());
                int l = acsOff ? k / 16 * 16 : k;
                kernel.computeIfAbsent(k, x -> new ArrayList<>()).add(d.getBdf());
                live.computeIfAbsent(l, x -> new ArrayList<>()).add(d.getBdf());
                dv.add(new DeviceView(d.getBdf(), k, l, d.getDriver(), d.getOwner(), List.of()));
            }
            boolean isolated = host != null && host.getIsolatedMsi();
            List<GroupView> kg = new ArrayList<>();
            kernel.forEach((id, ds) -> kg.add(new GroupView(id, ds, regions(ds), false, isolated)));
            List<GroupView> lg = new ArrayList<>();
            live.forEach((id, ds) -> lg.add(new GroupView(id, ds, regions(ds), false, isolated)));
            return HostView.newBuilder().setHostId(hostId).setSequence(0).setUpdatedAt(Instant.EPOCH)
                    .setPlatform(host == null ? IommuPlatform.NONE : host.getPlatform()).setDegraded(false)
                    .setDeviceCount(devices.size()).setKernelGroups(kg).setLiveGroups(lg).setDevices(dv)
                    .setUsableIova(List.of()).setHazards(List.of()).build();
        }

        private List<ResvRegion> regions(List<String> members) {
            List<ResvRegion> out = new ArrayList<>();
            if (host != null) {
                for (Rmrr r : host.getRmrrs()) {
                    if (r.getDeviceScopes().stream().anyMatch(members::contains)) {
                        out.add(new ResvRegion(r.getBase(), r.getEnd(), ResvType.DIRECT));
                    }
                }
            }
            return out;
        }

        @Override
        public byte[] toBytes() {
            return CODEC.encode("fake-state", new PciEvent(hostId, 0L, Instant.EPOCH, acsOff ? "acs-off" : "",
                    new HostSnapshot(host, List.copyOf(devices.values()))));
        }
    }
}
