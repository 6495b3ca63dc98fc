package io.iommutracker.emulator.format;

import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.Rmrr;
import io.iommutracker.emulator.format.TextLines.Line;
import io.iommutracker.emulator.model.Bdf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns a host capture (one or more files of one host, or a sysfs capture directory / tar) into a
 * HostSnapshot. The format of each file is detected from its content; several files of one host are
 * merged: each function comes from the richest source that describes it, host facts from sysfs
 * captures, then {@code meta/info}, then the kernel log. The snapshot never carries the kernel's
 * group ids; {@link #readCapture(List)} returns them beside it.
 */
public final class Captures {

    private static final int DETECT_LINES = 400;
    private static final java.util.regex.Pattern BOOT_IMAGE =
            java.util.regex.Pattern.compile("BOOT_IMAGE=\\S*?(?:vmlinuz|kernel)-(\\S+)");

    private Captures() {
    }

    /** The snapshot of one host from its capture files (formats detected from content). */
    public static HostSnapshot read(List<Path> files) throws CaptureParseException, IOException {
        return readCapture(files).snapshot();
    }

    /** The snapshot and, separately, the groups the host's kernel reported. */
    public static Capture readCapture(List<Path> files) throws CaptureParseException, IOException {
        if (files.isEmpty()) throw new IllegalArgumentException("no capture files given");
        List<Source> sources = new ArrayList<>();
        for (Path f : files) sources.add(readOne(f));
        return merge(sources);
    }

    public static Capture readCapture(Path... files) throws CaptureParseException, IOException {
        return readCapture(List.of(files));
    }

    /**
     * A sysfs tree: an oracle-style capture directory, a root holding {@code sys/bus/pci/devices}
     * (give {@code /} for the running host), or a tar of either.
     */
    public static Capture readSysfs(Path root) throws CaptureParseException, IOException {
        return merge(List.of(readOne(root)));
    }

    /** The format {@code file} would be read as. */
    public static CaptureFormat detect(Path file) throws CaptureParseException, IOException {
        return readOne(file).format;
    }

    private static Source readOne(Path file) throws CaptureParseException, IOException {
        if (Files.isDirectory(file)) {
            FileTree tree = new FileTree.Dir(file);
            if (!SysfsReader.recognises(tree)) {
                throw new CaptureParseException(file, 0, "directory is not a sysfs capture: no pci/<bdf>/ "
                        + "or sys/bus/pci/devices/");
            }
            return SysfsReader.read(tree);
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        }
        if (TarTree.looksLikeTar(head)) return SysfsReader.read(TarTree.read(file));
        List<Line> lines = TextLines.of(Files.readAllBytes(file));
        String name = file.toString();
        return switch (detectText(name, lines)) {
            case DMESG -> DmesgParser.parse(name, lines);
            case META_INFO -> MetaInfo.parse(name, lines);
            default -> LspciParser.parse(name, lines);
        };
    }

    private static CaptureFormat detectText(String file, List<Line> lines) throws CaptureParseException {
        int nonBlank = 0;
        int kernel = 0;
        boolean deviceLike = false;
        boolean kernelWords = false;
        Line first = null;
        for (Line l : lines) {
            if (l.blank()) continue;
            if (first == null) first = l;
            if (++nonBlank > DETECT_LINES) break;
            String body = l.body();
            if (DmesgParser.isKernelLine(l.text())) kernel++;
            if (l.level() == 0 && (LspciParser.HEADER.matcher(body).matches() || body.startsWith("IOMMU group ")
                    || body.startsWith("IOMMU Group ") || body.startsWith("/sys/kernel/iommu_groups/"))) {
                deviceLike = true;
            }
            kernelWords |= body.contains("ommand line: ") || body.contains("Adding to iommu group")
                    || body.startsWith("iommu: Adding device ");
        }
        if (first == null) throw new CaptureParseException(file, 0, "empty capture file");
        if (kernel * 2 > nonBlank) return CaptureFormat.DMESG;
        if (MetaInfo.recognises(lines)) return CaptureFormat.META_INFO;
        if (deviceLike) return CaptureFormat.LSPCI_VV; // the parser refines it from the content
        if (kernelWords) return CaptureFormat.DMESG;
        throw new CaptureParseException(file, first.number(), "unrecognised capture format: expected lspci, "
                + "an IOMMU group listing, dmesg, meta/info, a sysfs directory or a tar");
    }

    static Capture merge(List<Source> sources) {
        List<Source> byRichness = new ArrayList<>(sources);
        byRichness.sort(Comparator.comparingInt((Source s) -> s.richness).reversed());
        Map<Bdf, PciDeviceInfo> devices = new TreeMap<>();
        Map<Bdf, Integer> groups = new TreeMap<>();
        boolean groupsReported = false;
        for (Source s : byRichness) {
            s.devices.forEach(devices::putIfAbsent);
            s.groups.forEach(groups::putIfAbsent);
            groupsReported |= s.groupsReported;
        }
        multifunction(devices);
        BusNumbers.infer(devices);

        HostFacts facts = new HostFacts();
        List<Source> byAuthority = new ArrayList<>(sources);
        byAuthority.sort(Comparator.comparingInt(Captures::authority).reversed());
        byAuthority.forEach(s -> facts.fillFrom(s.facts));
        HostDescribed host = host(facts, devices, groups);

        Map<String, CaptureFormat> formats = new LinkedHashMap<>();
        sources.forEach(s -> formats.put(s.file, s.format));
        HostSnapshot snapshot = HostSnapshot.newBuilder().setHost(host)
                .setDevices(List.copyOf(devices.values())).build();
        return new Capture(snapshot, new TreeMap<>(groups), groupsReported, formats);
    }

    /** Which source's host facts win: the kernel's own files over its log over pasted text. */
    private static int authority(Source s) {
        return switch (s.format) {
            case SYSFS -> 3;
            case META_INFO -> 2;
            case DMESG -> 1;
            default -> 0;
        };
    }

    // pci_scan_slot(): functions above 0 are multifunction; function 0 is when its slot has others
    private static void multifunction(Map<Bdf, PciDeviceInfo> devices) {
        for (Map.Entry<Bdf, PciDeviceInfo> e : devices.entrySet()) {
            Bdf b = e.getKey();
            if (e.getValue().getMultifunction()) continue;
            boolean siblings = false;
            for (int fn = 1; fn < 8 && b.function() == 0 && !siblings; fn++) {
                siblings = devices.containsKey(new Bdf(b.domain(), b.bus(), b.device(), fn));
            }
            if (b.function() > 0 || siblings) {
                e.setValue(PciDeviceInfo.newBuilder(e.getValue()).setMultifunction(true).build());
            }
        }
    }

    private static HostDescribed host(HostFacts f, Map<Bdf, PciDeviceInfo> devices, Map<Bdf, Integer> groups) {
        boolean noDomainZero = !devices.isEmpty() && devices.keySet().stream().noneMatch(b -> b.domain() == 0);
        String arch = f.arch != null ? f.arch : noDomainZero ? "aarch64" : null;
        IommuPlatform platform = f.platform != null ? f.platform : guessPlatform(arch, devices, groups);
        if (f.isEmpty() && arch == null && platform == null) return null;
        boolean x86 = arch == null || arch.equals("x86_64") || arch.matches("i[3-6]86");
        boolean ir = Boolean.TRUE.equals(f.interruptRemapping);
        List<Rmrr> rmrrs = new ArrayList<>();
        for (AcpiTables.DmarRmrr r : f.rmrrs) {
            List<String> scopes = new ArrayList<>();
            r.scopes().forEach(s -> resolveScope(r.segment(), s, devices).ifPresent(b -> scopes.add(b.toString())));
            rmrrs.add(new Rmrr(r.base(), r.end(), scopes));
        }
        String release = f.kernelRelease != null ? f.kernelRelease : releaseFromBootImage(f.commandLine);
        return HostDescribed.newBuilder()
                .setArch(arch != null ? arch : "x86_64")
                .setKernelRelease(release)
                .setPlatform(platform != null ? platform : IommuPlatform.NONE)
                .setFirmware(f.firmware != null ? f.firmware : FirmwareKind.ACPI)
                .setCommandLine(f.commandLine != null ? f.commandLine : "")
                .setInterruptRemapping(ir)
                .setIsolatedMsi(x86 && ir) // x86: remapped MSIs are isolated (IRQ_DOMAIN_FLAG_ISOLATED_MSI)
                .setRmrrs(rmrrs)
                .setDmarUnits(DmarUnits.of(f.drhds, devices))
                .setVirtioProbeRegions(platform == IommuPlatform.VIRTIO_IOMMU && x86 ? VirtioX86.msiWindow() : List.of())
                .setIvmds(List.copyOf(f.ivmds))
                .setHostBridgeWindows(List.copyOf(f.hostBridgeWindows))
                .build();
    }

    /** {@code BOOT_IMAGE=/boot/vmlinuz-6.8.0-49-generic} names the running kernel when no log line does. */
    private static String releaseFromBootImage(String commandLine) {
        if (commandLine == null) return "";
        java.util.regex.Matcher m = BOOT_IMAGE.matcher(commandLine);
        return m.find() ? m.group(1) : "";
    }

    /**
     * The capture shows groups but no line says which IOMMU made them: the host bridge's vendor
     * names the x86 one; on arm64 an SMMU is the usual one.
     */
    private static IommuPlatform guessPlatform(String arch, Map<Bdf, PciDeviceInfo> devices, Map<Bdf, Integer> groups) {
        if (groups.isEmpty()) return null;
        if ("aarch64".equals(arch)) return IommuPlatform.ARM_SMMU_V3;
        for (PciDeviceInfo d : devices.values()) {
            if (d.getClassCode() >> 8 != 0x0600 || !d.getBdf().startsWith("0000:00:")) continue;
            if (d.getVendorId() == 0x8086) return IommuPlatform.INTEL_VT_D;
            if (d.getVendorId() == 0x1022) return IommuPlatform.AMD_VI;
        }
        return null;
    }

    // dmar_find_matched_drhd_unit() path walk: each hop after the first goes through a bridge's secondary bus
    static Optional<Bdf> resolveScope(int segment, AcpiTables.DmarScope scope, Map<Bdf, PciDeviceInfo> devices) {
        if (scope.pathDevfns().isEmpty()) return Optional.empty();
        int bus = scope.startBus();
        Bdf at = null;
        for (int i = 0; i < scope.pathDevfns().size(); i++) {
            at = Bdf.of(segment, bus, scope.pathDevfns().get(i));
            if (i + 1 < scope.pathDevfns().size()) {
                PciDeviceInfo bridge = devices.get(at);
                BridgeInfo info = bridge == null ? null : bridge.getBridge();
                if (info == null) break;
                bus = info.getSecondary();
            }
        }
        return Optional.ofNullable(at);
    }
}
