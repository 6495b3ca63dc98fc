package io.iommutracker.emulator.format;

import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Bdf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Reads a sysfs capture: the oracle's layout ({@code pci/<bdf>/config}, {@code meta/info},
 * {@code acpi/*.hex}) or the real one ({@code sys/bus/pci/devices/<bdf>/config}, {@code proc/cmdline},
 * {@code sys/firmware/acpi/tables}), from a directory, a live root or a tar.
 */
final class SysfsReader {

    // IORESOURCE_* flags of the resource file
    private static final long IORESOURCE_IO = 0x100;
    private static final long IORESOURCE_MEM = 0x200;
    private static final long IORESOURCE_PREFETCH = 0x2000;
    private static final long IORESOURCE_MEM_64 = 0x100000;
    private static final List<String> TABLES = List.of("DMAR", "IVRS", "IORT", "VIOT");

    private final FileTree tree;
    private final Source source;

    private SysfsReader(FileTree tree) {
        this.tree = tree;
        this.source = new Source(tree.describe(""), CaptureFormat.SYSFS);
    }

    /** True when {@code tree} (or its single top directory) holds a PCI devices directory. */
    static boolean recognises(FileTree tree) {
        return root(tree).isPresent();
    }

    static Source read(FileTree tree) throws CaptureParseException {
        SysfsReader r = new SysfsReader(tree);
        Layout layout = root(tree).orElseThrow(() -> new CaptureParseException(tree.describe(""), 0,
                "no PCI devices directory: expected pci/<bdf>/ or sys/bus/pci/devices/<bdf>/"));
        r.devices(layout);
        r.facts(layout);
        return r.source;
    }

    /** Where the capture's parts are: {@code base} is the capture root, {@code devices} the per-function dirs. */
    private record Layout(String base, String devices, boolean oracle) {
    }

    private static Optional<Layout> root(FileTree tree) {
        Optional<Layout> here = rootAt(tree, "");
        if (here.isPresent()) return here;
        List<String> top = tree.list("");
        if (top.size() == 1 && tree.isDirectory(top.get(0))) return rootAt(tree, top.get(0));
        return Optional.empty();
    }

    private static Optional<Layout> rootAt(FileTree tree, String base) {
        if (hasFunctions(tree, FileTree.join(base, "pci"))) return Optional.of(new Layout(base, FileTree.join(base, "pci"), true));
        for (String d : List.of("sys/bus/pci/devices", "bus/pci/devices")) {
            String dir = FileTree.join(base, d);
            if (tree.isDirectory(dir)) return Optional.of(new Layout(base, dir, false));
        }
        if (hasFunctions(tree, base)) return Optional.of(new Layout(base, base, false)); // given .../pci/devices itself
        return Optional.empty();
    }

    private static boolean hasFunctions(FileTree tree, String dir) {
        if (!tree.isDirectory(dir)) return false;
        for (String name : tree.list(dir)) {
            if (isBdf(name) && tree.isDirectory(FileTree.join(dir, name))) return true;
        }
        return false;
    }

    private static boolean isBdf(String name) {
        return name.length() == 12 && Bdf.isValid(name);
    }

    private void devices(Layout layout) throws CaptureParseException {
        source.groupsReported = true; // sysfs is the kernel's own state: no iommu_group means no group
        for (String name : tree.list(layout.devices)) {
            if (!isBdf(name)) continue;
            String dir = FileTree.join(layout.devices, name);
            Bdf bdf = Bdf.parse(name);
            DeviceDraft d = device(bdf, dir);
            source.devices.put(bdf, d.build());
            group(dir).ifPresent(g -> source.groups.put(bdf, g));
        }
        if (source.groups.isEmpty()) groupsFromKernelDir(layout);
    }

    private DeviceDraft device(Bdf bdf, String dir) throws CaptureParseException {
        DeviceDraft d = new DeviceDraft(bdf, 0);
        Optional<byte[]> config = tree.read(FileTree.join(dir, "config")).filter(b -> b.length >= 64);
        if (config.isPresent()) {
            ConfigSpace c = ConfigSpace.decode(config.get());
            d.vendorId = c.vendorId();
            d.deviceId = c.deviceId();
            d.command = c.command();
            d.revision = c.revision();
            d.classCode = c.classCode();
            d.headerType = c.headerType();
            d.multifunction = c.multifunction();
            d.subsystemVendorId = c.subsystemVendorId();
            d.subsystemDeviceId = c.subsystemDeviceId();
            d.capabilitiesKnown = c.capabilitiesKnown();
            d.pcieType = c.pcieType();
            d.acs = c.acs().orElse(null);
            d.msi = c.msi().orElse(null);
            d.msix = c.msix().orElse(null);
            d.atsEnabled = c.atsEnabled();
            d.bridge = c.bridge().orElse(null);
            d.configSpace = config.get();
        } else {
            d.vendorId = hex(dir, "vendor").orElse(0);
            d.deviceId = hex(dir, "device").orElse(0);
            d.classCode = hex(dir, "class").orElse(0);
            d.revision = hex(dir, "revision").orElse(0);
            d.subsystemVendorId = hex(dir, "subsystem_vendor").orElse(0);
            d.subsystemDeviceId = hex(dir, "subsystem_device").orElse(0);
            d.capabilitiesKnown = false;
            d.pcieType = PcieType.UNKNOWN;
        }
        bars(d, dir);
        d.driver = nameOf(dir, "driver").orElse(null);
        Optional<String> physfn = nameOf(dir, "physfn").filter(SysfsReader::isBdf);
        if (physfn.isPresent()) {
            d.virtfn = true;
            d.physfn = physfn.get();
        }
        return d;
    }

    // pci_dev resource file: one "start end flags" line per resource; BARs 0-5, ROM 6, then IOV BARs 7-12
    private void bars(DeviceDraft d, String dir) throws CaptureParseException {
        String rel = FileTree.join(dir, "resource");
        Optional<String> text = text(rel);
        if (text.isEmpty()) return;
        String[] lines = text.get().split("\n");
        boolean iov = lines.length >= 17; // CONFIG_PCI_IOV adds PCI_SRIOV_NUM_BARS lines before the windows
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            String[] f = lines[i].trim().split("\\s+");
            if (f.length != 3) throw new CaptureParseException(tree.describe(rel), i + 1, "expected 'start end flags'");
            long start;
            long end;
            long flags;
            try {
                start = Long.decode(f[0]);
                end = Long.decode(f[1]);
                flags = Long.decode(f[2]);
            } catch (NumberFormatException e) {
                throw new CaptureParseException(tree.describe(rel), i + 1, "malformed number: " + e.getMessage());
            }
            boolean isBar = i <= 6 || (iov && i <= 12);
            if (!isBar || flags == 0) continue;
            long size = end == 0 && start == 0 ? 0 : end - start + 1;
            BarKind kind = (flags & IORESOURCE_IO) != 0 ? BarKind.IO
                    : (flags & IORESOURCE_MEM_64) != 0 ? BarKind.MEM64 : BarKind.MEM32;
            if ((flags & (IORESOURCE_IO | IORESOURCE_MEM)) == 0) continue;
            d.bars.add(new Bar(i, start, size, kind, (flags & IORESOURCE_PREFETCH) != 0));
        }
    }

    /** The group of a function: the oracle's text file or the real symlink to kernel/iommu_groups/N. */
    private Optional<Integer> group(String dir) {
        String rel = FileTree.join(dir, "iommu_group");
        Optional<String> target = tree.link(rel);
        String value = target.map(SysfsReader::basename).or(() -> text(rel).map(String::strip)).orElse("");
        return value.matches("\\d+") ? Optional.of(Integer.parseInt(value)) : Optional.empty();
    }

    private void groupsFromKernelDir(Layout layout) {
        for (String dir : List.of(FileTree.join(layout.base, "iommu_groups"),
                FileTree.join(layout.base, "sys/kernel/iommu_groups"))) {
            for (String g : tree.list(dir)) {
                if (!g.matches("\\d+")) continue;
                String devices = FileTree.join(FileTree.join(dir, g), "devices");
                List<String> members = tree.isDirectory(devices) ? tree.list(devices)
                        : text(devices).map(t -> List.of(t.split("\\s+"))).orElse(List.of());
                for (String m : members) {
                    if (isBdf(m)) source.groups.put(Bdf.parse(m), Integer.parseInt(g));
                }
            }
        }
    }

    private void facts(Layout layout) throws CaptureParseException {
        HostFacts f = source.facts;
        String base = layout.base;
        Optional<String> info = text(FileTree.join(base, "meta/info"));
        if (info.isPresent()) MetaInfo.apply(info.get(), f);
        text(FileTree.join(base, "proc/cmdline")).ifPresent(c -> f.commandLine = c.strip());
        text(FileTree.join(base, "proc/sys/kernel/osrelease")).ifPresent(r -> f.kernelRelease = r.strip());
        text(FileTree.join(base, "proc/sys/kernel/arch")).ifPresent(a -> f.arch = a.strip());
        boolean anyTable = false;
        for (String t : TABLES) {
            Optional<byte[]> table = acpiTable(base, t);
            if (table.isEmpty()) continue;
            anyTable = true;
            IommuPlatform p = AcpiTables.platformOf(t, table.get());
            if (p != IommuPlatform.NONE && f.platform == null) f.platform = p;
            if (t.equals("IVRS")) f.ivmds.addAll(AcpiTables.ivrsIvmds(table.get()));
            if (t.equals("DMAR")) {
                f.rmrrs.addAll(AcpiTables.dmarRmrrs(table.get()));
                f.drhds.addAll(AcpiTables.dmarDrhds(table.get()));
                f.interruptRemapping = AcpiTables.dmarInterruptRemapping(table.get());
            }
        }
        if (f.platform == null) f.platform = platformFromUnits(base).orElse(null);
        boolean acpi = anyTable || tree.isDirectory(FileTree.join(base, "acpi"))
                || tree.isDirectory(FileTree.join(base, "sys/firmware/acpi"));
        if (tree.isDirectory(FileTree.join(base, "sys/firmware/devicetree")) && !acpi) f.firmware = FirmwareKind.DEVICE_TREE;
        else if (acpi) f.firmware = FirmwareKind.ACPI;
        else if ("aarch64".equals(f.arch) && layout.oracle) f.firmware = FirmwareKind.DEVICE_TREE;
        // the oracle also keeps the kernel's IOMMU lines: interrupt remapping and RMRRs print there
        Optional<String> dmesg = text(FileTree.join(base, "dmesg/iommu"));
        if (dmesg.isPresent()) {
            Source log = DmesgParser.parse(tree.describe(FileTree.join(base, "dmesg/iommu")),
                    TextLines.of(dmesg.get().getBytes(StandardCharsets.UTF_8)));
            if (log.facts.interruptRemapping != null) f.interruptRemapping = log.facts.interruptRemapping;
            f.fillFrom(log.facts);
        }
    }

    private Optional<byte[]> acpiTable(String base, String name) throws CaptureParseException {
        String hexRel = FileTree.join(base, "acpi/" + name + ".hex");
        Optional<String> hex = text(hexRel);
        if (hex.isPresent()) return Optional.of(AcpiTables.parseOdHex(hex.get(), tree.describe(hexRel)));
        return tree.read(FileTree.join(base, "sys/firmware/acpi/tables/" + name));
    }

    /** IOMMU unit names: dmarN (VT-d), ivhdN (AMD-Vi), smmu3.* (SMMUv3), a PCI address (virtio-iommu). */
    private Optional<IommuPlatform> platformFromUnits(String base) {
        for (String dir : List.of("iommu_units", "sys/class/iommu")) {
            for (String u : tree.list(FileTree.join(base, dir))) {
                if (u.startsWith("dmar")) return Optional.of(IommuPlatform.INTEL_VT_D);
                if (u.startsWith("ivhd")) return Optional.of(IommuPlatform.AMD_VI);
                if (u.startsWith("smmu3.")) return Optional.of(IommuPlatform.ARM_SMMU_V3);
                if (u.startsWith("smmu.") || u.contains("arm-smmu")) return Optional.of(IommuPlatform.ARM_SMMU);
                if (isBdf(u) || u.startsWith("virtio")) return Optional.of(IommuPlatform.VIRTIO_IOMMU);
            }
        }
        return Optional.empty();
    }

    private Optional<Integer> hex(String dir, String file) {
        return text(FileTree.join(dir, file)).map(String::strip).filter(s -> s.matches("0x[0-9a-fA-F]+"))
                .map(s -> Integer.parseUnsignedInt(s.substring(2), 16));
    }

    /** A link's last component (real sysfs) or a one-line file (oracle capture). */
    private Optional<String> nameOf(String dir, String file) {
        String rel = FileTree.join(dir, file);
        Optional<String> link = tree.link(rel);
        if (link.isPresent()) return link.map(SysfsReader::basename);
        return text(rel).map(String::strip).filter(s -> !s.isEmpty() && !s.contains("\n"));
    }

    private Optional<String> text(String rel) {
        return tree.read(rel).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    private static String basename(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.substring(p.lastIndexOf('/') + 1);
    }
}
