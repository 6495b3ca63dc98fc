package io.iommutracker.emulator.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.emulator.format.Capture;
import io.iommutracker.emulator.format.Captures;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
            r.differences().stream().limit(12).forEach(d -> report.append("\n      ").append(d));
        }
        String summary = String.format("%d of %d machines, %d of %d devices agree (group ids: %d of %d)",
                agreeing, machines, devAgree, devices, idAgree, withIds);
        log.info("real machines: {}{}", summary, report);
        System.out.println("real machines: " + summary + report);
        assertThat(results).allSatisfy(r -> assertThat(r.partitionAgrees()).as("%s%s", r.host(), r.differences()).isTrue());
    }
}
