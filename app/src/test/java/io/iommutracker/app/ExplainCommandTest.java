package io.iommutracker.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ExplainCommandTest {

    /** A recorded kernel run kept in the emulator's test resources (see its NOTE.md). */
    static final Path RUN = Path.of("..", "emulator", "src", "test", "resources", "oracle", "d-pci-bridge-intel");

    record Out(int rc, String out, String err) {
    }

    static Out run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            return 1;
        });
        return new Out(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void jsonListsTheGroupsAndRegionsTheRecordedKernelShowed() throws Exception {
        Out o = run("explain", "--format", "json", RUN.toString());
        assertThat(o.rc()).as(o.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(o.out());
        // a sysfs capture shows every capability, so nothing is assumed
        assertThat(root.has("capabilityAssumptions")).isFalse();
        List<String> got = new ArrayList<>();
        for (JsonNode g : root.get("groups")) {
            List<String> devs = new ArrayList<>();
            g.get("devices").forEach(d -> devs.add(d.asText()));
            List<String> regs = new ArrayList<>();
            g.get("reservedRegions").forEach(r -> regs.add(r.asText()));
            got.add(g.get("id").asInt() + " " + devs.stream().sorted().toList() + " " + regs);
        }
        List<String> want = new ArrayList<>();
        try (Stream<Path> s = Files.list(RUN.resolve("iommu_groups"))) {
            for (Path g : s.filter(Files::isDirectory).toList()) {
                List<String> devs = Files.readAllLines(g.resolve("devices")).stream().filter(l -> !l.isBlank()).sorted().toList();
                List<String> regs = Files.readAllLines(g.resolve("reserved_regions")).stream().filter(l -> !l.isBlank()).toList();
                want.add(g.getFileName() + " " + devs + " " + regs);
            }
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(want);
    }

    @Test
    void capabilitiesTakenFromTheKnownTableAreNamedWithTheirSource() throws Exception {
        Path dir = Path.of("..", "emulator", "src", "test", "resources", "realdata");
        Path lspci = dir.resolve("linuxhw__b450m-514E1B0EBA33-06FB257B53__lspci-vvnn.txt");
        Path dmesg = dir.resolve("linuxhw__b450m-514E1B0EBA33-06FB257B53__dmesg-excerpt.txt");
        Out o = run("explain", "--format", "json", lspci.toString(), dmesg.toString());
        assertThat(o.rc()).as(o.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(o.out());
        List<String> assumed = new ArrayList<>();
        root.get("capabilityAssumptions").forEach(a -> assumed.add(a.get("device").asText() + " " + a.get("fact").asText()
                + (a.get("source").asText().startsWith("linuxhw/LsPCI") ? "" : " (no source)")));
        // the lspci ran without root, so the Zeppelin functions' ACS comes from the table; 0a:00.3 (1022:145f) has no row
        assertThat(assumed).contains("0000:0a:00.0 1022:145a rev 00: ACS capability (cap 0x0000)",
                "0000:0b:00.2 1022:7901 rev 51: ACS capability (cap 0x0000)").noneMatch(a -> a.startsWith("0000:0a:00.3"));
        Out text = run("explain", lspci.toString(), dmesg.toString());
        assertThat(text.out()).contains("assumed 0000:0b:00.3 1022:1457 rev 00: ACS capability (cap 0x0000), from linuxhw/LsPCI");
    }

    @Test
    void liveViewAndRuleSetsAreSelectable() {
        Out o = run("explain", "--view", "live", "--rules", "acs-groups-series", RUN.toString());
        assertThat(o.rc()).as(o.err()).isZero();
        assertThat(o.out()).contains("live view, acs-groups-series rules");
    }

    @Test
    void badInputIsNamed() throws Exception {
        Path junk = Files.createTempFile(Path.of("target"), "junk", ".txt");
        Files.writeString(junk, "hello\n");
        Out o = run("explain", junk.toString());
        assertThat(o.rc()).isEqualTo(1);
        assertThat(o.err()).contains(junk.toString() + ":1:").contains("unrecognised capture format");
        assertThat(run("explain", "--platform", "sparc", RUN.toString()).err()).contains("--platform sparc");
        assertThat(run("explain", "does-not-exist").err()).contains("does-not-exist: no such file or directory");
    }
}
