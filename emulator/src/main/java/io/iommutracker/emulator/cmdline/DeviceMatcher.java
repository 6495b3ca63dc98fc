package io.iommutracker.emulator.cmdline;

import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;

/**
 * A device specifier of the pci= options (pci_dev_str_match): {@code [domain:]bus:dev.fn} or
 * {@code pci:vendor:device[:subvendor:subdevice]}. Path forms ({@code bus:dev.fn/dev.fn}) match their first hop only.
 */
public sealed interface DeviceMatcher {

    boolean matches(Device d);

    record ByAddress(int domain, int bus, int devfn) implements DeviceMatcher {
        @Override
        public boolean matches(Device d) {
            return d.bdf().domain() == domain && d.bdf().bus() == bus && d.bdf().devfn() == devfn;
        }
    }

    /** -1 (0xffff in the kernel) matches any id. */
    record ById(int vendor, int device, int subVendor, int subDevice) implements DeviceMatcher {
        @Override
        public boolean matches(Device d) {
            return any(vendor, d.vendor()) && any(device, d.deviceId())
                    && any(subVendor, d.info().getSubsystemVendorId()) && any(subDevice, d.info().getSubsystemDeviceId());
        }

        private static boolean any(int want, int have) {
            return want < 0 || want == have;
        }
    }

    static DeviceMatcher parse(String text) {
        String t = text.trim();
        if (t.startsWith("pci:")) {
            String[] p = t.substring(4).split(":");
            if (p.length != 2 && p.length != 4) {
                throw new IllegalArgumentException("bad pci: id specifier " + text);
            }
            return new ById(id(p[0]), id(p[1]), p.length == 4 ? id(p[2]) : -1, p.length == 4 ? id(p[3]) : -1);
        }
        int slash = t.indexOf('/');
        Bdf b = Bdf.parse(slash < 0 ? t : t.substring(0, slash));
        return new ByAddress(b.domain(), b.bus(), b.devfn());
    }

    private static int id(String hex) {
        int v = Integer.parseInt(hex, 16);
        return v == 0xffff ? -1 : v;
    }
}
