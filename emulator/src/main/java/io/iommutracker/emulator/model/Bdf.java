package io.iommutracker.emulator.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PCI function address, domain:bus:device.function, as Linux names it (dev_name of a pci_dev). */
public record Bdf(int domain, int bus, int device, int function) implements Comparable<Bdf> {

    private static final Pattern FORM = Pattern.compile(
            "(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

    public Bdf {
        if (domain < 0 || bus < 0 || bus > 0xff || device < 0 || device > 0x1f || function < 0 || function > 7) {
            throw new IllegalArgumentException("not a PCI address: domain=" + domain + " bus=" + bus
                    + " device=" + device + " function=" + function);
        }
    }

    /** Parses {@code 0000:00:1f.3} or {@code 00:1f.3} (domain 0). */
    public static Bdf parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("malformed PCI address '" + text + "': expected dddd:bb:dd.f");
        }
        int domain = m.group(1) == null ? 0 : Integer.parseUnsignedInt(m.group(1), 16);
        return new Bdf(domain, Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4)));
    }

    public static boolean isValid(String text) {
        return text != null && FORM.matcher(text.trim()).matches();
    }

    public static Bdf of(int domain, int bus, int devfn) {
        return new Bdf(domain, bus, devfn >> 3, devfn & 7);
    }

    /** PCI_DEVFN(slot, func). */
    public int devfn() {
        return (device << 3) | function;
    }

    /** The 16-bit requester ID: bus << 8 | devfn. */
    public int rid() {
        return (bus << 8) | devfn();
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", domain, bus, device, function);
    }

    @Override
    public int compareTo(Bdf o) {
        int c = Integer.compare(domain, o.domain);
        if (c == 0) c = Integer.compare(bus, o.bus);
        if (c == 0) c = Integer.compare(devfn(), o.devfn());
        return c;
    }
}
