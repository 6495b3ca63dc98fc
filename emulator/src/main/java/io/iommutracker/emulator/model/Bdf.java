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

    /** dddd:bb:dd.f; formatted by hand, views name every device and String.format is costly per event. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(12);
        String d = Integer.toHexString(domain);
        for (int i = d.length(); i < 4; i++) {
            b.append('0');
        }
        b.append(d).append(':');
        hex2(b, bus).append(':');
        hex2(b, device).append('.').append(HEX[function]);
        return b.toString();
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static StringBuilder hex2(StringBuilder b, int v) {
        return b.append(HEX[(v >> 4) & 0xf]).append(HEX[v & 0xf]);
    }

    @Override
    public int compareTo(Bdf o) {
        int c = Integer.compare(domain, o.domain);
        if (c == 0) c = Integer.compare(bus, o.bus);
        if (c == 0) c = Integer.compare(devfn(), o.devfn());
        return c;
    }
}
