package io.iommutracker.emulator.model;

/** Trie keys: a device is (domain, bus, devfn), a bus is (domain, bus); both order like the kernel lists them. */
public final class Keys {

    private Keys() {
    }

    public static long device(Bdf bdf) {
        return device(bdf.domain(), bdf.bus(), bdf.devfn());
    }

    public static long device(int domain, int bus, int devfn) {
        return (Integer.toUnsignedLong(domain) << 16) | ((long) bus << 8) | devfn;
    }

    public static long bus(int domain, int bus) {
        return (Integer.toUnsignedLong(domain) << 8) | bus;
    }

    public static long bus(Bdf bdf) {
        return bus(bdf.domain(), bdf.bus());
    }

    public static Bdf bdf(long deviceKey) {
        return Bdf.of((int) (deviceKey >>> 16), (int) (deviceKey >>> 8) & 0xff, (int) deviceKey & 0xff);
    }
}
