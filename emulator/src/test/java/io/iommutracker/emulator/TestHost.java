package io.iommutracker.emulator;

import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.synth.PciDevices;
import io.iommutracker.emulator.synth.SyntheticHost;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Builds hosts from PciEvents the way telemetry would deliver them, and reads groups back in short BDF form. */
public final class TestHost {

    private HostState state = HostState.empty("host-1");
    private long seq;

    public static TestHost of(IommuPlatform platform) {
        return of(platform, "");
    }

    public static TestHost of(IommuPlatform platform, String commandLine) {
        return describe(HostDescribed.newBuilder().setPlatform(platform).setCommandLine(commandLine).build());
    }

    public static TestHost arm(FirmwareKind firmware) {
        return describe(HostDescribed.newBuilder().setArch("aarch64").setPlatform(IommuPlatform.ARM_SMMU_V3)
                .setFirmware(firmware).build());
    }

    public static TestHost describe(HostDescribed host) {
        TestHost h = new TestHost();
        h.apply(host);
        return h;
    }

    public TestHost add(PciDevices... devices) {
        for (PciDevices d : devices) {
            add(d.build());
        }
        return this;
    }

    public TestHost add(PciDeviceInfo info) {
        return apply(new io.iommutracker.avro.DeviceAdded(info));
    }

    public TestHost apply(Object payload) {
        try {
            state = state.apply(next(payload));
        } catch (EventRejectedException e) {
            throw new AssertionError(e);
        }
        return this;
    }

    /** The event that would come next, without applying it. */
    public PciEvent next(Object payload) {
        return SyntheticHost.event(state.hostId(), ++seq, payload);
    }

    /** Applies and expects a rejection; the state is unchanged. */
    public EventRejectedException reject(Object payload) {
        try {
            state.apply(SyntheticHost.event(state.hostId(), seq + 1, payload));
        } catch (EventRejectedException e) {
            return e;
        }
        throw new AssertionError("event was accepted: " + payload);
    }

    public HostState state() {
        return state;
    }

    public Set<Set<String>> kernelPartition() {
        return state.kernelGroups().values().stream().map(TestHost::shortSet).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    public Set<Set<String>> livePartition() {
        return livePartition(state.hostRules());
    }

    public Set<Set<String>> livePartition(RuleSet rules) {
        return state.liveGroups(rules).stream().map(TestHost::shortSet).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    public int groupOf(String bdf) {
        return state.kernelGroupOf(bdf).orElse(-1);
    }

    private static Set<String> shortSet(List<String> bdfs) {
        return bdfs.stream().map(b -> b.startsWith("0000:") ? b.substring(5) : b).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    public static Set<String> g(String... bdfs) {
        return new LinkedHashSet<>(List.of(bdfs));
    }

    public static Set<Set<String>> groups(Set<?>... groups) {
        Set<Set<String>> out = new LinkedHashSet<>();
        for (Set<?> s : groups) {
            @SuppressWarnings("unchecked")
            Set<String> t = (Set<String>) s;
            out.add(t);
        }
        return out;
    }
}
