package io.iommutracker.emulator.format;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BridgeInfo;
import io.iommutracker.avro.MsiState;
import io.iommutracker.avro.MsixState;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Window;
import io.iommutracker.emulator.format.TextLines.Line;
import io.iommutracker.emulator.model.Bdf;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the text lspci writes ({@code -vvnn}, {@code -v}, {@code -nnk}, plain) and the group listings
 * people paste next to it (the Arch-wiki loop, {@code find /sys/kernel/iommu_groups -type l}), with the
 * {@code cat /proc/cmdline} line that usually comes first. One pass; a file may mix them.
 */
final class LspciParser {

    static final String BDF = "(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]";
    static final Pattern HEADER = Pattern.compile("^(" + BDF + ") (.*)$");
    private static final Pattern CLASS = Pattern.compile("^(.*?)(?: \\[([0-9a-fA-F]{4})\\])?: (.*)$");
    private static final Pattern IDS = Pattern.compile("\\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\\](?= \\(rev | \\(prog-if |$)");
    private static final Pattern REV = Pattern.compile(" \\(rev ([0-9a-fA-F]{2})\\)");
    private static final Pattern PROGIF = Pattern.compile(" \\(prog-if ([0-9a-fA-F]{2})(?: \\[[^\\]]*\\])?\\)$");
    private static final Pattern LISTING = Pattern.compile("^IOMMU [Gg]roup (\\d+)(?::\\s*|\\s+)(.*)$");
    private static final Pattern FIND = Pattern.compile("^/sys/kernel/iommu_groups/(\\d+)/devices/(\\S+)$");
    private static final Pattern PROMPT = Pattern.compile("^(?:[\\w.-]+@[\\w.-]+(?::\\S*)?\\s*[>$#]|[>$#])\\s+\\S.*$");
    /** A pasted command without its prompt (a fenced shell block), or lspci's own ellipsis. */
    private static final Pattern COMMAND = Pattern.compile(
            "^(?:(?:sudo|cat|for|lspci|find|ls|echo|dmesg|journalctl|done|do)\\b.*|n=.*|\\.\\.\\.)$");
    private static final Pattern GROUP_FIELD = Pattern.compile("^IOMMU group:\\s*(\\d+)$");
    private static final Pattern FLAGS_GROUP = Pattern.compile("IOMMU group (\\d+)");
    private static final Pattern BUS = Pattern.compile(
            "^Bus: primary=([0-9a-fA-F]{2}), secondary=([0-9a-fA-F]{2}), subordinate=([0-9a-fA-F]{2})\\b.*$");
    private static final Pattern RANGE = Pattern.compile("^([0-9a-fA-F]+)-([0-9a-fA-F]+)(?:\\s.*)?$");
    private static final Pattern REGION = Pattern.compile(
            "^(?:Region (\\d+): )?(Memory at|I/O ports at) (\\S+)(.*)$");
    private static final Pattern ROM = Pattern.compile("^Expansion ROM at (\\S+)(.*)$");
    private static final Pattern SIZE = Pattern.compile("\\[size=(\\d+)([KMGT]?)\\]");
    private static final Pattern CAP = Pattern.compile("^Capabilities: \\[([0-9a-fA-F]+)(?: v\\d+)?\\] (.*)$");
    private static final Pattern EXPRESS = Pattern.compile("^Express (?:\\(v\\d+\\) )?(.+?)(?:, (?:MSI|IntMsgNum) .*)?$");
    private static final Pattern MSI = Pattern.compile("^MSI: Enable([+-]) Count=(\\d+)/(\\d+).*$");
    private static final Pattern MSIX = Pattern.compile("^MSI-X: Enable([+-]) Count=(\\d+) Masked([+-]).*$");
    private static final Pattern ADDRESS = Pattern.compile("^Address: ([0-9a-fA-F]+)\\b.*$");
    private static final Pattern KERNEL_DRIVER = Pattern.compile("^Kernel driver in use: (\\S+)$");

    /** lspci's names for PCI_EXP_TYPE_*, slot suffix removed. */
    private static final Map<String, PcieType> EXPRESS_TYPES = Map.of(
            "Endpoint", PcieType.ENDPOINT, "Legacy Endpoint", PcieType.LEGACY_ENDPOINT,
            "Root Port", PcieType.ROOT_PORT, "Upstream Port", PcieType.UPSTREAM_PORT,
            "Downstream Port", PcieType.DOWNSTREAM_PORT, "PCI-Express to PCI/PCI-X Bridge", PcieType.PCIE_TO_PCI_BRIDGE,
            "PCI/PCI-X to PCI-Express Bridge", PcieType.PCI_TO_PCIE_BRIDGE,
            "Root Complex Integrated Endpoint", PcieType.RC_INTEGRATED_ENDPOINT,
            "Root Complex Event Collector", PcieType.RC_EVENT_COLLECTOR);

    /** lspci's ACS flag names, in PCI_ACS_* bit order (SV 0x01 .. DT 0x40). */
    private static final List<String> ACS_FLAGS = List.of(
            "SrcValid", "TransBlk", "ReqRedir", "CmpltRedir", "UpstreamFwd", "EgressCtrl", "DirectTrans");

    private final String file;
    private final Source source;
    private Draft dev;
    private Integer listingGroup;
    private boolean continuation;
    /** Inside the pasted output of a command that is not lspci, a group listing or the command line. */
    private boolean foreignOutput;
    private boolean markdown;

    /** Per-function state while its lines are read. */
    private static final class Draft {
        final DeviceDraft d;
        boolean fromListing;
        boolean sawControl;
        boolean sawFlags;
        boolean sawIndented;
        boolean capsDenied;
        String cap = "";
        int capOffset;
        boolean acsHeaderOnly;
        int acsOffset;
        boolean sawExpress;
        Integer acsCap;
        Integer acsCtl;
        int nextBarIndex;

        Draft(DeviceDraft d) {
            this.d = d;
        }
    }

    private LspciParser(String file) {
        this.file = file;
        this.source = new Source(file, CaptureFormat.GROUP_LISTING);
    }

    static Source parse(String file, List<Line> lines) throws CaptureParseException {
        LspciParser p = new LspciParser(file);
        for (Line line : lines) {
            p.line(line);
        }
        p.finish();
        return p.source;
    }

    private CaptureParseException error(Line line, String reason) {
        return new CaptureParseException(file, line.number(), reason);
    }

    private void line(Line line) throws CaptureParseException {
        if (line.boundary()) {
            markdown = true;
            foreignOutput = false;
            continuation = false;
        }
        if (line.blank()) return;
        // only a markdown page pastes several commands' output; elsewhere every line must parse
        if (markdown && line.level() == 0 && PROMPT.matcher(line.body()).matches()) {
            String command = line.body();
            foreignOutput = !(command.contains("lspci") || command.contains("iommu_groups")
                    || command.contains("/proc/cmdline"));
        }
        if (foreignOutput) return;
        String body = line.body();
        if (line.level() == 0 || (listingGroup != null && HEADER.matcher(body).matches())) {
            topLevel(line, body);
        } else if (dev == null) {
            throw error(line, "indented line outside a device: '" + body + "'");
        } else {
            dev.sawIndented = true;
            try {
                if (line.level() == 1) field(line, body);
                else detail(body);
            } catch (NumberFormatException e) {
                throw error(line, "malformed number in '" + body + "': " + e.getMessage());
            }
        }
    }

    private void topLevel(Line line, String body) throws CaptureParseException {
        Matcher m;
        boolean continued = continuation;
        continuation = false;
        if (continued || PROMPT.matcher(body).matches() || COMMAND.matcher(body).matches()) {
            continuation = body.endsWith("\\");  // a command split over lines, shell style
        } else if ((m = HEADER.matcher(body)).matches()) {
            startDevice(line, m.group(1), m.group(2), listingGroup != null && line.level() > 0);
            if (listingGroup != null && line.level() > 0) group(dev.d.bdf, listingGroup);
            else listingGroup = null;
        } else if ((m = LISTING.matcher(body)).matches()) {
            int group = Integer.parseInt(m.group(1));
            source.groupsReported = true;
            String rest = m.group(2).strip();
            if (rest.isEmpty()) {
                listingGroup = group;
                return;
            }
            listingGroup = null;
            Matcher h = HEADER.matcher(rest);
            if (!h.matches()) throw error(line, "IOMMU group line without a device address: '" + body + "'");
            startDevice(line, h.group(1), h.group(2), true);
            group(dev.d.bdf, group);
        } else if ((m = FIND.matcher(body)).matches()) {
            source.groupsReported = true;
            // platform devices (codec, gpu) are listed too; only PCI functions concern us
            if (Bdf.isValid(m.group(2)) && m.group(2).length() == 12) group(Bdf.parse(m.group(2)), Integer.parseInt(m.group(1)));
        } else if (body.contains("BOOT_IMAGE=") || body.startsWith("root=") || body.contains(" root=")) {
            source.facts.commandLine = body;
        } else if (body.startsWith("lspci: ") || body.startsWith("pcilib: ")) {
            // a warning of lspci itself
        } else {
            throw error(line, "expected a device line (bus:dev.fn class: name), found '" + body + "'");
        }
    }

    private void group(Bdf bdf, int group) {
        source.groups.put(bdf, group);
    }

    private void startDevice(Line line, String address, String rest, boolean fromListing) throws CaptureParseException {
        finishDevice();
        Bdf bdf = Bdf.parse(address);
        Matcher c = CLASS.matcher(rest);
        if (!c.matches()) throw error(line, "device line without 'class: name': '" + line.body() + "'");
        DeviceDraft d = new DeviceDraft(bdf, line.number());
        String names = c.group(3);
        Matcher prog = PROGIF.matcher(names);
        int progIf = 0;
        if (prog.find()) {
            progIf = Integer.parseInt(prog.group(1), 16);
            names = names.substring(0, prog.start());
        }
        Matcher rev = REV.matcher(names);
        if (rev.find()) {
            d.revision = Integer.parseInt(rev.group(1), 16);
            names = names.substring(0, rev.start()) + names.substring(rev.end());
        }
        int cls = c.group(2) != null ? Integer.parseInt(c.group(2), 16) : PciNames.classOf(c.group(1)).orElse(0xff00);
        d.classCode = (cls << 8) | progIf;
        Matcher ids = IDS.matcher(names);
        if (ids.find()) {
            d.vendorId = Integer.parseInt(ids.group(1), 16);
            d.deviceId = Integer.parseInt(ids.group(2), 16);
        } else {
            d.vendorId = PciNames.vendorOf(names).orElse(0);
        }
        dev = new Draft(d);
        dev.fromListing = fromListing;
    }

    /** Lines one level in: the header registers and capability headers. */
    private void field(Line line, String body) throws CaptureParseException {
        DeviceDraft d = dev.d;
        Matcher m;
        dev.cap = "";
        if (body.startsWith("Subsystem:")) {
            Matcher ids = Pattern.compile("\\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\\]$").matcher(body);
            if (ids.find()) {
                d.subsystemVendorId = Integer.parseInt(ids.group(1), 16);
                d.subsystemDeviceId = Integer.parseInt(ids.group(2), 16);
            }
        } else if (body.startsWith("Control:")) {
            dev.sawControl = true;
            d.command = bit(body, "I/O", 0x1) | bit(body, "Mem", 0x2) | bit(body, "BusMaster", 0x4)
                    | bit(body, "SpecCycle", 0x8) | bit(body, "MemWINV", 0x10) | bit(body, "VGASnoop", 0x20)
                    | bit(body, "ParErr", 0x40) | bit(body, "SERR", 0x100) | bit(body, "FastB2B", 0x200)
                    | bit(body, "DisINTx", 0x400);
        } else if (body.startsWith("Flags:")) {
            dev.sawFlags = true;
            d.command = body.contains("bus master") ? 0x6 : 0x2;
            Matcher g = FLAGS_GROUP.matcher(body);
            if (g.find()) group(d.bdf, Integer.parseInt(g.group(1)));
        } else if ((m = GROUP_FIELD.matcher(body)).matches()) {
            group(d.bdf, Integer.parseInt(m.group(1)));
        } else if (body.startsWith("Bus:")) {
            if (!(m = BUS.matcher(body)).matches()) throw error(line, "malformed bridge bus numbers: '" + body + "'");
            d.headerType = 1;
            BridgeInfo old = d.bridge;
            d.bridge = new BridgeInfo(Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16),
                    Integer.parseInt(m.group(3), 16), old == null ? null : old.getIoWindow(),
                    old == null ? null : old.getMemWindow(), old == null ? null : old.getPrefWindow());
        } else if (body.startsWith("I/O behind bridge:")) {
            bridge().setIoWindow(window(line, body));
        } else if (body.startsWith("Memory behind bridge:")) {
            bridge().setMemWindow(window(line, body));
        } else if (body.startsWith("Prefetchable memory behind bridge:")) {
            bridge().setPrefWindow(window(line, body));
        } else if ((m = REGION.matcher(body)).matches()) {
            region(line, m);
        } else if ((m = ROM.matcher(body)).matches()) {
            d.bars.add(new Bar(6, address(line, m.group(1)), size(line, m.group(2)), BarKind.MEM32, false));
        } else if (body.equals("Capabilities: <access denied>")) {
            dev.capsDenied = true;
        } else if (body.startsWith("Capabilities:")) {
            capability(line, body);
        } else if ((m = KERNEL_DRIVER.matcher(body)).matches()) {
            d.driver = m.group(1);
        }
    }

    private BridgeInfo bridge() {
        DeviceDraft d = dev.d;
        if (d.bridge == null) d.bridge = new BridgeInfo(0, 0, 0, null, null, null);
        return d.bridge;
    }

    private void capability(Line line, String body) throws CaptureParseException {
        Matcher m = CAP.matcher(body);
        if (!m.matches()) throw error(line, "malformed capability header: '" + body + "'");
        dev.capOffset = Integer.parseInt(m.group(1), 16);
        String what = m.group(2);
        DeviceDraft d = dev.d;
        Matcher x;
        if ((x = EXPRESS.matcher(what)).matches()) {
            dev.cap = "express";
            dev.sawExpress = true;
            String type = x.group(1).replaceFirst(" \\(Slot[+-]\\)$", "");
            d.pcieType = EXPRESS_TYPES.getOrDefault(type, PcieType.UNKNOWN);
        } else if ((x = MSIX.matcher(what)).matches()) {
            dev.cap = "msix";
            d.msix = new MsixState(x.group(1).equals("+"), Integer.parseInt(x.group(2)), x.group(3).equals("+"));
        } else if ((x = MSI.matcher(what)).matches()) {
            dev.cap = "msi";
            d.msi = new MsiState(x.group(1).equals("+"), Integer.parseInt(x.group(2)), Integer.parseInt(x.group(3)), null);
        } else if (what.startsWith("Access Control Services")) {
            dev.cap = "acs";
            dev.acsHeaderOnly = true;
            dev.acsOffset = dev.capOffset;
        } else if (what.startsWith("Address Translation Service")) {
            dev.cap = "ats";
        } else {
            dev.cap = "other";
        }
    }

    /** Lines two levels in or more: the body of the current capability. */
    private void detail(String body) {
        DeviceDraft d = dev.d;
        Matcher m;
        switch (dev.cap) {
            case "acs" -> {
                if (body.startsWith("ACSCap:")) dev.acsCap = acsBits(body);
                else if (body.startsWith("ACSCtl:")) dev.acsCtl = acsBits(body);
            }
            case "msi" -> {
                if ((m = ADDRESS.matcher(body)).matches() && d.msi != null) {
                    long address = Long.parseUnsignedLong(m.group(1), 16);
                    d.msi.setAddress(address == 0 ? null : address);
                }
            }
            case "ats" -> {
                if (body.startsWith("ATSCtl:")) d.atsEnabled = body.contains("Enable+");
            }
            default -> {
            }
        }
    }

    private static int acsBits(String body) {
        int bits = 0;
        for (int i = 0; i < ACS_FLAGS.size(); i++) {
            if (body.contains(ACS_FLAGS.get(i) + "+")) bits |= 1 << i;
        }
        return bits;
    }

    private static int bit(String body, String name, int value) {
        return Pattern.compile("(^|\\s)" + Pattern.quote(name) + "\\+").matcher(body).find() ? value : 0;
    }

    private Window window(Line line, String body) throws CaptureParseException {
        String value = body.substring(body.indexOf(':') + 1).strip();
        if (value.startsWith("None") || value.startsWith("[disabled]") || value.startsWith("[empty]")) return null;
        Matcher m = RANGE.matcher(value);
        if (!m.matches()) throw error(line, "malformed bridge window: '" + body + "'");
        return new Window(Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16));
    }

    private void region(Line line, Matcher m) throws CaptureParseException {
        DeviceDraft d = dev.d;
        boolean io = m.group(2).startsWith("I/O");
        String flags = m.group(4);
        boolean is64 = flags.contains("(64-bit");
        int index = m.group(1) != null ? Integer.parseInt(m.group(1)) : dev.nextBarIndex;
        if (index > 5) throw error(line, "BAR index " + index + " out of range 0-5");
        dev.nextBarIndex = index + (is64 ? 2 : 1);
        BarKind kind = io ? BarKind.IO : is64 ? BarKind.MEM64 : BarKind.MEM32;
        d.bars.add(new Bar(index, address(line, m.group(3)), size(line, flags), kind,
                flags.contains(", prefetchable)")));
    }

    private long address(Line line, String text) throws CaptureParseException {
        if (text.startsWith("<")) return 0; // <unassigned>, <ignored>
        try {
            return Long.parseUnsignedLong(text, 16);
        } catch (NumberFormatException e) {
            throw error(line, "malformed address '" + text + "'");
        }
    }

    private long size(Line line, String flags) throws CaptureParseException {
        Matcher s = SIZE.matcher(flags);
        if (!s.find()) return 0;
        long n = Long.parseLong(s.group(1));
        return switch (s.group(2)) {
            case "K" -> n << 10;
            case "M" -> n << 20;
            case "G" -> n << 30;
            case "T" -> n << 40;
            default -> n;
        };
    }

    private void finishDevice() {
        if (dev == null) return;
        Draft x = dev;
        DeviceDraft d = x.d;
        dev = null;
        if (x.sawControl) source.format = max(source.format, CaptureFormat.LSPCI_VV);
        else if (x.sawFlags) source.format = max(source.format, CaptureFormat.LSPCI_V);
        else if (x.sawIndented) source.format = max(source.format, CaptureFormat.LSPCI_NNK);
        boolean capsListed = x.sawControl || x.sawFlags;
        if (x.acsCap != null || x.acsCtl != null) {
            d.acs = new AcsCapability(x.acsOffset, x.acsCap == null ? 0 : x.acsCap, x.acsCtl == null ? 0 : x.acsCtl);
        }
        // lspci -v names the ACS capability without its bits: the bits are unknown, not zero. The capability is
        // kept (offset only) with capabilitiesKnown false, which says its registers were not seen.
        boolean acsUnknown = x.acsHeaderOnly && d.acs == null;
        if (acsUnknown) d.acs = new AcsCapability(x.acsOffset, 0, 0);
        d.capabilitiesKnown = capsListed && !x.capsDenied && !acsUnknown;
        if (!capsListed || x.capsDenied) {
            d.pcieType = PcieType.UNKNOWN;
        } else if (d.pcieType == PcieType.UNKNOWN && !x.sawExpress) {
            d.pcieType = PcieType.NOT_PCIE;
        }
        Bdf key = d.bdf;
        DeviceDraft existing = drafts.get(key);
        if (existing == null || !x.fromListing) drafts.put(key, d);
    }

    private final Map<Bdf, DeviceDraft> drafts = new java.util.TreeMap<>();

    private static CaptureFormat max(CaptureFormat a, CaptureFormat b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    private void finish() {
        finishDevice();
        drafts.forEach((bdf, d) -> source.devices.put(bdf, d.build()));
        source.richness = source.format.ordinal();
        // lspci prints "IOMMU group" for every grouped function; a few lines (one pasted -v block) are no listing
        source.groupsReported |= source.groups.size() * 2 > source.devices.size();
    }
}
