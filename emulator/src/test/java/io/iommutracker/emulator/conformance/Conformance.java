package io.iommutracker.emulator.conformance;

import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.format.Capture;
import io.iommutracker.emulator.model.Bdf;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** Compares the emulator's kernel view of a capture with the groups the capture's own kernel reported. */
final class Conformance {

    private Conformance() {
    }

    /** How one host compares. */
    record Result(String host, int devices, int devicesAgreeing, int devicesWithIds, int idsAgreeing, List<String> differences) {
        boolean partitionAgrees() {
            return devicesAgreeing == devices;
        }

        boolean idsAgree() {
            return idsAgreeing == devicesWithIds;
        }
    }

    static HostView kernelView(String host, Capture capture) throws EventRejectedException {
        HostState s = HostState.empty(host).apply(new PciEvent(host, 1L, Instant.EPOCH, "conformance", capture.snapshot()));
        return s.view();
    }

    /**
     * Per device: does its computed group hold exactly the devices of its reported group (both restricted to the
     * devices the capture lists), and, where the capture shows numbers, is the number the same.
     */
    static Result compare(String host, Capture capture, HostView view) {
        SortedMap<Bdf, Integer> computed = new TreeMap<>();
        for (GroupView g : view.getKernelGroups()) {
            for (String d : g.getDevices()) {
                computed.put(Bdf.parse(d), g.getId());
            }
        }
        SortedMap<Bdf, Integer> reported = capture.reportedGroups();
        Map<Integer, SortedSet<Bdf>> computedMembers = members(computed);
        Map<Integer, SortedSet<Bdf>> reportedMembers = members(reported);
        List<String> diffs = new ArrayList<>();
        int devices = 0;
        int agreeing = 0;
        int withIds = 0;
        int idsAgreeing = 0;
        for (var d : capture.snapshot().getDevices()) {
            Bdf bdf = Bdf.parse(d.getBdf());
            devices++;
            Integer rg = reported.get(bdf);
            Integer cg = computed.get(bdf);
            SortedSet<Bdf> want = rg == null ? new TreeSet<>() : reportedMembers.get(rg);
            SortedSet<Bdf> got = cg == null ? new TreeSet<>() : computedMembers.get(cg);
            if (want.equals(got)) {
                agreeing++;
            } else {
                diffs.add(bdf + ": kernel group " + (rg == null ? "none" : rg + " " + want) + ", emulator "
                        + (cg == null ? "none" : cg + " " + got));
            }
            if (rg != null) {
                withIds++;
                if (rg.equals(cg)) {
                    idsAgreeing++;
                } else if (want.equals(got)) {
                    diffs.add(bdf + ": same members but kernel id " + rg + ", emulator id " + cg);
                }
            }
        }
        return new Result(host, devices, agreeing, withIds, idsAgreeing, diffs);
    }

    private static Map<Integer, SortedSet<Bdf>> members(SortedMap<Bdf, Integer> groups) {
        Map<Integer, SortedSet<Bdf>> out = new TreeMap<>();
        groups.forEach((b, g) -> out.computeIfAbsent(g, k -> new TreeSet<>()).add(b));
        return out;
    }
}
