package io.iommutracker.emulator.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.emulator.acs.KnownCapabilities;
import io.iommutracker.emulator.format.Capture;
import io.iommutracker.emulator.format.Captures;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel view computed from each real machine's dump (src/test/resources/realdata, see its NOTE.md) against
 * the groups that machine's kernel reported. The dumps' own group lines are read only as the expected answer:
 * the snapshot the emulator computes from never carries them.
 */
class RealMachinesTest {

    private static final Logger log = LoggerFactory.getLogger(RealMachinesTest.class);

    /** Each machine: its files (the lspci dump first, then the paired dmesg or group listing). */
    static final List<List<String>> MACHINES = List.of(
            List.of("linuxhw__fw-tgl-6FA24440EFE3-5BB187865D__lspci-vvnn.txt", "linuxhw__fw-tgl-6FA24440EFE3-5BB187865D__dmesg-excerpt.txt"),
            List.of("gh-sergeyklay-legion-y520__lspci-v.txt", "gh-sergeyklay-legion-y520__dmesg.txt"),
            List.of("linuxhw__b550i-pve-79662A4E6D26-CF76D2D9A4__lspci-vvnn.txt", "linuxhw__b550i-pve-79662A4E6D26-CF76D2D9A4__dmesg-excerpt.txt"),
            List.of("linuxhw__b450m-514E1B0EBA33-06FB257B53__lspci-vvnn.txt", "linuxhw__b450m-514E1B0EBA33-06FB257B53__dmesg-excerpt.txt"),
            List.of("linuxhw__fw13amd-0326DB76F9CD-D775A90C0E__lspci-vvnn.txt"),
            List.of("linuxhw__arm-solidrun-cex7-94C5F2E358D0-921A652A7E__lspci-vvnn.txt"),
            List.of("linuxhw__arm-solidrun-cex7-27D749A992E1-66E1D65053__lspci-vvnn.txt"),
            List.of("gh-asokolsky-duo__lspci-nnk.md.txt", "gh-asokolsky-duo__iommu-groups.md.txt"),
            List.of("gh-asokolsky-fuji__lspci-nnk.md.txt", "gh-asokolsky-fuji__iommu-groups.md.txt"),
            List.of("gh-asokolsky-nas__lspci-nnk.md.txt", "gh-asokolsky-nas__iommu-groups.md.txt"),
            List.of("gh-asokolsky-suprox__lspci-nnk.md.txt", "gh-asokolsky-suprox__iommu-groups.md.txt"));

    /**
     * Machines whose kernel grouping the capture cannot determine, with the evidence sought (docs/KERNEL-NOTES.md,
     * "Captures without capabilities"). Compared and printed, not asserted. The b450m dump used to be here: its Zeppelin
     * functions are now covered by {@code KnownCapabilities} rows read from another machine's readable config space.
     */
    static final Map<String, String> PARTITION_UNKNOWABLE = Map.of(
            // Root dumps of the same model show 1022:14ee/14eb ports carrying ACS with SV/RR/CR/UF enabled and isolated
            // under 6.8.5 and 6.10.2, while under 6.6.x (this capture: 6.6.7; linuxhw 1A1532F34CFD 6.6.3 against the
            // same laptop at 6.10.2) the kernel grouped them with the host bridge of their slot: ACS was not in effect
            // on 6.6. The cause (kernel or firmware) is not identified and the capture carries no kernel release.
            "linuxhw/fw13amd-0326DB76F9CD-D775A90C0E", "Phoenix ports' ACS not in effect under kernel 6.6 (cause unknown)",
            // X553 functions 8086:15e4/15e5 are endpoints below root ports 19d1/19d2, in no kernel ACS quirk; the kernel
            // isolated each, which needs an ACS capability. No public dump with their registers was found.
            "gh-asokolsky-nas/lspci-nnk.md.txt", "Intel X553 ACS not in lspci -nnk, no public register dump found");

    /**
     * Machines whose group ids the capture cannot determine: on arm64 with an MMU-500 (ARM_SMMU) the platform devices
     * (not in lspci) take group ids too, before and between the PCI functions.
     */
    static final Map<String, String> IDS_UNKNOWABLE = Map.of(
            "linuxhw/arm-solidrun-cex7-94C5F2E358D0-921A652A7E", "platform devices take SMMU group ids",
            "linuxhw/arm-solidrun-cex7-27D749A992E1-66E1D65053", "platform devices take SMMU group ids");

    static Path resource(String name) {
        try {
            return Path.of(RealMachinesTest.class.getResource("/realdata/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test fixture realdata/" + name, e);
        }
    }

    @Test
    void kernelViewMatchesWhatEachMachinesKernelReported() throws Exception {
        List<Conformance.Result> results = new ArrayList<>();
        for (List<String> files : MACHINES) {
            Capture c = Captures.readCapture(files.stream().map(RealMachinesTest::resource).toList());
            assertThat(c.groupsReported()).as("%s carries the kernel's groups", files.get(0)).isTrue();
            String host = files.get(0).replaceAll("__.*", "") + "/" + files.get(0).split("__")[1];
            // Facts assumed for a capture without capabilities never come from that machine's own probe.
            java.util.regex.Matcher hw = java.util.regex.Pattern.compile("[0-9A-F]{12}").matcher(files.get(0));
            String machineId = hw.find() ? hw.group() : files.get(0).split("__")[0];
            assertThat(KnownCapabilities.assumedFor(c.snapshot().getDevices()))
                    .as("%s assumes no fact from its own capture", host)
                    .noneMatch(a -> a.fact().evidence().contains(machineId));
            results.add(Conformance.compare(host, c, Conformance.kernelView(host, c)));
        }
        int machines = results.size();
        int agreeing = (int) results.stream().filter(Conformance.Result::partitionAgrees).count();
        int devices = results.stream().mapToInt(Conformance.Result::devices).sum();
        int devAgree = results.stream().mapToInt(Conformance.Result::devicesAgreeing).sum();
        int withIds = results.stream().mapToInt(Conformance.Result::devicesWithIds).sum();
        int idAgree = results.stream().mapToInt(Conformance.Result::idsAgreeing).sum();
        StringBuilder report = new StringBuilder();
        for (var r : results) {
            report.append(String.format("%n  %-60s partition %s (%d/%d devices), ids %d/%d", r.host(),
                    r.partitionAgrees() ? "agrees" : "DIFFERS", r.devicesAgreeing(), r.devices(), r.idsAgreeing(), r.devicesWithIds()));
            String why = PARTITION_UNKNOWABLE.getOrDefault(r.host(), IDS_UNKNOWABLE.get(r.host()));
            if (why != null) {
                report.append(" [not asserted").append(PARTITION_UNKNOWABLE.containsKey(r.host()) ? "" : " (ids)")
                        .append(": ").append(why).append(']');
            }
            r.differences().stream().limit(12).forEach(d -> report.append("\n      ").append(d));
        }
        String summary = String.format("%d of %d machines, %d of %d devices agree (group ids: %d of %d)",
                agreeing, machines, devAgree, devices, idAgree, withIds);
        log.info("real machines: {}{}", summary, report);
        System.out.println("real machines: " + summary + report);
        assertThat(results.stream().filter(r -> !PARTITION_UNKNOWABLE.containsKey(r.host())))
                .allSatisfy(r -> assertThat(r.partitionAgrees()).as("%s%s", r.host(), r.differences()).isTrue());
        // Group ids wherever the capture shows them (every machine here does) and can determine them.
        assertThat(results.stream().filter(r -> r.devicesWithIds() > 0 && !PARTITION_UNKNOWABLE.containsKey(r.host())
                && !IDS_UNKNOWABLE.containsKey(r.host())))
                .allSatisfy(r -> assertThat(r.idsAgree()).as("%s ids%s", r.host(), r.differences()).isTrue());
        // The exclusions are still compared and printed; the totals must keep counting every machine.
        assertThat(machines).isEqualTo(MACHINES.size());
    }
}
