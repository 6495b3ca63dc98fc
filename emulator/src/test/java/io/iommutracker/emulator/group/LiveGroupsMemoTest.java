package io.iommutracker.emulator.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.acs.Acs;
import io.iommutracker.emulator.acs.AcsFlags;
import io.iommutracker.emulator.acs.AcsPolicy;
import io.iommutracker.emulator.alias.DmaAlias;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Keys;
import io.iommutracker.emulator.model.Topology;
import io.iommutracker.emulator.state.HostModel;
import io.iommutracker.emulator.synth.SyntheticHost;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link LiveGroups#anchor} memoises per bridge, per bus (the climb from a bus reusing the climb from its bridge's
 * bus) and for the last bus asked about; whatever order devices are asked in, each anchor must be the one a plain
 * climb without memos gives (mainline rules, which use the per-bus path).
 */
class LiveGroupsMemoTest {

    @Test
    void anchorsEqualAPlainClimbInAnyQueryOrderAfterRandomAcsWrites() throws Exception {
        Random r = new Random(23);
        HostState s = HostState.empty("m");
        long seq = 1;
        for (PciEvent e : SyntheticHost.events("m", 600)) {
            s = s.apply(e);
            seq = e.getSequence() + 1;
        }
        List<String> ports = new ArrayList<>();
        for (var d : s.devices()) {
            if (d.getAcs() != null) {
                ports.add(d.getBdf());
            }
        }
        int moved = 0;
        for (int round = 0; round < 12; round++) {
            for (int w = 0; w < 6; w++) {
                String port = ports.get(r.nextInt(ports.size()));
                s = s.apply(SyntheticHost.event("m", seq++, new AcsControlChanged(port, r.nextBoolean() ? 0 : 0x1d)));
            }
            HostModel m = s.model();
            Topology t = m.topology();
            AcsPolicy policy = m.hostPolicy();
            assertThat(policy.series()).isFalse();
            List<Device> devices = new ArrayList<>(t.all());
            if (round % 2 == 1) {
                Collections.shuffle(devices, r);
            }
            LiveGroups memo = new LiveGroups(t, policy, m.liveClusters());
            for (Device d : devices) {
                long plain = plainAnchor(d, t, policy, m.liveClusters());
                assertThat(memo.anchor(d)).as("%s in round %d", d.bdf(), round).isEqualTo(plain);
                moved += plain == d.key() ? 0 : 1;
            }
        }
        // most devices climbed away from their own key at some point: the memos were exercised
        assertThat(moved).isGreaterThan(1000);
    }

    private static long plainAnchor(Device d, Topology t, AcsPolicy policy, LiveClusters clusters) {
        Device cur = d;
        for (int guard = 0; guard < 256; guard++) {
            Device p = t.parent(cur);
            if (p == null || !(acsFail(p, t, policy) || aliasAbove(p, t))) {
                break;
            }
            cur = p;
        }
        return Keys.device(cur.bdf().domain(), cur.bdf().bus(), clusters.rep(cur));
    }

    private static boolean acsFail(Device p, Topology t, AcsPolicy policy) {
        Device up = t.parent(p);
        return !Acs.enabled(p, AcsFlags.REQ_ACS_FLAGS, t, policy) || (up != null && acsFail(up, t, policy));
    }

    private static boolean aliasAbove(Device p, Topology t) {
        if (p.hasFlag(Device.FLAG_BRIDGE_XLATE_ROOT)) {
            return false;
        }
        Device up = t.parent(p);
        return DmaAlias.bridgeAlias(p) != null || (up != null && aliasAbove(up, t));
    }
}
