package io.iommutracker.emulator.view;

import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.Topology;
import java.util.Arrays;
import java.util.Map;

/**
 * A device's place in boot probe order ({@link io.iommutracker.emulator.group.ProbeOrder}) as a key that compares
 * without the rest of the host: (domain, root bus), then one element per bridge on the way down ({@code 256 + devfn}),
 * then the device's devfn. The scan lists a bus's own devices before descending into its bridges in devfn order, so
 * a devfn (below 256) sorts before every descent from the same bus and descents sort by bridge devfn. The path to a
 * bus (without a last devfn) is a prefix of the keys of exactly the devices on and below that bus.
 */
final class ProbeKey implements Comparable<ProbeKey> {

    /**
     * Deeper than a domain's 256 buses: only a bus-number loop, whose buses the scan reaches in no root's order. Events
     * cannot make one (a bridge's secondary bus lies above its own); kept for states restored from elsewhere.
     */
    static final class Unrooted extends RuntimeException {
        Unrooted() {
            super(null, null, false, false);
        }
    }

    private final int[] path;
    private final int hash;
    /**
     * The domain and the next four elements (each plus one, 0 for none, so a shorter path sorts first) packed to
     * compare as one unsigned long: most comparisons end here, before the array.
     */
    private final long head;

    private ProbeKey(int[] path) {
        this.path = path;
        this.hash = Arrays.hashCode(path);
        long h = Integer.toUnsignedLong(path[0]) & 0xffff;
        for (int i = 1; i <= 4; i++) {
            h = (h << 10) | (i < path.length ? path[i] + 1 : 0);
        }
        this.head = path[0] >>> 16 == 0 ? h : -1L;
    }

    /** The key of {@code d} in {@code topo}; {@code buses} memoises bus paths within one derivation. */
    static ProbeKey of(Topology topo, Device d, Map<Long, int[]> buses) {
        int[] bus = busPath(topo, d.bdf().domain(), d.bdf().bus(), buses, 0);
        int[] p = Arrays.copyOf(bus, bus.length + 1);
        p[bus.length] = d.bdf().devfn();
        return new ProbeKey(p);
    }

    /** The path to a bus: a key below every key of a device on or below it, and a prefix of each of them. */
    static ProbeKey bus(Topology topo, int domain, int bus, Map<Long, int[]> buses) {
        return new ProbeKey(busPath(topo, domain, bus, buses, 0));
    }

    private static int[] busPath(Topology topo, int domain, int bus, Map<Long, int[]> buses, int depth) {
        long key = Keys.bus(domain, bus);
        int[] known = buses.get(key);
        if (known != null) {
            return known;
        }
        if (depth > 256) {
            throw new Unrooted();
        }
        Device self = topo.busSelf(domain, bus);
        int[] out;
        if (self == null) {
            out = new int[] {domain, bus};
        } else {
            int[] up = busPath(topo, domain, self.bdf().bus(), buses, depth + 1);
            out = Arrays.copyOf(up, up.length + 1);
            out[up.length] = 256 + self.bdf().devfn();
        }
        buses.put(key, out);
        return out;
    }

    /** Whether this key lies on or below the bus whose path is {@code bus}. */
    boolean below(ProbeKey bus) {
        return path.length > bus.path.length && Arrays.equals(path, 0, bus.path.length, bus.path, 0, bus.path.length);
    }

    @Override
    public int compareTo(ProbeKey o) {
        if (head != o.head && head != -1L && o.head != -1L) {
            return Long.compareUnsigned(head, o.head);
        }
        int c = Integer.compareUnsigned(path[0], o.path[0]);
        if (c != 0) {
            return c;
        }
        int n = Math.min(path.length, o.path.length);
        for (int i = 1; i < n; i++) {
            if (path[i] != o.path[i]) {
                return Integer.compare(path[i], o.path[i]);
            }
        }
        return Integer.compare(path.length, o.path.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProbeKey k && hash == k.hash && Arrays.equals(path, k.path);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return Arrays.toString(path);
    }
}
