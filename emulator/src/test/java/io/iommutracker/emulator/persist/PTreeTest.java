package io.iommutracker.emulator.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.emulator.model.LongTrie;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link PTree} against a {@link TreeMap}, and the batch writes the view derivation relies on. */
class PTreeTest {

    private static final Comparator<Integer> CMP = Integer::compare;

    @Test
    void randomWritesMatchATreeMapAndLeaveOlderVersionsAsTheyWere() {
        Random rnd = new Random(3);
        PTree<Integer, List<String>> tree = PTree.empty(CMP, List::size);
        TreeMap<Integer, List<String>> ref = new TreeMap<>();
        List<PTree<Integer, List<String>>> versions = new ArrayList<>();
        List<TreeMap<Integer, List<String>>> refs = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            int op = rnd.nextInt(10);
            if (op < 5) {
                int k = rnd.nextInt(500);
                List<String> v = new ArrayList<>();
                for (int j = rnd.nextInt(3); j > 0; j--) {
                    v.add(k + "/" + j);
                }
                tree = tree.put(k, v);
                ref.put(k, v);
            } else if (op < 8) {
                int k = rnd.nextInt(500);
                tree = tree.remove(k);
                ref.remove(k);
            } else if (op < 9) {
                // a sorted batch, some keys absent (ignored by replaceAll)
                List<Integer> keys = new ArrayList<>();
                List<List<String>> vals = new ArrayList<>();
                for (int k = rnd.nextInt(500), n = rnd.nextInt(20); n > 0; n--, k += 1 + rnd.nextInt(3)) {
                    List<String> v = List.of("r" + k);
                    keys.add(k);
                    vals.add(v);
                    if (ref.containsKey(k)) {
                        ref.put(k, v);
                    }
                }
                tree = tree.replaceAll(keys, vals);
            } else {
                List<Integer> keys = new ArrayList<>();
                for (int k = rnd.nextInt(500), n = rnd.nextInt(20); n > 0; n--, k += 1 + rnd.nextInt(3)) {
                    keys.add(k);
                    ref.remove(k);
                }
                tree = tree.removeAll(keys);
            }
            if (i % 97 == 0) {
                versions.add(tree);
                refs.add(new TreeMap<>(ref));
            }
            if (i % 13 == 0) {
                same(tree, ref);
            }
        }
        for (int v = 0; v < versions.size(); v++) {
            same(versions.get(v), refs.get(v));
        }
    }

    private static void same(PTree<Integer, List<String>> tree, TreeMap<Integer, List<String>> ref) {
        assertThat(tree.size()).isEqualTo(ref.size());
        List<List<String>> values = new ArrayList<>(ref.values());
        List<String> flat = new ArrayList<>();
        values.forEach(flat::addAll);
        List<List<String>> view = tree.values(v -> v);
        List<String> flatView = tree.flat(v -> v);
        assertThat(view).isEqualTo(values);
        assertThat(values).isEqualTo(view);
        assertThat(view.hashCode()).isEqualTo(values.hashCode());
        assertThat(flatView).isEqualTo(flat);
        assertThat(flat).isEqualTo(flatView);
        assertThat(tree.weight()).isEqualTo(flat.size());
        for (int i = 0; i < flat.size(); i += 7) {
            assertThat(flatView.get(i)).isEqualTo(flat.get(i));
        }
        int i = 0;
        for (Map.Entry<Integer, List<String>> e : ref.entrySet()) {
            if (i % 11 == 0) {
                assertThat(tree.keyAt(i)).isEqualTo(e.getKey());
                assertThat(tree.rank(e.getKey())).isEqualTo(i);
                assertThat(tree.get(e.getKey())).isSameAs(e.getValue());
                List<Integer> from = new ArrayList<>();
                tree.forEachFrom(e.getKey() - 1, (k, v) -> from.add(k) && from.size() < 5);
                assertThat(from).isEqualTo(ref.tailMap(e.getKey() - 1, true).keySet().stream().limit(5).toList());
            }
            i++;
        }
    }

    @Test
    void unchangedWritesReturnTheSameTree() {
        PTree<Integer, String> t = PTree.<Integer, String>empty(CMP).put(1, "a").put(2, "b");
        assertThat(t.put(1, t.get(1))).isSameAs(t);
        assertThat(t.remove(7)).isSameAs(t);
        assertThat(t.replaceAll(List.of(5), List.of("x"))).isSameAs(t);
        assertThat(t.removeAll(List.of(0, 9))).isSameAs(t);
    }

    @Test
    void longTriePutAllEqualsOneWriteAtATime() {
        Random rnd = new Random(5);
        LongTrie<Long> a = LongTrie.empty();
        LongTrie<Long> b = LongTrie.empty();
        for (int round = 0; round < 200; round++) {
            long bound = rnd.nextBoolean() ? 1L << 12 : rnd.nextBoolean() ? 1L << 20 : 1L << 40;
            long[] keys = rnd.longs(1 + rnd.nextInt(40), 0, bound).sorted().distinct().toArray();
            List<Long> values = new ArrayList<>();
            for (long k : keys) {
                // some keys unbound: of those bound before, and of those never bound
                if (rnd.nextInt(4) == 0) {
                    values.add(null);
                    a = a.remove(k);
                } else {
                    values.add(k * 3 + round);
                    a = a.put(k, k * 3 + round);
                }
            }
            LongTrie<Long> before = b;
            b = b.putAll(keys, values);
            assertThat(b.size()).isEqualTo(a.size());
            assertThat(b.values()).isEqualTo(a.values());
            List<Long> ka = new ArrayList<>();
            a.forEach((k, v) -> ka.add(k));
            List<Long> kb = new ArrayList<>();
            b.forEach((k, v) -> kb.add(k));
            assertThat(kb).isEqualTo(ka);
            // the version before is untouched
            for (long k : keys) {
                if (before.get(k) != null) {
                    assertThat(before.get(k)).isNotEqualTo(k * 3 + round);
                }
                assertThat(b.get(k)).isEqualTo(a.get(k));
            }
        }
    }

    /** values(): indexed reads answer as the sorted map's values, before and after the list copies itself. */
    @Test
    void indexedReadsOfTheValuesListAnswerAsTheMapThroughoutItsCopy() {
        Random rnd = new Random(9);
        for (int size : new int[] {0, 1, 2, 15, 16, 17, 300, 5000}) {
            PTree<Integer, Integer> tree = PTree.empty(CMP);
            TreeMap<Integer, Integer> ref = new TreeMap<>();
            while (ref.size() < size) {
                int k = rnd.nextInt(1_000_000);
                tree = tree.put(k, k * 3);
                ref.put(k, k * 3);
            }
            List<Integer> expected = new ArrayList<>(ref.values());
            List<String> view = tree.values(v -> "v" + v);
            // random reads first (most of them before any copy), then every index in order, twice
            for (int i = 0; i < 3 * size; i++) {
                int at = rnd.nextInt(size);
                assertThat(view.get(at)).isEqualTo("v" + expected.get(at));
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < size; i++) {
                    assertThat(view.get(i)).isEqualTo("v" + expected.get(i));
                }
            }
            assertThat(view).hasSize(size);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> view.get(size))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> view.get(-1))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
