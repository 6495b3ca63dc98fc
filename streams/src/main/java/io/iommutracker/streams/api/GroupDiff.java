package io.iommutracker.streams.api;

import io.iommutracker.avro.GroupView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Where the kernel view and the live view disagree. Groups are linked through the devices they share; each linked
 * set in which the two views differ is one entry: a kernel group the hardware now splits, kernel groups it now
 * merges, a wider regrouping, groups with the same members but other reserved regions, or a group known to one view only.
 */
public final class GroupDiff {

    public enum Kind { SPLIT, MERGED, REGROUPED, MEMBERS_CHANGED, REGIONS_CHANGED, KERNEL_ONLY, LIVE_ONLY }

    public record Entry(Kind kind, List<GroupView> kernel, List<GroupView> live) {
    }

    private GroupDiff() {
    }

    public static List<Entry> between(List<GroupView> kernel, List<GroupView> live) {
        // union-find over "k<id>" and "l<id>" nodes, joined by each device's membership in both views
        Map<String, String> parent = new HashMap<>();
        Map<String, String> groupOfDeviceK = new HashMap<>();
        for (GroupView g : kernel) {
            parent.put("k" + g.getId(), "k" + g.getId());
            for (String d : g.getDevices()) {
                groupOfDeviceK.put(d, "k" + g.getId());
            }
        }
        for (GroupView g : live) {
            parent.put("l" + g.getId(), "l" + g.getId());
            for (String d : g.getDevices()) {
                String k = groupOfDeviceK.get(d);
                if (k != null) {
                    union(parent, k, "l" + g.getId());
                }
            }
        }
        Map<String, List<GroupView>> compK = new HashMap<>();
        Map<String, List<GroupView>> compL = new HashMap<>();
        for (GroupView g : kernel) {
            compK.computeIfAbsent(find(parent, "k" + g.getId()), x -> new ArrayList<>()).add(g);
        }
        for (GroupView g : live) {
            compL.computeIfAbsent(find(parent, "l" + g.getId()), x -> new ArrayList<>()).add(g);
        }
        TreeSet<String> roots = new TreeSet<>(compK.keySet());
        roots.addAll(compL.keySet());
        List<Entry> out = new ArrayList<>();
        for (String root : roots) {
            List<GroupView> ks = compK.getOrDefault(root, List.of());
            List<GroupView> ls = compL.getOrDefault(root, List.of());
            Kind kind = classify(ks, ls);
            if (kind != null) {
                out.add(new Entry(kind, ks, ls));
            }
        }
        out.sort((a, b) -> Integer.compare(firstId(a), firstId(b)));
        return out;
    }

    private static int firstId(Entry e) {
        return !e.kernel().isEmpty() ? e.kernel().get(0).getId() : e.live().get(0).getId();
    }

    private static Kind classify(List<GroupView> ks, List<GroupView> ls) {
        if (ls.isEmpty()) {
            return Kind.KERNEL_ONLY;
        }
        if (ks.isEmpty()) {
            return Kind.LIVE_ONLY;
        }
        if (ks.size() == 1 && ls.size() == 1) {
            GroupView k = ks.get(0);
            GroupView l = ls.get(0);
            if (!new TreeSet<>(k.getDevices()).equals(new TreeSet<>(l.getDevices()))) {
                return Kind.MEMBERS_CHANGED;
            }
            return Objects.equals(k.getReservedRegions(), l.getReservedRegions()) ? null : Kind.REGIONS_CHANGED;
        }
        if (ks.size() == 1) {
            return Kind.SPLIT;
        }
        return ls.size() == 1 ? Kind.MERGED : Kind.REGROUPED;
    }

    private static String find(Map<String, String> parent, String x) {
        String p = parent.get(x);
        while (!p.equals(x)) {
            x = p;
            p = parent.get(x);
        }
        return p;
    }

    private static void union(Map<String, String> parent, String a, String b) {
        String ra = find(parent, a);
        String rb = find(parent, b);
        if (!ra.equals(rb)) {
            parent.put(rb, ra);
        }
    }
}
