package io.iommutracker.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.acs.KnownCapabilities;
import io.iommutracker.emulator.format.Captures;
import io.iommutracker.emulator.resv.Region;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Compute a host's IOMMU groups and reserved regions from a capture, as the kernel would list them.",
                "FILE: lspci -vvnn / -v / -nnk text, dmesg, a sysfs capture directory or tar; several files of one host are merged.",
                "The answer is always computed: group numbers printed in the capture are never copied."})
final class ExplainCommand implements Callable<Integer> {

    enum View { kernel, live }

    enum Format { text, json }

    enum Rules {
        mainline(RuleSet.MAINLINE), acs_override(RuleSet.ACS_OVERRIDE), acs_groups_series(RuleSet.ACS_GROUPS_SERIES);

        final RuleSet rules;

        Rules(RuleSet r) {
            this.rules = r;
        }

        static Rules parse(String s) {
            return Rules.valueOf(s.replace('-', '_'));
        }
    }

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Capture files or directories of one host.")
    List<Path> files;

    @Option(names = "--cmdline", paramLabel = "ARGS", description = "Kernel command line to use instead of the capture's.")
    String cmdline;

    @Option(names = "--platform", paramLabel = "P",
            description = "IOMMU platform instead of the capture's: intel-vt-d, amd-vi, arm-smmu, arm-smmu-v3, virtio-iommu, apple-dart, none.")
    String platform;

    @Option(names = "--view", defaultValue = "kernel", description = "kernel (what sysfs shows) or live (what the hardware isolates now). Default: ${DEFAULT-VALUE}.")
    View view;

    @Option(names = "--rules", paramLabel = "R", description = "mainline, acs-override or acs-groups-series (default: what the host's command line implies).")
    String rules;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        for (Path f : files) {
            if (!Files.exists(f)) {
                throw new IllegalArgumentException(f + ": no such file or directory");
            }
        }
        HostSnapshot snap = Captures.read(files);
        HostDescribed host = snap.getHost() != null ? HostDescribed.newBuilder(snap.getHost()).build()
                : HostDescribed.newBuilder().build();
        if (cmdline != null) {
            host.setCommandLine(cmdline);
        }
        if (platform != null) {
            host.setPlatform(parsePlatform(platform));
        }
        snap = HostSnapshot.newBuilder(snap).setHost(host).build();
        String hostId = files.get(0).getFileName().toString();
        HostState state = HostState.empty(hostId).apply(new PciEvent(hostId, 1L, Instant.EPOCH, "explain", snap));
        RuleSet rs = rules == null ? RuleSet.forHost(state) : Rules.parse(rules).rules;
        HostView v = state.view(rs);
        List<GroupView> groups = view == View.kernel ? v.getKernelGroups() : v.getLiveGroups();
        PrintWriter out = spec.commandLine().getOut();
        List<KnownCapabilities.Assumed> assumed = KnownCapabilities.assumedFor(snap.getDevices());
        if (format == Format.json) {
            out.println(json(v, groups, rs, assumed));
        } else {
            out.printf("host %s: platform %s, %d devices, %d groups (%s view, %s rules)%n", hostId, v.getPlatform(),
                    v.getDeviceCount(), groups.size(), view, rs.name().toLowerCase().replace('_', '-'));
            for (GroupView g : groups) {
                out.printf("IOMMU group %d%n", g.getId());
                for (String d : g.getDevices()) {
                    out.printf("  %s%n", d);
                }
                for (var r : g.getReservedRegions()) {
                    out.printf("  reserved %s%n", new Region(r.getStart(), r.getEnd(), r.getType()).sysfsLine());
                }
            }
            for (KnownCapabilities.Assumed a : assumed) {
                out.printf("assumed %s %s, from %s%n", a.bdf(), a.fact().describe(), a.fact().evidence());
            }
        }
        out.flush();
        return 0;
    }

    static IommuPlatform parsePlatform(String p) {
        return switch (p.toLowerCase()) {
            case "intel-vt-d", "intel", "vt-d" -> IommuPlatform.INTEL_VT_D;
            case "amd-vi", "amd" -> IommuPlatform.AMD_VI;
            case "arm-smmu" -> IommuPlatform.ARM_SMMU;
            case "arm-smmu-v3", "smmuv3" -> IommuPlatform.ARM_SMMU_V3;
            case "virtio-iommu", "virtio" -> IommuPlatform.VIRTIO_IOMMU;
            case "apple-dart" -> IommuPlatform.APPLE_DART;
            case "none" -> IommuPlatform.NONE;
            default -> throw new IllegalArgumentException("--platform " + p
                    + ": expected intel-vt-d, amd-vi, arm-smmu, arm-smmu-v3, virtio-iommu, apple-dart or none");
        };
    }

    static String json(HostView v, List<GroupView> groups, RuleSet rs) throws Exception {
        return json(v, groups, rs, List.of());
    }

    static String json(HostView v, List<GroupView> groups, RuleSet rs, List<KnownCapabilities.Assumed> assumed)
            throws Exception {
        List<Map<String, Object>> gs = new ArrayList<>();
        for (GroupView g : groups) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", g.getId());
            m.put("devices", g.getDevices());
            m.put("reservedRegions", g.getReservedRegions().stream()
                    .map(r -> new Region(r.getStart(), r.getEnd(), r.getType()).sysfsLine()).toList());
            gs.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("groups", gs);
        root.put("platform", v.getPlatform().name());
        root.put("rules", rs.name());
        root.put("deviceCount", v.getDeviceCount());
        if (!assumed.isEmpty()) {
            // Capabilities the capture could not show, taken from the per-id table (never from the capture's groups).
            List<Map<String, Object>> as = new ArrayList<>();
            for (KnownCapabilities.Assumed a : assumed) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("device", a.bdf());
                m.put("fact", a.fact().describe());
                m.put("source", a.fact().evidence());
                as.add(m);
            }
            root.put("capabilityAssumptions", as);
        }
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
    }
}
