package io.iommutracker.emulator.alias;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.PcieType;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.quirks.AliasQuirks;
import io.iommutracker.emulator.synth.PciDevices;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DmaAliasTest {

    private static Topology topo = Topology.empty();

    private static Device put(PciDevices b) {
        var info = b.build();
        Bdf bdf = Bdf.parse(info.getBdf());
        Device d = AliasQuirks.apply(bdf, info, topo.busSelf(bdf.domain(), bdf.bus()), 0);
        topo = topo.with(d);
        return d;
    }

    private static List<String> walk(Device d) {
        List<String> out = new ArrayList<>();
        DmaAlias.forEach(d, topo, (pdev, bus, devfn) -> {
            out.add(pdev.bdf().toString().substring(5) + "@" + Bdf.of(0, bus, devfn).toString().substring(5));
            return false;
        });
        return out;
    }

    @Test
    void pcieToPciBridgeAliasesWithSecondaryBusDevfnZero() {
        topo = Topology.empty();
        put(PciDevices.at("00:01.0").rootPort(1, 2));
        put(PciDevices.at("01:00.0").type(PcieType.PCIE_TO_PCI_BRIDGE).bridge(2, 2));
        Device conv = put(PciDevices.at("02:03.0").type(PcieType.NOT_PCIE));
        assertThat(walk(conv)).containsExactly("02:03.0@02:03.0", "01:00.0@02:00.0");
    }

    @Test
    void func1QuirkAndPcieBridgeAliasFlag() {
        topo = Topology.empty();
        put(PciDevices.at("00:01.0").rootPort(1, 2));
        Device marvell = put(PciDevices.at("01:00.0").ids(0x1b4b, 0x9230));
        assertThat(walk(marvell)).containsExactly("01:00.0@01:00.0", "01:00.0@01:00.1");
        Device asm = put(PciDevices.at("01:01.0").ids(0x1b21, 0x1080).type(PcieType.NOT_PCIE).bridge(2, 2));
        assertThat(asm.hasFlag(Device.FLAG_PCIE_BRIDGE_ALIAS)).isTrue();
        Device below = put(PciDevices.at("02:00.0").type(PcieType.NOT_PCIE));
        assertThat(walk(below)).containsExactly("02:00.0@02:00.0", "01:01.0@02:00.0");
    }

    @Test
    void xlateRootStopsTheWalk() {
        topo = Topology.empty();
        put(PciDevices.at("00:01.0").ids(0x14e4, 0x9000).type(PcieType.NOT_PCIE).bridge(1, 1));
        Device d = put(PciDevices.at("01:00.0"));
        assertThat(walk(d)).containsExactly("01:00.0@01:00.0");
    }
}
