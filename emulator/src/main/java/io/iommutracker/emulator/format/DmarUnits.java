package io.iommutracker.emulator.format;

import io.iommutracker.avro.DmarUnit;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The VT-d remapping units of a capture, in DMAR table order. From the table itself the device scopes are exact
 * (types 1 endpoint and 2 sub-hierarchy; IOAPIC, HPET and ACPI namespace scopes name no PCI function). When only the
 * kernel log lists the units ({@code DMAR: DRHD base: ... flags: ...}, one line per unit in table order) the scopes
 * are inferred from what Intel client firmware is seen to declare: the integrated graphics 00:02.0 has the first
 * dedicated unit, and the further dedicated units of a platform with Thunderbolt root ports 00:07.x are one per port,
 * in port order (Tiger Lake: five dedicated units for the iGPU and 00:07.0-3). Units that cannot be matched so keep an
 * empty scope.
 */
final class DmarUnits {

    private static final int SCOPE_ENDPOINT = 1;
    private static final int SCOPE_BRIDGE = 2;

    private DmarUnits() {
    }

    static List<DmarUnit> of(List<AcpiTables.DmarDrhd> drhds, Map<Bdf, PciDeviceInfo> devices) {
        List<DmarUnit> out = new ArrayList<>();
        List<Bdf> inferred = inferredScopes(drhds, devices);
        int dedicated = 0;
        for (AcpiTables.DmarDrhd u : drhds) {
            List<String> scopes = new ArrayList<>();
            if (u.scopes() != null) {
                for (AcpiTables.DmarScope s : u.scopes()) {
                    if (s.type() == SCOPE_ENDPOINT || s.type() == SCOPE_BRIDGE) {
                        Captures.resolveScope(u.segment(), s, devices).ifPresent(b -> scopes.add(b.toString()));
                    }
                }
            } else if (!u.includeAll()) {
                Bdf b = dedicated < inferred.size() ? inferred.get(dedicated) : null;
                if (b != null) {
                    scopes.add(b.toString());
                }
                dedicated++;
            }
            out.add(new DmarUnit(u.base(), u.includeAll(), scopes));
        }
        return out;
    }

    /** For log-only units: the iGPU, then the Thunderbolt root ports, when the counts fit exactly. */
    private static List<Bdf> inferredScopes(List<AcpiTables.DmarDrhd> drhds, Map<Bdf, PciDeviceInfo> devices) {
        long dedicated = drhds.stream().filter(u -> u.scopes() == null && !u.includeAll()).count();
        List<Bdf> out = new ArrayList<>();
        Bdf gpu = new Bdf(0, 0, 2, 0);
        if (isIntelIgpu(devices.get(gpu))) {
            out.add(gpu);
        }
        List<Bdf> tbt = new ArrayList<>();
        for (int fn = 0; fn < 8; fn++) {
            Bdf b = new Bdf(0, 0, 7, fn);
            PciDeviceInfo d = devices.get(b);
            if (d != null && d.getVendorId() == 0x8086 && d.getClassCode() >> 8 == 0x0604) {
                tbt.add(b);
            }
        }
        if (out.size() + tbt.size() == dedicated) {
            out.addAll(tbt);
        }
        return out.size() <= dedicated ? out : List.of();
    }

    /** Intel vendor, display class (03xxxx) at 00:02.0: the integrated graphics. */
    static boolean isIntelIgpu(PciDeviceInfo d) {
        return d != null && d.getVendorId() == 0x8086 && d.getClassCode() >> 16 == 0x03;
    }
}
