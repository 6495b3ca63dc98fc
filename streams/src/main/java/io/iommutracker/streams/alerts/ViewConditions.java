package io.iommutracker.streams.alerts;

import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.streams.topology.HostFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The conditions of one host's view, re-evaluated only for the pieces that differ from the view evaluated last:
 * a group whose view object and members' device views are the ones seen last keeps its conditions, as does a device
 * whose view and kernel group are (the emulator shares every unchanged piece between views). Equal to
 * {@link AlertRules#fromScratch}, in the same order. What a piece was evaluated from is compared by identity before
 * reuse, so a memo that does not belong to the view it is given costs only recomputation. One memo per host and
 * stream thread (thread-confined, least recently used hosts dropped).
 */
final class ViewConditions {

    private static final int HOSTS_PER_THREAD = 4096;
    private static final ThreadLocal<Map<String, ViewConditions>> MEMOS = ThreadLocal.withInitial(
            () -> new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, ViewConditions> eldest) {
                    return size() > HOSTS_PER_THREAD;
                }
            });

    private final String hostId;
    private HostFacts facts;
    private List<DeviceView> devices;
    private Map<String, DeviceView> byBdf;
    private List<GroupView> kernel;
    private Map<Integer, GroupView> kernelById;
    private List<GroupView> live;
    private List<List<Condition>> isolation;
    private List<List<Condition>> stale;
    private List<List<Condition>> reserved;
    private List<List<Condition>> perDevice;
    private List<P2pHazard> hazards;
    private List<Condition> p2p;

    private ViewConditions(String hostId) {
        this.hostId = hostId;
    }

    static List<Condition> of(String hostId, HostView view, HostFacts facts) {
        return MEMOS.get().computeIfAbsent(hostId, ViewConditions::new).update(view, facts);
    }

    private List<Condition> update(HostView view, HostFacts f) {
        boolean first = devices == null;
        // which device views differ from the last view's, by address
        Set<String> changed = new HashSet<>();
        boolean allChanged = first || view.getDevices().size() != devices.size();
        List<DeviceView> nd = view.getDevices();
        List<DeviceView> od = devices;
        boolean[] dDevice = new boolean[nd.size()];
        if (!allChanged && nd != od) {
            for (int i = 0; i < nd.size() && !allChanged; i++) {
                DeviceView a = od.get(i);
                DeviceView b = nd.get(i);
                if (a != b) {
                    allChanged = !a.getBdf().equals(b.getBdf());
                    changed.add(b.getBdf());
                    dDevice[i] = true;
                }
            }
        }
        if (allChanged) {
            byBdf = new LinkedHashMap<>();
            for (DeviceView d : nd) {
                byBdf.put(d.getBdf(), d);
            }
        } else if (byBdf.size() != nd.size()) {
            // a device listed twice: the last listing wins, as in a map built afresh
            byBdf.clear();
            for (DeviceView d : nd) {
                byBdf.put(d.getBdf(), d);
            }
            allChanged = true;
        } else {
            for (int i = 0; i < nd.size(); i++) {
                if (dDevice[i]) {
                    byBdf.put(nd.get(i).getBdf(), nd.get(i));
                }
            }
        }
        // a reserved-region conflict needs the device in its owner's report: only devices a changed report names
        // (before or after) can gain or lose one when the reports change
        Set<String> reportChanged = new HashSet<>(changed);
        if (!first && f.dma() != facts.dma()) {
            reportedDevices(facts.dma(), f.dma(), reportChanged);
        }
        boolean scalarsChanged = first || f.isolatedMsi() != facts.isolatedMsi()
                || f.allowUnsafeInterrupts() != facts.allowUnsafeInterrupts() || !Objects.equals(f.iommuMap(), facts.iommuMap());

        // live groups: isolation and stale-group rules
        List<GroupView> nl = view.getLiveGroups();
        Map<GroupView, Integer> oldLive = positions(first ? null : live, nl);
        List<List<Condition>> iso = new ArrayList<>(nl.size());
        List<List<Condition>> st = new ArrayList<>(nl.size());
        for (GroupView g : nl) {
            Integer at = oldLive.get(g);
            if (!allChanged && at != null && !touches(g, changed)) {
                iso.add(isolation.get(at));
                st.add(stale.get(at));
                continue;
            }
            List<Condition> a = new ArrayList<>(0);
            AlertRules.isolation(hostId, g, byBdf, a);
            iso.add(a);
            List<Condition> b = new ArrayList<>(0);
            AlertRules.staleGroup(hostId, g, byBdf, b);
            st.add(b);
        }

        // kernel groups: reserved-region conflicts
        List<GroupView> nk = view.getKernelGroups();
        Map<GroupView, Integer> oldKernel = positions(first ? null : kernel, nk);
        List<List<Condition>> res = new ArrayList<>(nk.size());
        for (GroupView g : nk) {
            Integer at = oldKernel.get(g);
            if (!allChanged && at != null && !touches(g, reportChanged)) {
                res.add(reserved.get(at));
                continue;
            }
            List<Condition> c = new ArrayList<>(0);
            AlertRules.reservedConflicts(hostId, g, byBdf, f, c);
            res.add(c);
        }
        Map<Integer, GroupView> nkById = kernelById;
        if (first || nk != kernel) {
            nkById = new HashMap<>();
            for (GroupView g : nk) {
                nkById.put(g.getId(), g);
            }
        }

        // devices: require-direct, unsafe-MSI, bypass, over the map's order (by address, as first listed)
        List<List<Condition>> per = new ArrayList<>(byBdf.size());
        int i = 0;
        for (DeviceView d : byBdf.values()) {
            GroupView g = d.getKernelGroup() == null ? null : nkById.get(d.getKernelGroup());
            boolean same = !allChanged && !scalarsChanged && !changed.contains(d.getBdf())
                    && (d.getKernelGroup() == null || kernelById.get(d.getKernelGroup()) == g);
            if (same) {
                per.add(perDevice.get(i));
            } else {
                List<Condition> c = new ArrayList<>(0);
                AlertRules.device(hostId, d, g, f, c);
                per.add(c);
            }
            i++;
        }

        // peer-to-peer hazards: few, made again whenever they or a device changed
        List<Condition> hz;
        if (!first && !allChanged && changed.isEmpty() && view.getHazards() == hazards) {
            hz = p2p;
        } else if (view.getHazards().isEmpty()) {
            hz = List.of();
        } else {
            hz = new ArrayList<>();
            AlertRules.p2pHazards(hostId, view, byBdf, hz);
        }

        facts = f;
        devices = nd;
        kernel = nk;
        kernelById = nkById;
        live = nl;
        isolation = iso;
        stale = st;
        reserved = res;
        perDevice = per;
        hazards = view.getHazards();
        p2p = hz;

        List<Condition> out = new ArrayList<>();
        iso.forEach(out::addAll);
        st.forEach(out::addAll);
        res.forEach(out::addAll);
        per.forEach(out::addAll);
        out.addAll(hz);
        return out;
    }

    /** Adds to {@code out} every device named by a report that differs between {@code before} and {@code after}. */
    private static void reportedDevices(Map<String, HostFacts.Mappings> before, Map<String, HostFacts.Mappings> after,
                                           Set<String> out) {
        Set<String> owners = new HashSet<>(before.keySet());
        owners.addAll(after.keySet());
        for (String owner : owners) {
            HostFacts.Mappings b = before.get(owner);
            HostFacts.Mappings a = after.get(owner);
            if (!Objects.equals(a, b)) {
                if (b != null) {
                    out.addAll(b.devices());
                }
                if (a != null) {
                    out.addAll(a.devices());
                }
            }
        }
    }

    /** Where each group of {@code now} was in {@code before}, by identity (the emulator keeps unchanged groups). */
    private static Map<GroupView, Integer> positions(List<GroupView> before, List<GroupView> now) {
        Map<GroupView, Integer> out = new IdentityHashMap<>();
        if (before == null) {
            return out;
        }
        if (before.size() == now.size()) {
            for (int i = 0; i < now.size(); i++) {
                if (before.get(i) == now.get(i)) {
                    out.put(now.get(i), i);
                }
            }
            if (out.size() == now.size()) {
                return out;
            }
        }
        for (int i = 0; i < before.size(); i++) {
            out.putIfAbsent(before.get(i), i);
        }
        return out;
    }

    private static boolean touches(GroupView g, Set<String> changed) {
        if (changed.isEmpty()) {
            return false;
        }
        for (String bdf : g.getDevices()) {
            if (changed.contains(bdf)) {
                return true;
            }
        }
        return false;
    }
}
