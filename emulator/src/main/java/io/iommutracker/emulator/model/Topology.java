package io.iommutracker.emulator.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The PCI device tree of one host: devices by (domain, bus, devfn) and, for every bus, the bridge whose secondary bus
 * it is (bus->self). A bus without such a bridge is a root bus. Immutable, structurally shared between versions.
 */
public final class Topology {

    /** Deeper hierarchies than this can only come from a bus-number loop in bad data. */
    private static final int MAX_DEPTH = 256;
    private static final Topology EMPTY = new Topology(LongTrie.empty(), LongTrie.empty(), LongTrie.empty());

    private final LongTrie<Device> devices;
    /** bus->self by address: the same object while no bridge's bus numbers change, which readers rely on. */
    private final LongTrie<Bdf> bridgeBySecondary;
    /**
     * bus->self as the device itself, the device {@link #bridgeBySecondary} names: one lookup in a shallow trie for
     * {@link #parent}, the climb every grouping rule makes, instead of two. Changes whenever such a bridge does.
     */
    private final LongTrie<Device> selfBySecondary;

    private Topology(LongTrie<Device> devices, LongTrie<Bdf> bridgeBySecondary, LongTrie<Device> selfBySecondary) {
        this.devices = devices;
        this.bridgeBySecondary = bridgeBySecondary;
        this.selfBySecondary = selfBySecondary;
    }

    public static Topology empty() {
        return EMPTY;
    }

    public int size() {
        return devices.size();
    }

    public Device device(Bdf bdf) {
        return devices.get(Keys.device(bdf));
    }

    /** The device with trie key {@code key} ({@link Keys#device}), or null. */
    public Device deviceAt(long key) {
        return devices.get(key);
    }

    public Device device(int domain, int bus, int devfn) {
        return devices.get(Keys.device(domain, bus, devfn));
    }

    public boolean contains(Bdf bdf) {
        return devices.containsKey(Keys.device(bdf));
    }

    /** Every device in (domain, bus, devfn) order. */
    public List<Device> all() {
        return devices.values();
    }

    /** Visits the devices of one bus in devfn order, as {@link #onBus} lists them. */
    public void forEachOnBus(int domain, int bus, java.util.function.Consumer<Device> visitor) {
        devices.forEachInRange(Keys.device(domain, bus, 0), Keys.device(domain, bus, 0xff), visitor);
    }

    /** bus->devices, in devfn order. */
    public List<Device> onBus(int domain, int bus) {
        return devices.range(Keys.device(domain, bus, 0), Keys.device(domain, bus, 0xff));
    }

    /** bus->self for the bus of {@code d}: the bridge whose secondary bus it sits on; null on a root bus. */
    public Device parent(Device d) {
        return busSelf(d.bdf().domain(), d.bdf().bus());
    }

    public Device busSelf(int domain, int bus) {
        return selfBySecondary.get(Keys.bus(domain, bus));
    }

    /** bus->self read the long way, through the address index: what {@link #busSelf} must always equal. */
    Device busSelfByAddress(int domain, int bus) {
        Bdf b = bridgeBySecondary.get(Keys.bus(domain, bus));
        return b == null ? null : device(b);
    }

    /** pci_is_root_bus(). */
    public boolean isRootBus(int domain, int bus) {
        return busSelf(domain, bus) == null;
    }

    /** The bridges above {@code d}, nearest first, ending with the one on a root bus. */
    public List<Device> upstream(Device d) {
        List<Device> chain = new ArrayList<>(4);
        Device p = parent(d);
        while (p != null && chain.size() < MAX_DEPTH) {
            chain.add(p);
            p = parent(p);
        }
        return chain;
    }

    /** The bridges of a domain, by secondary bus number. */
    public List<Device> bridges(int domain) {
        return selfBySecondary.range(Keys.bus(domain, 0), Keys.bus(domain, 0xff));
    }

    /** Whether some bridge's [secondary, subordinate] range contains {@code bus}. */
    public boolean covered(int domain, int bus) {
        if (!isRootBus(domain, bus)) {
            return true;
        }
        for (Device br : bridges(domain)) {
            if (br.secondary() <= bus && bus <= br.subordinate()) {
                return true;
            }
        }
        return false;
    }

    /** Visits the key of every device added, removed or replaced between {@code other} and this version. */
    public void changedDevices(Topology other, LongConsumer changed) {
        devices.diff(other.devices, changed);
    }

    /**
     * Visits the key ({@link Keys#bus}) of every bus whose bridge (bus->self) differs between {@code other} and this
     * version, including buses only one of them has a bridge for. Costs O(changed buses) between related versions.
     */
    public void changedBusSelves(Topology other, LongConsumer changed) {
        if (bridgeBySecondary == other.bridgeBySecondary) {
            return;
        }
        bridgeBySecondary.diff(other.bridgeBySecondary, bus -> {
            if (!java.util.Objects.equals(bridgeBySecondary.get(bus), other.bridgeBySecondary.get(bus))) {
                changed.accept(bus);
            }
        });
    }

    /**
     * Whether the bus->self index is the same object in both versions: then no bridge's bus numbers changed, so with
     * the same device keys every device has the same parent chain and the same probe-order position.
     */
    public boolean sameBridgeIndex(Topology other) {
        return bridgeBySecondary == other.bridgeBySecondary;
    }

    public Topology with(Device d) {
        Device old = device(d.bdf());
        LongTrie<Bdf> idx = bridgeBySecondary;
        LongTrie<Device> selves = selfBySecondary;
        if (old != null && old.secondary() == d.secondary()
                && (d.secondary() < 0 || d.bdf().equals(idx.get(Keys.bus(d.bdf().domain(), d.secondary()))))) {
            // same bus numbering: the bus->self index is unchanged, and staying the same object says so to readers
            if (d.secondary() >= 0) {
                selves = selves.put(Keys.bus(d.bdf().domain(), d.secondary()), d);
            }
            return new Topology(devices.put(d.key(), d), idx, selves);
        }
        if (old != null && old.secondary() >= 0) {
            long k = Keys.bus(old.bdf().domain(), old.secondary());
            if (old.bdf().equals(idx.get(k))) {
                idx = idx.remove(k);
                selves = selves.remove(k);
            }
        }
        if (d.secondary() >= 0) {
            long k = Keys.bus(d.bdf().domain(), d.secondary());
            idx = idx.put(k, d.bdf());
            selves = selves.put(k, d);
        }
        return new Topology(devices.put(d.key(), d), idx, selves);
    }

    public Topology without(Bdf bdf) {
        Device old = device(bdf);
        if (old == null) {
            return this;
        }
        LongTrie<Bdf> idx = bridgeBySecondary;
        LongTrie<Device> selves = selfBySecondary;
        if (old.secondary() >= 0) {
            long k = Keys.bus(old.bdf().domain(), old.secondary());
            if (old.bdf().equals(idx.get(k))) {
                idx = idx.remove(k);
                selves = selves.remove(k);
            }
        }
        return new Topology(devices.remove(old.key()), idx, selves);
    }
}
