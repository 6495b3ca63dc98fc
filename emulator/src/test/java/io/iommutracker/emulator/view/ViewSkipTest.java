package io.iommutracker.emulator.view;

import static io.iommutracker.emulator.synth.PciDevices.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.CommandChanged;
import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.MsiConfigured;
import io.iommutracker.avro.MsiKind;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.TestHost;
import io.iommutracker.emulator.synth.SyntheticHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link HostViewBuilder#mayDiffer}: every "cannot differ" answer is checked against a real rebuild. */
class ViewSkipTest {

    private static TestHost host() {
        return TestHost.of(IommuPlatform.INTEL_VT_D).add(
                at("00:01.0").rootPort(1, 4).acsOn().memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("01:00.0").upstreamPort(2, 4).memWindow(0x8000_0000L, 0x80ff_ffffL),
                at("02:00.0").downstreamPort(3, 3).memWindow(0x8000_0000L, 0x800f_ffffL),
                at("02:01.0").downstreamPort(4, 4).memWindow(0x8010_0000L, 0x801f_ffffL),
                at("03:00.0").endpoint().bar(0, 0x8000_0000L, 0x1000), at("04:00.0").endpoint().bar(0, 0x8010_0000L, 0x1000));
    }

    /** Applies the payload; returns whether mayDiffer allowed a skip, after checking a skip would have been right. */
    private static boolean skipped(TestHost h, Object payload) throws Exception {
        HostState before = h.state();
        PciEvent event = SyntheticHost.event(before.hostId(), before.lastSequence() + 1, payload);
        HostState after = before.apply(event);
        boolean may = HostViewBuilder.mayDiffer(before.model(), event);
        if (!may) {
            assertThat(content(after.view())).isEqualTo(content(before.view()));
        }
        h.apply(payload);
        return !may;
    }

    private static HostView content(HostView v) {
        return HostView.newBuilder(v).setSequence(0).setUpdatedAt(java.time.Instant.EPOCH).build();
    }

    private static Bar bar(long base) {
        return new Bar(0, base, 0x1000L, BarKind.MEM64, true);
    }

    @Test
    void commandAndMsiWritesNeverChangeTheView() throws Exception {
        TestHost h = host();
        assertThat(skipped(h, new CommandChanged("0000:03:00.0", 0x6))).isTrue();
        assertThat(skipped(h, new MsiConfigured("0000:03:00.0", MsiKind.MSIX, true, 8, null))).isTrue();
    }

    @Test
    void barMovesChangeTheViewOnlyOnceDmaIsReported() throws Exception {
        TestHost h = host();
        assertThat(skipped(h, new BarProgrammed("0000:04:00.0", bar(0x8010_1000L)))).isTrue();
        h.apply(new DmaMappingsReported("vm-1", List.of("0000:03:00.0"), List.of(new IovaRange(0x8010_0000L, 0x8010_0fffL))));
        // a peer BAR is now a P2P window a reported mapping may hit: no skip
        assertThat(skipped(h, new BarProgrammed("0000:04:00.0", bar(0x8010_0000L)))).isFalse();
    }

    @Test
    void ownershipChangesAreNeverSkipped() throws Exception {
        TestHost h = host();
        assertThat(skipped(h, new DriverBound("0000:03:00.0", "vfio-pci", new Owner(OwnerKind.VFIO, "vm-1")))).isFalse();
    }

    @Test
    void writesOfWhatADeviceAlreadyHoldsAreSkippedAndOthersAreNot() throws Exception {
        TestHost h = host();
        h.apply(new DmaMappingsReported("vm-1", List.of("0000:03:00.0"), List.of(new IovaRange(0x8010_0000L, 0x8010_0fffL))));
        int acsNow = h.state().device("0000:00:01.0").orElseThrow().getAcs().getCtrl();
        assertThat(skipped(h, new AcsControlChanged("0000:00:01.0", acsNow))).isTrue();
        assertThat(skipped(h, new AcsControlChanged("0000:00:01.0", 0))).isFalse();
        assertThat(skipped(h, new AcsControlChanged("0000:00:01.0", 0))).isTrue();
        // with DMA reported a BAR move may change hazards; the BAR it already has cannot
        assertThat(skipped(h, new BarProgrammed("0000:04:00.0", bar(0x8010_1000L)))).isFalse();
        assertThat(skipped(h, new BarProgrammed("0000:04:00.0", bar(0x8010_1000L)))).isTrue();
        assertThat(skipped(h, new BarProgrammed("0000:04:00.0", bar(0x8010_0000L)))).isFalse();
        List<IovaRange> low = List.of(new IovaRange(0L, 0xffff_ffffL));
        assertThat(skipped(h, new DmaMappingsReported("vm-1", List.of("0000:03:00.0"), low))).isFalse();
        assertThat(skipped(h, new DmaMappingsReported("vm-1", List.of("0000:03:00.0"), low))).isTrue();
        // another owner, or one more device, is a new report
        assertThat(skipped(h, new DmaMappingsReported("vm-2", List.of("0000:03:00.0"), low))).isFalse();
        assertThat(skipped(h, new DmaMappingsReported("vm-2", List.of("0000:03:00.0", "0000:04:00.0"), low))).isFalse();
    }

    @Test
    void aRepeatedWriteLeavesTheStatePiecesAsTheyWere() throws Exception {
        TestHost h = host();
        HostState s = h.state();
        int acsNow = s.device("0000:00:01.0").orElseThrow().getAcs().getCtrl();
        HostState a = s.apply(SyntheticHost.event(s.hostId(), s.lastSequence() + 1, new AcsControlChanged("0000:00:01.0", acsNow)));
        assertThat(a.model().topology()).isSameAs(s.model().topology());
        assertThat(a.model().liveClusters()).isSameAs(s.model().liveClusters());
        Bar same = s.device("0000:04:00.0").orElseThrow().getBars().get(0);
        HostState b = s.apply(SyntheticHost.event(s.hostId(), s.lastSequence() + 1, new BarProgrammed("0000:04:00.0", same)));
        assertThat(b.model().topology()).isSameAs(s.model().topology());
        HostState c = s.apply(SyntheticHost.event(s.hostId(), s.lastSequence() + 1, new AcsControlChanged("0000:00:01.0", 0)));
        assertThat(c.model().topology()).isNotSameAs(s.model().topology());
        assertThat(c.lastSequence()).isEqualTo(a.lastSequence());
    }

    /** Random repeated and fresh writes of the three kinds: every skip is checked against a rebuild by {@link #skipped}. */
    @Test
    void randomRepeatedWritesSkipOnlyWhenNothingChanged() throws Exception {
        TestHost h = host();
        java.util.Random r = new java.util.Random(4);
        String[] ports = {"0000:00:01.0"};
        String[] eps = {"0000:03:00.0", "0000:04:00.0"};
        int skips = 0;
        int derived = 0;
        for (int i = 0; i < 150; i++) {
            Object payload = switch (r.nextInt(3)) {
                case 0 -> new AcsControlChanged(ports[r.nextInt(ports.length)], r.nextBoolean() ? 0 : 0x1d);
                case 1 -> {
                    String ep = eps[r.nextInt(2)];
                    long base = (ep.endsWith("03:00.0") ? 0x8000_0000L : 0x8010_0000L) + 0x1000L * r.nextInt(2);
                    yield new BarProgrammed(ep, bar(base));
                }
                default -> {
                    long at = 0x8010_0000L + 0x1000L * r.nextInt(2);
                    yield new DmaMappingsReported("vm-" + r.nextInt(2), List.of(eps[r.nextInt(2)]),
                            List.of(new IovaRange(at, at + 0xfff)));
                }
            };
            if (skipped(h, payload)) {
                skips++;
            } else {
                derived++;
            }
        }
        assertThat(skips).isGreaterThan(20);
        assertThat(derived).isGreaterThan(20);
    }

    /** A repeated write after a gap in the sequence degrades the host: the view shows it, so it is not skipped. */
    @Test
    void aRepeatedWriteThatDegradesTheHostIsNotSkipped() throws Exception {
        HostState s = host().state();
        int acsNow = s.device("0000:00:01.0").orElseThrow().getAcs().getCtrl();
        PciEvent gap = SyntheticHost.event(s.hostId(), s.lastSequence() + 2, new AcsControlChanged("0000:00:01.0", acsNow));
        HostState after = s.apply(gap);
        assertThat(after.degraded()).isTrue();
        assertThat(content(after.view())).isNotEqualTo(content(s.view()));
        assertThat(HostViewBuilder.mayDiffer(s.model(), gap)).isTrue();
        // once degraded, the last view made may still show the host undegraded: no skip either
        PciEvent next = SyntheticHost.event(s.hostId(), after.lastSequence() + 1, new AcsControlChanged("0000:00:01.0", acsNow));
        assertThat(HostViewBuilder.mayDiffer(after.model(), next)).isTrue();
    }
}
