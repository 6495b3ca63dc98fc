package io.iommutracker.streams.topology;

import io.iommutracker.avro.ChangeKind;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuChange;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.ResvRegion;
import io.iommutracker.avro.ViewKind;
import io.iommutracker.streams.alerts.Regions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The changes between two views of one host, for both the kernel and the live view: groups formed, released, split,
 * merged, devices moved between groups, reserved regions added / removed per group, and usable IOVA changed.
 * An empty list means nothing a consumer cares about changed.
 */
public final class ViewDiff {

    /** Equal but for the stamp (sequence, time): a rebuilt view that says nothing new is not published again. */
    public static boolean sameContent(HostView a, HostView b) {
        return a.getDegraded() == b.getDegraded() && a.getDeviceCount() == b.getDeviceCount()
                && Objects.equals(a.getHostId(), b.getHostId()) && Objects.equals(a.getPlatform(), b.getPlatform())
                && a.getKernelGroups().equals(b.getKernelGroups()) && a.getLiveGroups().equals(b.getLiveGroups())
                && a.getDevices().equals(b.getDevices()) && a.getUsableIova().equals(b.getUsableIova())
                && a.getHazards().equals(b.getHazards());
    }

    private ViewDiff() {
    }

    public static List<IommuChange> diff(String hostId, HostView before, HostView after, long sequence, long at) {
        return diff(hostId, before, after, sequence, at, true);
    }

    /** With {@code onlyChanged} false every group takes part (the reference the restriction must agree with). */
    static List<IommuChange> diff(String hostId, HostView before, HostView after, long sequence, long at, boolean onlyChanged) {
        List<IommuChange> out = new ArrayList<>();
        Ctx ctx = new Ctx(hostId, sequence, Instant.ofEpochMilli(at), out);
        // most events change neither view's groups nor any usable IOVA: equal lists cannot differ in anything diffed
        List<GroupView> kb = before == null ? List.of() : before.getKernelGroups();
        List<GroupView> ka = after == null ? List.of() : after.getKernelGroups();
        if (!same(kb, ka)) {
            groups(ctx, ViewKind.KERNEL, onlyChanged ? changed(kb, ka) : kb, onlyChanged ? changed(ka, kb) : ka);
        }
        List<GroupView> lb = before == null ? List.of() : before.getLiveGroups();
        List<GroupView> la = after == null ? List.of() : after.getLiveGroups();
        if (!same(lb, la)) {
            groups(ctx, ViewKind.LIVE, onlyChanged ? changed(lb, la) : lb, onlyChanged ? changed(la, lb) : la);
        }
        List<GroupIova> ib = before == null ? List.of() : before.getUsableIova();
        List<GroupIova> ia = after == null ? List.of() : after.getUsableIova();
        if (!same(ib, ia)) {
            iova(ctx, ib, ia);
        }
        return out;
    }

    /**
     * List equality that compares elements by identity first: the emulator shares every unchanged element. By
     * iterators: the emulator's lists are persistent trees, whose {@code get(i)} is a descent.
     */
    static boolean same(List<?> a, List<?> b) {
        if (a == b) {
            return true;
        }
        if (a.size() != b.size()) {
            return false;
        }
        java.util.Iterator<?> ia = a.iterator();
        java.util.Iterator<?> ib = b.iterator();
        while (ia.hasNext()) {
            Object x = ia.next();
            Object y = ib.next();
            if (x != y && (x == null || !x.equals(y))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The groups of {@code side} that are not in {@code other} unchanged (same id, same content). Only these can take
     * part in a change: the two lists partition the devices, so a device of an unchanged group stays in it, and every
     * device that moved left a changed group for a changed group. Unchanged groups are usually the very same objects
     * (the emulator memoises them), so this costs an identity check per group.
     */
    static List<GroupView> changed(List<GroupView> side, List<GroupView> other) {
        GroupView[] sides = side.toArray(new GroupView[0]);
        GroupView[] others = other.toArray(new GroupView[0]);
        int[] partners = GroupIds.partners(sides, others);
        if (partners != null) {
            List<GroupView> out = new ArrayList<>();
            for (int j = 0; j < sides.length; j++) {
                GroupView g = sides[j];
                GroupView twin = partners[j] < 0 ? null : others[partners[j]];
                if (twin != g && !g.equals(twin)) {
                    out.add(g);
                }
            }
            return out;
        }
        Map<Integer, GroupView> byId = new java.util.HashMap<>();
        for (GroupView g : others) {
            byId.put(g.getId(), g);
        }
        List<GroupView> out = new ArrayList<>();
        for (GroupView g : sides) {
            GroupView o = byId.get(g.getId());
            if (o != g && !g.equals(o)) {
                out.add(g);
            }
        }
        return out;
    }

    private record Ctx(String host, long seq, Instant at, List<IommuChange> out) {
        void emit(ViewKind view, ChangeKind kind, Set<Integer> groups, Set<String> devices, List<String> before, List<String> after) {
            // the constructor: every field is set, which a builder would validate and flag one by one
            out.add(new IommuChange(host, seq, at, view, kind, List.copyOf(new TreeSet<>(groups)),
                    List.copyOf(new TreeSet<>(devices)), before, after));
        }
    }

    private static void groups(Ctx ctx, ViewKind view, List<GroupView> beforeList, List<GroupView> afterList) {
        Map<Integer, GroupView> before = byId(beforeList);
        Map<Integer, GroupView> after = byId(afterList);
        Map<String, Integer> wasIn = memberships(beforeList);
        Map<String, Integer> nowIn = memberships(afterList);
        Set<String> explained = new TreeSet<>();

        for (GroupView g : after.values()) {
            Set<Integer> sources = new TreeSet<>();
            for (String d : g.getDevices()) {
                if (wasIn.containsKey(d)) {
                    sources.add(wasIn.get(d));
                }
            }
            if (sources.isEmpty() && !before.containsKey(g.getId())) {
                ctx.emit(view, ChangeKind.GROUP_FORMED, Set.of(g.getId()), Set.copyOf(g.getDevices()), List.of(), members(g));
                explained.addAll(g.getDevices());
            } else if (sources.size() > 1) {
                Set<Integer> ids = new TreeSet<>(sources);
                ids.add(g.getId());
                List<String> was = new ArrayList<>();
                for (int s : sources) {
                    was.addAll(members(before.get(s)));
                }
                ctx.emit(view, ChangeKind.GROUP_MERGED, ids, Set.copyOf(g.getDevices()), was, members(g));
                explained.addAll(g.getDevices());
            }
        }
        for (GroupView g : before.values()) {
            Set<Integer> targets = new TreeSet<>();
            for (String d : g.getDevices()) {
                if (nowIn.containsKey(d)) {
                    targets.add(nowIn.get(d));
                }
            }
            if (targets.isEmpty() && !after.containsKey(g.getId())) {
                ctx.emit(view, ChangeKind.GROUP_RELEASED, Set.of(g.getId()), Set.copyOf(g.getDevices()), members(g), List.of());
                explained.addAll(g.getDevices());
            } else if (targets.size() > 1) {
                Set<Integer> ids = new TreeSet<>(targets);
                ids.add(g.getId());
                List<String> now = new ArrayList<>();
                for (int t : targets) {
                    now.addAll(members(after.get(t)));
                }
                ctx.emit(view, ChangeKind.GROUP_SPLIT, ids, Set.copyOf(g.getDevices()), members(g), now);
                explained.addAll(g.getDevices());
            }
        }
        // A device joining, leaving or changing group outside a split / merge / formation / release.
        Set<String> all = new TreeSet<>(wasIn.keySet());
        all.addAll(nowIn.keySet());
        for (String d : all) {
            Integer was = wasIn.get(d);
            Integer now = nowIn.get(d);
            if (explained.contains(d) || java.util.Objects.equals(was, now)) {
                continue;
            }
            Set<Integer> ids = new TreeSet<>();
            List<String> b = new ArrayList<>();
            List<String> a = new ArrayList<>();
            if (was != null) {
                ids.add(was);
                b.addAll(members(before.get(was)));
            }
            if (now != null) {
                ids.add(now);
                a.addAll(members(after.get(now)));
            }
            ctx.emit(view, ChangeKind.DEVICE_MOVED, ids, Set.of(d), b, a);
        }
        Set<Integer> ids = new TreeSet<>(before.keySet());
        ids.addAll(after.keySet());
        for (int id : ids) {
            GroupView gb = before.get(id);
            GroupView ga = after.get(id);
            if (gb != null && ga != null && gb.getReservedRegions().equals(ga.getReservedRegions())) {
                continue;
            }
            Set<String> was = regions(before.get(id));
            Set<String> now = regions(after.get(id));
            Set<String> added = new TreeSet<>(now);
            added.removeAll(was);
            Set<String> removed = new TreeSet<>(was);
            removed.removeAll(now);
            Set<String> devices = new TreeSet<>();
            if (after.get(id) != null) {
                devices.addAll(after.get(id).getDevices());
            } else if (before.get(id) != null) {
                devices.addAll(before.get(id).getDevices());
            }
            if (!added.isEmpty()) {
                ctx.emit(view, ChangeKind.REGION_ADDED, Set.of(id), devices, List.copyOf(was), List.copyOf(now));
            }
            if (!removed.isEmpty()) {
                ctx.emit(view, ChangeKind.REGION_REMOVED, Set.of(id), devices, List.copyOf(was), List.copyOf(now));
            }
        }
    }

    private static void iova(Ctx ctx, List<GroupIova> beforeList, List<GroupIova> afterList) {
        if (beforeList.size() == afterList.size() && uniqueKeys(beforeList) && uniqueKeys(afterList)) {
            // one entry per group and API on each side: an entry shared in place is that key's entry on both
            // sides, which the comparison below skips anyway (the emulator shares every unchanged entry)
            List<GroupIova> b = new ArrayList<>();
            List<GroupIova> a = new ArrayList<>();
            java.util.Iterator<GroupIova> ib = beforeList.iterator();
            for (GroupIova y : afterList) {
                GroupIova x = ib.next();
                if (x != y) {
                    b.add(x);
                    a.add(y);
                }
            }
            beforeList = b;
            afterList = a;
        }
        Map<String, GroupIova> before = new TreeMap<>();
        for (GroupIova g : beforeList) {
            before.put(g.getGroup() + "/" + g.getApi(), g);
        }
        Map<String, GroupIova> after = new TreeMap<>();
        for (GroupIova g : afterList) {
            after.put(g.getGroup() + "/" + g.getApi(), g);
        }
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (String k : keys) {
            GroupIova b = before.get(k);
            GroupIova a = after.get(k);
            // same key, same group and API: equal ranges are equal entries, and need no formatting to tell
            if (b == a || (b != null && b.equals(a))) {
                continue;
            }
            List<String> was = ranges(b);
            List<String> now = ranges(a);
            if (!was.equals(now)) {
                int group = (before.get(k) != null ? before.get(k) : after.get(k)).getGroup();
                ctx.emit(ViewKind.KERNEL, ChangeKind.IOVA_CHANGED, Set.of(group), Set.of(), prefixed(k, was), prefixed(k, now));
            }
        }
    }

    private static List<String> prefixed(String key, List<String> ranges) {
        String api = key.substring(key.indexOf('/') + 1) + " ";
        String[] out = new String[ranges.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = api.concat(ranges.get(i));
        }
        return List.of(out);
    }

    /** Whether no group and API is listed twice. */
    private static boolean uniqueKeys(List<GroupIova> list) {
        long[] keys = new long[list.size()];
        int n = 0;
        for (GroupIova g : list) {
            keys[n++] = ((long) g.getGroup() << 8) | g.getApi().ordinal();
        }
        java.util.Arrays.sort(keys);
        for (int i = 1; i < keys.length; i++) {
            if (keys[i] == keys[i - 1]) {
                return false;
            }
        }
        return true;
    }

    private static List<String> ranges(GroupIova g) {
        if (g == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (IovaRange r : g.getRanges()) {
            StringBuilder b = new StringBuilder(37);
            Regions.hex16(b, r.getStart()).append('-');
            out.add(Regions.hex16(b, r.getEnd()).toString());
        }
        return out;
    }

    private static Map<Integer, GroupView> byId(List<GroupView> groups) {
        Map<Integer, GroupView> m = new TreeMap<>();
        for (GroupView g : groups) {
            m.put(g.getId(), g);
        }
        return m;
    }

    private static Map<String, Integer> memberships(List<GroupView> groups) {
        Map<String, Integer> m = new TreeMap<>();
        for (GroupView g : groups) {
            for (String d : g.getDevices()) {
                m.put(d, g.getId());
            }
        }
        return m;
    }

    private static List<String> members(GroupView g) {
        return g == null ? List.of() : g.getDevices().stream().sorted().map(d -> "group " + g.getId() + ": " + d).toList();
    }

    private static Set<String> regions(GroupView g) {
        Set<String> out = new TreeSet<>();
        if (g != null) {
            for (ResvRegion r : g.getReservedRegions()) {
                out.add(Regions.sysfsLine(r));
            }
        }
        return out;
    }
}
