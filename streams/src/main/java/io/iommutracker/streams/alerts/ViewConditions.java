package io.iommutracker.streams.alerts;

import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.streams.topology.GroupIds;
import io.iommutracker.streams.topology.HostFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
    /** {@link #devices}, {@link #kernel} and {@link #live} as arrays: the emulator's lists are persistent trees, whose
     *  {@code get(i)} is a descent, so each list is read once per evaluation by its iterator and indexed here. */
    private DeviceView[] deviceArray;
    private Map<String, DeviceView> byBdf;
    private List<GroupView> kernel;
    private GroupView[] kernelArray;
    private Map<Integer, GroupView> kernelById;
    private List<GroupView> live;
    private GroupView[] liveArray;
    private List<List<Condition>> isolation;
    private List<List<Condition>> stale;
    private List<List<Condition>> reserved;
    private List<List<Condition>> perDevice;
    private List<P2pHazard> hazards;
    private List<Condition> p2p;
    /** The last answer, and the same sorted by fingerprint: the very objects again while no piece changed. */
    private List<Condition> out;
    private List<Condition> sorted;
    /** The {@link #out} that {@link #sorted} was made from. */
    private List<Condition> sortedFrom;

    private ViewConditions(String hostId) {
        this.hostId = hostId;
    }

    static List<Condition> of(String hostId, HostView view, HostFacts facts) {
        return MEMOS.get().computeIfAbsent(hostId, ViewConditions::new).update(view, facts);
    }

    /**
     * The conditions sorted by fingerprint (as {@link AlertRules#evaluate} gives them), unmodifiable. While no piece
     * changed it is the same list object as the last call's, so a caller can tell "nothing changed" by identity.
     */
    static List<Condition> sortedOf(String hostId, HostView view, HostFacts facts) {
        ViewConditions memo = MEMOS.get().computeIfAbsent(hostId, ViewConditions::new);
        List<Condition> now = memo.update(view, facts);
        if (now != memo.sortedFrom) {
            memo.sorted = List.copyOf(AlertRules.byFingerprint(new ArrayList<>(now)));
            memo.sortedFrom = now;
        }
        return memo.sorted;
    }

    private List<Condition> update(HostView view, HostFacts f) {
        boolean first = devices == null;
        // which device views differ from the last view's, by address
        Set<String> changed = new HashSet<>();
        boolean allChanged = first;
        List<DeviceView> nd = view.getDevices();
        DeviceView[] nda = nd == devices ? deviceArray : nd.toArray(new DeviceView[0]);
        DeviceView[] oda = deviceArray;
        List<List<Condition>> oldPer = perDevice;
        if (!first && nd != devices) {
            boolean aligned = nda.length == oda.length;
            for (int i = 0; i < nda.length && aligned; i++) {
                DeviceView a = oda[i];
                DeviceView b = nda[i];
                if (a != b) {
                    aligned = a.getBdf().equals(b.getBdf());
                    changed.add(b.getBdf());
                }
            }
            if (aligned) {
                for (DeviceView d : nda) {
                    if (changed.contains(d.getBdf())) {
                        byBdf.put(d.getBdf(), d);
                    }
                }
            } else {
                // devices came or went: a new map, and the old per-device conditions found by address
                Map<String, DeviceView> was = byBdf;
                Map<String, List<Condition>> perWas = new HashMap<>();
                int i = 0;
                for (String bdf : was.keySet()) {
                    perWas.put(bdf, oldPer.get(i++));
                }
                byBdf = new LinkedHashMap<>();
                for (DeviceView d : nda) {
                    byBdf.put(d.getBdf(), d);
                }
                changed.clear();
                for (DeviceView d : byBdf.values()) {
                    if (was.get(d.getBdf()) != d) {
                        changed.add(d.getBdf());
                    }
                }
                for (String bdf : was.keySet()) {
                    if (!byBdf.containsKey(bdf)) {
                        changed.add(bdf);
                    }
                }
                oldPer = new ArrayList<>(byBdf.size());
                for (String bdf : byBdf.keySet()) {
                    oldPer.add(perWas.get(bdf));
                }
            }
        }
        if (first) {
            byBdf = new LinkedHashMap<>();
            for (DeviceView d : nda) {
                byBdf.put(d.getBdf(), d);
            }
        }
        if (byBdf.size() != nda.length) {
            // a device listed twice: the last listing wins, as in a map built afresh; nothing is reused
            byBdf = new LinkedHashMap<>();
            for (DeviceView d : nda) {
                byBdf.put(d.getBdf(), d);
            }
            allChanged = true;
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
        GroupView[] nla = nl == live ? liveArray : nl.toArray(new GroupView[0]);
        int[] oldLive = positions(first ? null : liveArray, nla);
        Set<Integer> liveTouched = groupsOf(changed, true);
        List<List<Condition>> iso = new ArrayList<>(nla.length);
        List<List<Condition>> st = new ArrayList<>(nla.length);
        for (int j = 0; j < nla.length; j++) {
            GroupView g = nla[j];
            int at = oldLive[j];
            if (!allChanged && at >= 0 && !touches(g, changed, liveTouched)) {
                iso.add(isolation.get(at));
                st.add(stale.get(at));
                continue;
            }
            List<Condition> a = new ArrayList<>(0);
            AlertRules.isolation(hostId, g, byBdf, a);
            iso.add(same(a, at < 0 ? null : isolation.get(at)));
            List<Condition> b = new ArrayList<>(0);
            AlertRules.staleGroup(hostId, g, byBdf, b);
            st.add(same(b, at < 0 ? null : stale.get(at)));
        }

        // kernel groups: reserved-region conflicts
        List<GroupView> nk = view.getKernelGroups();
        GroupView[] nka = nk == kernel ? kernelArray : nk.toArray(new GroupView[0]);
        int[] oldKernel = positions(first ? null : kernelArray, nka);
        Set<Integer> kernelTouched = groupsOf(reportChanged, false);
        List<List<Condition>> res = new ArrayList<>(nka.length);
        for (int j = 0; j < nka.length; j++) {
            GroupView g = nka[j];
            int at = oldKernel[j];
            if (!allChanged && at >= 0 && !touches(g, reportChanged, kernelTouched)) {
                res.add(reserved.get(at));
                continue;
            }
            List<Condition> c = new ArrayList<>(0);
            AlertRules.reservedConflicts(hostId, g, byBdf, f, c);
            res.add(same(c, at < 0 ? null : reserved.get(at)));
        }
        Map<Integer, GroupView> nkById = kernelById;
        if (first || nk != kernel) {
            nkById = new HashMap<>();
            for (GroupView g : nka) {
                nkById.put(g.getId(), g);
            }
        }

        // devices: require-direct, unsafe-MSI, bypass, over the map's order (by address, as first listed)
        List<List<Condition>> per = new ArrayList<>(byBdf.size());
        int i = 0;
        for (DeviceView d : byBdf.values()) {
            Integer kg = d.getKernelGroup();
            boolean same = !allChanged && !scalarsChanged && oldPer.get(i) != null
                    && (changed.isEmpty() || !changed.contains(d.getBdf()));
            if (same && nk != kernel && kg != null) {
                same = kernelById.get(kg) == nkById.get(kg);
            }
            if (same) {
                per.add(oldPer.get(i));
            } else {
                List<Condition> c = new ArrayList<>(0);
                AlertRules.device(hostId, d, kg == null ? null : nkById.get(kg), f, c);
                per.add(same(c, oldPer == null || i >= oldPer.size() ? null : oldPer.get(i)));
            }
            i++;
        }

        // peer-to-peer hazards: few, made again when they changed or a device they name (with an overlap) did
        List<Condition> hz;
        if (!first && !allChanged && view.getHazards() == hazards && !namesAny(hazards, changed)) {
            hz = p2p;
        } else if (view.getHazards().isEmpty()) {
            hz = List.of();
        } else {
            hz = new ArrayList<>();
            AlertRules.p2pHazards(hostId, view, byBdf, hz);
            hz = same(hz, p2p);
        }
        boolean unchanged = out != null && identical(iso, isolation) && identical(st, stale) && identical(res, reserved)
                && identical(per, perDevice) && hz == p2p;

        facts = f;
        devices = nd;
        deviceArray = nda;
        kernel = nk;
        kernelArray = nka;
        kernelById = nkById;
        live = nl;
        liveArray = nla;
        isolation = iso;
        stale = st;
        reserved = res;
        perDevice = per;
        hazards = view.getHazards();
        p2p = hz;

        if (unchanged) {
            return out;
        }
        List<Condition> all = new ArrayList<>();
        addAll(all, iso);
        addAll(all, st);
        addAll(all, res);
        addAll(all, per);
        all.addAll(hz);
        out = all;
        return all;
    }

    /** The old piece when the one just made equals it: unchanged pieces stay the same objects. */
    private static List<Condition> same(List<Condition> made, List<Condition> old) {
        return old != null && old.equals(made) ? old : made;
    }

    /** The same piece objects in the same order. */
    private static boolean identical(List<List<Condition>> a, List<List<Condition>> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a hazard that can raise a condition (one with an overlap) names a device in {@code changed}. */
    private static boolean namesAny(List<P2pHazard> hazards, Set<String> changed) {
        if (changed.isEmpty()) {
            return false;
        }
        for (P2pHazard h : hazards) {
            if (h.getOverlap() != null && changed.contains(h.getDevice())) {
                return true;
            }
        }
        return false;
    }

    /** Most pieces hold no condition: adding an empty list would still copy it. */
    private static void addAll(List<Condition> out, List<List<Condition>> pieces) {
        for (List<Condition> p : pieces) {
            if (!p.isEmpty()) {
                out.addAll(p);
            }
        }
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

    /**
     * For each group of {@code now}, its position in {@code before} when it is the very same object there (the
     * emulator keeps unchanged groups, usually in place), else -1.
     */
    private static int[] positions(GroupView[] before, GroupView[] now) {
        int[] out = new int[now.length];
        java.util.Arrays.fill(out, -1);
        if (before == null) {
            return out;
        }
        int[] partners = GroupIds.partners(now, before);
        if (partners != null) {
            for (int j = 0; j < now.length; j++) {
                if (partners[j] >= 0 && before[partners[j]] == now[j]) {
                    out[j] = partners[j];
                }
            }
            return out;
        }
        Map<Integer, Integer> byId = null;
        for (int j = 0; j < now.length; j++) {
            GroupView g = now[j];
            if (j < before.length && before[j] == g) {
                out[j] = j;
                continue;
            }
            if (byId == null) {
                byId = new HashMap<>();
                for (int i = 0; i < before.length; i++) {
                    byId.putIfAbsent(before[i].getId(), i);
                }
            }
            Integer i = byId.get(g.getId());
            if (i != null && before[i] == g) {
                out[j] = i;
            }
        }
        return out;
    }

    /**
     * The ids of the live (or kernel) groups that the devices in {@code bdfs} now belong to, from their device views; null
     * when one of them is in the view without that group id, and the members must be scanned instead. A device no longer
     * in the view is in no group of it.
     */
    private Set<Integer> groupsOf(Set<String> bdfs, boolean live) {
        if (bdfs.isEmpty()) {
            return Set.of();
        }
        Set<Integer> out = new HashSet<>();
        for (String bdf : bdfs) {
            DeviceView d = byBdf.get(bdf);
            if (d != null) {
                Integer id = live ? d.getLiveGroup() : d.getKernelGroup();
                if (id == null) {
                    return null;
                }
                out.add(id);
            }
        }
        return out;
    }

    /**
     * Whether a device of {@code changed} is a member of {@code g}: by its id in {@code touched} (the changed devices'
     * groups, a device view naming the group it is listed in) or, without those, by scanning the members.
     */
    private static boolean touches(GroupView g, Set<String> changed, Set<Integer> touched) {
        if (changed.isEmpty()) {
            return false;
        }
        if (touched != null) {
            return touched.contains(g.getId());
        }
        for (String bdf : g.getDevices()) {
            if (changed.contains(bdf)) {
                return true;
            }
        }
        return false;
    }
}
