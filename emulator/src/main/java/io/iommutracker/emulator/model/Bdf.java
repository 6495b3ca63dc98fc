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
        long[] f = fields(text);
        if (f == null) {
            throw new IllegalArgumentException("malformed PCI address '" + text + "': expected dddd:bb:dd.f");
        }
        return new Bdf((int) f[0], (int) f[1], (int) f[2], (int) f[3]);
    }

    public static boolean isValid(String text) {
        return text != null && fields(text) != null;
    }

    /**
     * Domain, bus, device and function of {@code text} (trimmed) when it has the form of {@link #FORM}, else null.
     * Scanned by hand: events and views name devices by text, and a regex per name is costly per event.
     */
    private static long[] fields(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        int n = t.length();
        if (n < 5 || t.charAt(n - 2) != '.' || t.charAt(n - 1) < '0' || t.charAt(n - 1) > '7') {
            return null;
        }
        int devColon = t.lastIndexOf(':', n - 3);
        if (devColon < 0) {
            return null;
        }
        long device = hex(t, devColon + 1, n - 2, 2);
        int busColon = t.lastIndexOf(':', devColon - 1);
        long bus = hex(t, busColon + 1, devColon, 2);
        long domain = busColon < 0 ? 0 : hex(t, 0, busColon, 8);
        if (device < 0 || bus < 0 || domain < 0) {
            return null;
        }
        return new long[] {domain, bus, device, t.charAt(n - 1) - '0'};
    }

    /** The value of the hex digits in [from, to), or -1 when there are none, more than {@code max}, or a non-digit. */
    private static long hex(String s, int from, int to, int max) {
        if (to <= from || to - from > max) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0 || s.charAt(i) > 'f') {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
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
