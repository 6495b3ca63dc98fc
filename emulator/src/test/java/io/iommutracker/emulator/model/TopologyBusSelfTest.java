package io.iommutracker.emulator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.synth.PciDevices;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Topology#busSelf} reads a second index that holds the bridge itself; it must always name the device the
 * address index names, through bridges added, replaced (same or other bus numbers, two claiming one bus), removed.
 */
class TopologyBusSelfTest {

    private static Device bridge(int bus, int devfn, int secondary, int acsCtrl) {
        String bdf = String.format("0000:%02x:%02x.%d", bus, devfn >> 3, devfn & 7);
        PciDeviceInfo info = PciDevices.at(bdf).bridge(secondary, Math.min(0xff, secondary + 3)).acs(0x1f, acsCtrl).build();
        return new Device(Bdf.parse(bdf), info, 0, null);
    }

    private static Device endpoint(int bus, int devfn) {
        String bdf = String.format("0000:%02x:%02x.%d", bus, devfn >> 3, devfn & 7);
        return new Device(Bdf.parse(bdf), PciDevices.at(bdf).endpoint().build(), 0, null);
    }

    @Test
    void busSelfAlwaysEqualsTheDeviceTheAddressIndexNames() {
        Random r = new Random(42);
        Topology t = Topology.empty();
        List<Topology> versions = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            int bus = r.nextInt(12);
            int devfn = r.nextInt(4) * 8;
            int op = r.nextInt(10);
            if (op < 5) {
                // a bridge, often claiming a bus another bridge already has
                t = t.with(bridge(bus, devfn, 1 + bus + r.nextInt(6), r.nextInt(2) * 0x1d));
            } else if (op < 7) {
                t = t.with(endpoint(bus, devfn));
            } else {
                t = t.without(Bdf.of(0, bus, devfn));
            }
            versions.add(t);
        }
        int bridges = 0;
        for (Topology v : versions) {
            for (int bus = 0; bus < 24; bus++) {
                Device self = v.busSelf(0, bus);
                assertThat(self).isSameAs(v.busSelfByAddress(0, bus));
                if (self != null) {
                    bridges++;
                    assertThat(self.secondary()).isEqualTo(bus);
                    assertThat(v.device(self.bdf())).isSameAs(self);
                }
            }
        }
        // the walk did exercise buses with bridges, and old versions kept their own answers
        assertThat(bridges).isGreaterThan(10_000);
    }

    @Test
    void replacingABridgeWithTheSameBusNumbersKeepsTheAddressIndexButUpdatesTheSelf() {
        Topology t = Topology.empty().with(bridge(0, 8, 1, 0)).with(endpoint(1, 0));
        Device changed = bridge(0, 8, 1, 0x1d);
        Topology u = t.with(changed);
        assertThat(u.sameBridgeIndex(t)).isTrue();
        assertThat(u.busSelf(0, 1)).isSameAs(changed);
        assertThat(u.parent(u.device(Bdf.of(0, 1, 0)))).isSameAs(changed);
        assertThat(t.busSelf(0, 1)).isNotSameAs(changed);
    }
}
