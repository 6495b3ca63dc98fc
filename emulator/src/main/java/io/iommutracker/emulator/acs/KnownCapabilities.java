package io.iommutracker.emulator.acs;

import static io.iommutracker.emulator.acs.AcsFlags.CR;
import static io.iommutracker.emulator.acs.AcsFlags.DT;
import static io.iommutracker.emulator.acs.AcsFlags.RR;
import static io.iommutracker.emulator.acs.AcsFlags.SV;
import static io.iommutracker.emulator.acs.AcsFlags.TB;
import static io.iommutracker.emulator.acs.AcsFlags.UF;

import io.iommutracker.avro.PciDeviceInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ACS facts per device id, read from the config space of other machines that public captures show as root (lspci
 * -vvnn with the registers printed). Consulted only for a function whose own capture cannot show its capabilities
 * ({@code capabilitiesKnown} false), before the hardware-kind assumptions of {@link UnknownCapabilities}. A row is a
 * fact about the silicon, never about a machine: none is derived from the groups a kernel reported, and a capture
 * that shows the registers always wins over the table.
 */
public final class KnownCapabilities {

    /**
     * One fact.
     *
     * @param revision the revision it was seen on; a row matches that revision only, because one id can differ
     *     between dies (1022:7901 rev 51 on Zeppelin has ACS, rev 81 on Cezanne has none)
     * @param acsCap the ACS Capability register, or null when the function has no ACS extended capability
     * @param evidence where the fact was read: repository, path, functions
     */
    public record Fact(int vendor, int device, int revision, Integer acsCap, String evidence) {

        boolean matches(PciDeviceInfo info) {
            return info.getVendorId() == vendor && info.getDeviceId() == device && info.getRevision() == revision;
        }

        /** The id and fact in words, e.g. {@code 1022:14ee: ACS capability (cap 0x005f)}. */
        public String describe() {
            String id = String.format("%04x:%04x rev %02x", vendor, device, revision);
            return id + ": " + (acsCap == null ? "no ACS capability" : String.format("ACS capability (cap 0x%04x)", acsCap));
        }
    }

    /** A fact the emulator used for one function of a capture. */
    public record Assumed(String bdf, Fact fact) {
    }

    private static final String FW13_AMD = "linuxhw/LsPCI Notebook/Framework/Laptop/Laptop 13/45A143A54F01/"
            + "FEDORA-40/6.8.5-301.FC40.X86_64/X86_64/7A23F7CC90 (lspci -vvnn as root)";
    private static final String X399 = "linuxhw/LsPCI Desktop/ASRock/X399/X399 Taichi/56D788EEE2D5/"
            + "NIXOS-24.11/6.11.0-RC4/X86_64/17D92D46BD (lspci -vvnn as root)";
    private static final String B550I = "linuxhw/LsPCI Desktop/ASUSTek Computer/ROG/ROG STRIX B550-I GAMING/"
            + "79662A4E6D26/DEBIAN-11/5.15.35-1-PVE/X86_64/CF76D2D9A4 (lspci -vvnn as root)";

    private static final int PORT_CAP = SV | TB | RR | CR | UF | DT;

    static final List<Fact> FACTS = List.of(
            // AMD Phoenix (Ryzen 7040) GPP root ports and internal GPP bridges: [2a0] ACS, SrcValid+ TransBlk+
            // ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+.
            new Fact(0x1022, 0x14ee, 0x00, PORT_CAP, FW13_AMD + ": 00:02.2, 00:02.4"),
            new Fact(0x1022, 0x14eb, 0x00, PORT_CAP, FW13_AMD + ": 00:08.1, 00:08.2, 00:08.3"),
            // AMD Phoenix USB4/Thunderbolt PCIe tunnel root ports: the capability list has no ACS.
            new Fact(0x1022, 0x14ef, 0x00, null, FW13_AMD + ": 00:03.1, 00:04.1"),
            // AMD Phoenix functions behind 00:08.x: [2a0] ACS with no control implemented (no peer-to-peer between
            // the functions; pci_acs_flags_enabled() masks every request away). 1022:15e3 is left out: the same id and
            // revision has no ACS on Cezanne (B550I below, 07:00.6).
            new Fact(0x1002, 0x15bf, 0xc4, 0, FW13_AMD + ": c1:00.0"),
            new Fact(0x1002, 0x1640, 0x00, 0, FW13_AMD + ": c1:00.1"),
            new Fact(0x1022, 0x15c7, 0x00, 0, FW13_AMD + ": c1:00.2"),
            new Fact(0x1022, 0x15b9, 0x00, 0, FW13_AMD + ": c1:00.3"),
            new Fact(0x1022, 0x15ba, 0x00, 0, FW13_AMD + ": c1:00.4"),
            new Fact(0x1022, 0x15e2, 0x63, 0, FW13_AMD + ": c1:00.5"),
            new Fact(0x1022, 0x14ec, 0x00, 0, FW13_AMD + ": c2:00.0, c3:00.0"),
            new Fact(0x1022, 0x1502, 0x00, 0, FW13_AMD + ": c2:00.1"),
            new Fact(0x1022, 0x15c0, 0x00, 0, FW13_AMD + ": c3:00.3"),
            new Fact(0x1022, 0x15c1, 0x00, 0, FW13_AMD + ": c3:00.4"),
            new Fact(0x1022, 0x1668, 0x00, 0, FW13_AMD + ": c3:00.5"),
            // AMD Zeppelin (Family 17h models 00h-0fh) internal functions: [2a0] ACS with no control implemented.
            new Fact(0x1022, 0x145a, 0x00, 0, X399 + ": 0e:00.0"),
            new Fact(0x1022, 0x1456, 0x00, 0, X399 + ": 0e:00.2"),
            new Fact(0x1022, 0x145c, 0x00, 0, X399 + ": 0e:00.3"),
            new Fact(0x1022, 0x1455, 0x00, 0, X399 + ": 0f:00.0"),
            new Fact(0x1022, 0x7901, 0x51, 0, X399 + ": 0f:00.2"),
            new Fact(0x1022, 0x1457, 0x00, 0, X399 + ": 0f:00.3"),
            // The same SATA id on a Cezanne die has no ACS capability.
            new Fact(0x1022, 0x7901, 0x81, null, B550I + ": 08:00.0"));

    private KnownCapabilities() {
    }

    /** The fact for this function's id, if the table has one. */
    public static Optional<Fact> lookup(PciDeviceInfo info) {
        return FACTS.stream().filter(f -> f.matches(info)).findFirst();
    }

    /** The facts the emulator assumes for the functions of a capture that could not show their capabilities. */
    public static List<Assumed> assumedFor(List<PciDeviceInfo> devices) {
        List<Assumed> out = new ArrayList<>();
        for (PciDeviceInfo d : devices) {
            if (!d.getCapabilitiesKnown()) {
                lookup(d).ifPresent(f -> out.add(new Assumed(d.getBdf(), f)));
            }
        }
        return out;
    }
}
