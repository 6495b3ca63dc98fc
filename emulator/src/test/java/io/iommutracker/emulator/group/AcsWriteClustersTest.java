package io.iommutracker.emulator.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.DeviceAdded;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.synth.PciDevices;
import io.iommutracker.emulator.synth.SyntheticHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An ACS write recomputes its bus's same-bus partition only when the device shares its slot with other functions;
 * the kept cache must still equal one computed from scratch (a decoded state recomputes every bus), whichever
 * devices the writes hit: ports alone in their slot, or functions of multifunction endpoints with ACS.
 */
class AcsWriteClustersTest {

    @Test
    void liveGroupsAfterRandomAcsWritesEqualThoseOfAFreshlyComputedCache() throws Exception {
        HostState s = HostState.empty("h");
        long seq = 1;
        for (PciEvent e : SyntheticHost.events("h", 120)) {
            s = s.apply(e);
            seq = e.getSequence() + 1;
        }
        List<String> targets = new ArrayList<>(List.of("0000:00:01.0", "0000:00:02.0", "0000:02:00.0", "0000:02:03.0"));
        // two slots of four ACS-capable functions on a root bus of another domain, and one alone in its slot
        for (int slot = 1; slot <= 2; slot++) {
            for (int fn = 0; fn < 4; fn++) {
                String bdf = String.format("0001:00:%02x.%d", slot, fn);
                s = s.apply(SyntheticHost.event("h", seq++, new DeviceAdded(PciDevices.at(bdf).endpoint().multifunction()
                        .acs(0x1f, 0x1d).build())));
                targets.add(bdf);
            }
        }
        s = s.apply(SyntheticHost.event("h", seq++, new DeviceAdded(PciDevices.at("0001:00:05.0").endpoint()
                .acs(0x1f, 0x1d).build())));
        targets.add("0001:00:05.0");
        Random r = new Random(17);
        int[] ctrls = {0, 0x1d, 0x1f, 0x01, 0x0c};
        int groupings = 0;
        List<List<String>> last = s.liveGroups();
        for (int i = 0; i < 120; i++) {
            String target = targets.get(r.nextInt(targets.size()));
            s = s.apply(SyntheticHost.event("h", seq++, new AcsControlChanged(target, ctrls[r.nextInt(ctrls.length)])));
            List<List<String>> incremental = s.liveGroups();
            assertThat(HostState.fromBytes(s.toBytes()).liveGroups()).as("after write %d to %s", i, target)
                    .isEqualTo(incremental);
            groupings += incremental.equals(last) ? 0 : 1;
            last = incremental;
        }
        // the writes did move devices between groups, so a stale partition would have shown
        assertThat(groupings).isGreaterThan(20);
    }
}
