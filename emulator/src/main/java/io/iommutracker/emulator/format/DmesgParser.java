package io.iommutracker.emulator.format;

import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostBridgeWindow;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.format.TextLines.Line;
import io.iommutracker.emulator.model.Bdf;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a kernel log ({@code dmesg}, {@code dmesg -T}, {@code journalctl -k}, syslog) for the host facts
 * the kernel prints while booting and for its group lines, old and new format.
 */
final class DmesgParser {

    /** The prefixes a kernel line can carry: level, timestamp, journal or syslog host stamp. */
    static final Pattern PREFIX = Pattern.compile("^(?:<\\d+>)?(?:"
            + "\\[\\s*\\d+\\.\\d+\\]\\s?"
            + "|\\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d [\\d:]{8} \\d{4}\\]\\s?"
            + "|[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\S+ kernel: (?:\\[\\s*\\d+\\.\\d+\\]\\s?)?"
            + "|\\d{4}-\\d\\d-\\d\\dT\\S+ \\S+ kernel: (?:\\[\\s*\\d+\\.\\d+\\]\\s?)?)");
    private static final Pattern CMDLINE = Pattern.compile("^(?:Kernel )?[Cc]ommand line: (.*)$");
    private static final Pattern VERSION = Pattern.compile("^Linux version (\\S+)");
    private static final Pattern DRHD = Pattern.compile("DRHD base: (0x[0-9a-fA-F]+) flags: (0x[0-9a-fA-F]+)");
    /**
     * pci_register_host_bridge() (drivers/pci/probe.c) logs each root-bus window and, when the host bridge
     * translates, the bus addresses it covers: {@code pci_bus 0000:00: root bus resource [mem 0x...-0x... window]
     * (bus address [0x...-0x...])}.
     */
    private static final Pattern BUS_ADDRESS = Pattern.compile("^pci_bus ([0-9a-fA-F]{4,}):([0-9a-fA-F]{2}): root bus "
            + "resource \\[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)[^\\]]*\\] \\(bus address \\[(0x[0-9a-fA-F]+)-0x[0-9a-fA-F]+\\]\\)");
    private static final Pattern RMRR = Pattern.compile("RMRR base: (0x[0-9a-fA-F]+) end: (0x[0-9a-fA-F]+)");
    // iommu_group_add_device(): "Adding to iommu group N" (>= 5.1), "iommu: Adding device X to group N" (<= 5.0)
    private static final Pattern GROUP_NEW = Pattern.compile(
            "^\\S+ (" + LspciParser.BDF + "): Adding to iommu group (\\d+)\\s*$");
    private static final Pattern GROUP_OLD = Pattern.compile(
            "^iommu: Adding device (" + LspciParser.BDF + ") to group (\\d+)\\s*$");
    private static final Pattern GROUP_REMOVED = Pattern.compile(
            "^\\S+ (" + LspciParser.BDF + "): Removing from iommu group (\\d+)\\s*$");

    private DmesgParser() {
    }

    /** True when the line carries a kernel log prefix. */
    static boolean isKernelLine(String text) {
        Matcher m = PREFIX.matcher(text);
        return m.lookingAt() && m.end() > 0;
    }

    static Source parse(String file, List<Line> lines) throws CaptureParseException {
        Source s = new Source(file, CaptureFormat.DMESG);
        HostFacts f = s.facts;
        for (Line line : lines) {
            Matcher p = PREFIX.matcher(line.text());
            String msg = (p.lookingAt() ? line.text().substring(p.end()) : line.text()).strip();
            if (msg.isEmpty()) continue;
            Matcher m;
            if ((m = CMDLINE.matcher(msg)).matches()) {
                if (f.commandLine == null || msg.startsWith("Kernel")) f.commandLine = m.group(1).strip();
            } else if ((m = VERSION.matcher(msg)).find()) {
                f.kernelRelease = m.group(1);
                if (msg.contains("aarch64") || m.group(1).contains("arm64")) f.arch = "aarch64";
            } else if ((m = GROUP_NEW.matcher(msg)).matches() || (m = GROUP_OLD.matcher(msg)).matches()) {
                s.groups.put(Bdf.parse(m.group(1)), Integer.parseInt(m.group(2)));
                s.groupsReported = true;
            } else if ((m = GROUP_REMOVED.matcher(msg)).matches()) {
                s.groups.remove(Bdf.parse(m.group(1)));
            } else if (msg.contains("RMRR base:")) {
                if (!(m = RMRR.matcher(msg)).find()) throw new CaptureParseException(file, line.number(),
                        "malformed RMRR line: '" + msg + "'");
                try {
                    f.rmrrs.add(new AcpiTables.DmarRmrr(0, Long.decode(m.group(1)), Long.decode(m.group(2)), List.of()));
                } catch (NumberFormatException e) {
                    throw new CaptureParseException(file, line.number(), "RMRR address out of range: '" + msg + "'");
                }
            } else if ((m = BUS_ADDRESS.matcher(msg)).find()) {
                f.hostBridgeWindows.add(new HostBridgeWindow(Integer.parseInt(m.group(1), 16),
                        Integer.parseInt(m.group(2), 16), hex(m.group(3)), hex(m.group(4)), hex(m.group(5))));
            } else if ((m = DRHD.matcher(msg)).find()) {
                // dmar_parse_one_drhd() prints each unit in table order; the log does not show its scope
                f.drhds.add(new AcpiTables.DmarDrhd(0, Long.parseUnsignedLong(m.group(1).substring(2), 16),
                        (Long.parseUnsignedLong(m.group(2).substring(2), 16) & 1) != 0, null));
                facts(f, msg);
            } else {
                facts(f, msg);
            }
        }
        return s;
    }

    private static long hex(String text) {
        return Long.parseUnsignedLong(text.substring(2), 16);
    }

    /** Platform, interrupt remapping, firmware: recognised by the lines each driver prints. */
    private static void facts(HostFacts f, String msg) {
        if (msg.startsWith("DMAR: DRHD base") || msg.startsWith("DMAR: IOMMU enabled")
                || msg.startsWith("DMAR: Intel(R) Virtualization Technology")) {
            f.platform = IommuPlatform.INTEL_VT_D;
        } else if (msg.contains("AMD-Vi: Found IOMMU") || msg.startsWith("AMD-Vi: AMD IOMMUv2")
                || msg.contains("AMD-Vi: Interrupt remapping enabled")) {
            f.platform = IommuPlatform.AMD_VI;
        } else if (msg.startsWith("arm-smmu-v3 ")) {
            f.platform = IommuPlatform.ARM_SMMU_V3;
        } else if (msg.startsWith("arm-smmu ")) {
            if (f.platform != IommuPlatform.ARM_SMMU_V3) f.platform = IommuPlatform.ARM_SMMU;
        } else if (msg.startsWith("virtio_iommu ") || msg.startsWith("virtio-iommu")) {
            f.platform = IommuPlatform.VIRTIO_IOMMU;
        } else if (msg.startsWith("apple-dart ")) {
            f.platform = IommuPlatform.APPLE_DART;
        }
        if (msg.startsWith("DMAR-IR: Enabled IRQ remapping") || msg.contains("AMD-Vi: Interrupt remapping enabled")) {
            f.interruptRemapping = true;
        }
        if (msg.startsWith("Machine model: ")) {
            f.firmware = FirmwareKind.DEVICE_TREE;
            f.arch = f.arch == null ? "aarch64" : f.arch;
        } else if (msg.startsWith("ACPI: IORT ") || msg.startsWith("ACPI: DMAR ") || msg.startsWith("ACPI: IVRS ")) {
            f.firmware = FirmwareKind.ACPI;
        }
        if (msg.startsWith("Booting Linux on physical CPU") && f.arch == null) {
            f.arch = "aarch64";
        }
    }
}
