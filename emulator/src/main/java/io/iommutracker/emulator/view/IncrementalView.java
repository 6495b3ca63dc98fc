package io.iommutracker.emulator.view;

import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.P2pHazard;
import io.iommutracker.avro.Verdict;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.LongTrie;
import io.iommutracker.emulator.persist.PTree;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.state.HostModel;
import io.iommutracker.emulator.vfio.GroupFacts;
import java.util.Comparator;
import java.util.List;

/**
 * One host's view together with the pieces it was made of, each in a persistent structure keyed by device (or group),
 * so that the view of another version of the host recomputes only the pieces whose inputs differ and shares the rest.
 * What differs is found by comparing the two versions' persistent tries, which skips every subtree they share; the
 * dependency rules ({@link ViewStep}) then touch the changed devices, the devices below a changed bridge and the groups they
 * belong to, never the whole host. The view's lists are immutable views over persistent order-statistics trees
 * ({@link PTree}): devices by {@link ProbeKey}, kernel groups by id, live groups by (candidate id, first device), so
 * making the next view copies no list. Lists of unchanged pieces are the same objects as in the last view. Immutable.
 */
final class IncrementalView {

    private static final Comparator<Integer> BY_ID = Integer::compare;
    private static final Comparator<ProbeKey> BY_PROBE = ProbeKey::compareTo;

    final HostModel model;
    final HostView view;
    /** False when the view was built from scratch without pieces (a bus-number loop): the next one starts over. */
    final boolean pieces;
    final LongTrie<Dev> devs;
    final PTree<ProbeKey, DeviceView> order;
    /** The devices with reported DMA mappings, in probe order, weighed by their hazard count. */
    final PTree<ProbeKey, Hazards> hazards;
    final LongTrie<KernelGroup> kernel;
    final PTree<Integer, GroupView> kernelViews;
    final PTree<Integer, List<GroupIova>> iova;
    final LongTrie<Live> live;
    final PTree<LiveKey, Live> liveOrder;
    /** The live groups that get a fresh id (no kernel id, or one an earlier group took), in visit order. */
    final PTree<LiveKey, Live> losers;

    /** Everything derived for one device. Mutable only while the step that copied it is running. */
    static final class Dev {
        Device device;
        String name;
        ProbeKey pkey;
        List<Region> regions;
        int kernel = -1;
        boolean eligible;
        long anchor = -1;
        List<Verdict> verdicts = List.of();
        DeviceView view;
        /** While a step runs: what changed about the device, and its previous record (null when new). */
        int flags;
        Dev was;

        Dev copy() {
            Dev d = new Dev();
            d.device = device;
            d.name = name;
            d.pkey = pkey;
            d.regions = regions;
            d.kernel = kernel;
            d.eligible = eligible;
            d.anchor = anchor;
            d.verdicts = verdicts;
            d.view = view;
            return d;
        }
    }

    /** A kernel group's facts, view and usable IOVA, made together from the same inputs. */
    record KernelGroup(GroupFacts facts, GroupView view, List<GroupIova> iova) {
    }

    /** One device's P2P hazards. */
    record Hazards(long device, List<P2pHazard> list) {
    }

    /** Where a live group is visited when ids are handed out: by smallest kernel id among its members, then first device. */
    record LiveKey(int min, ProbeKey first) implements Comparable<LiveKey> {
        @Override
        public int compareTo(LiveKey o) {
            int c = Integer.compare(min, o.min);
            if (c != 0 || first == o.first) {
                return c;
            }
            // no first device: below every group with this id, to start a scan from
            return first == null ? -1 : o.first == null ? 1 : first.compareTo(o.first);
        }
    }

    /** A live group by anchor. Mutable only while the step that copied it is running. */
    static final class Live {
        long anchor;
        /** Device keys in probe order. */
        long[] members;
        int min;
        ProbeKey first;
        boolean loser;
        int id = -1;
        GroupView view;
        /** While a step runs: the members' records when this step made the member list, else null. */
        Dev[] devs;

        LiveKey key() {
            return new LiveKey(min, first);
        }

        Live copy() {
            Live l = new Live();
            l.anchor = anchor;
            l.members = members;
            l.min = min;
            l.first = first;
            l.loser = loser;
            l.id = id;
            l.view = view;
            return l;
        }
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    IncrementalView(HostModel model, HostView view, boolean pieces, LongTrie<Dev> devs,
                            PTree<ProbeKey, DeviceView> order, PTree<ProbeKey, Hazards> hazards,
                            LongTrie<KernelGroup> kernel, PTree<Integer, GroupView> kernelViews,
                            PTree<Integer, List<GroupIova>> iova, LongTrie<Live> live, PTree<LiveKey, Live> liveOrder,
                            PTree<LiveKey, Live> losers) {
        this.model = model;
        this.view = view;
        this.pieces = pieces;
        this.devs = devs;
        this.order = order;
        this.hazards = hazards;
        this.kernel = kernel;
        this.kernelViews = kernelViews;
        this.iova = iova;
        this.live = live;
        this.liveOrder = liveOrder;
        this.losers = losers;
    }

    /** No host yet: what a first derivation starts from. */
    static IncrementalView empty(HostModel m) {
        return new IncrementalView(m, null, true, LongTrie.empty(), PTree.empty(BY_PROBE),
                PTree.empty(BY_PROBE, h -> h.list().size()), LongTrie.empty(), PTree.empty(BY_ID),
                PTree.empty(BY_ID, List::size), LongTrie.empty(), PTree.empty(LiveKey::compareTo),
                PTree.empty(LiveKey::compareTo));
    }

    HostView view() {
        return view;
    }

    /**
     * The view of {@code m} under the host's own rules, reusing from {@code prev} (the derivation of any version of
     * the same host, or null) every piece whose inputs are unchanged.
     */
    static IncrementalView next(IncrementalView prev, HostModel m, RuleSet rules) {
        boolean reuse = prev != null && prev.pieces && prev.model.host() == m.host() && prev.model.hostRules() == rules;
        try {
            return new ViewStep(reuse ? prev : empty(m), !reuse, m, rules).run();
        } catch (ProbeKey.Unrooted e) {
            // buses only a loop reaches are probed last, in address order: rare bad data, built from scratch
            IncrementalView none = empty(m);
            return new IncrementalView(m, HostViewBuilder.build(m, rules), false, none.devs, none.order, none.hazards,
                    none.kernel, none.kernelViews, none.iova, none.live, none.liveOrder, none.losers);
        }
    }
}
