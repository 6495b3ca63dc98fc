package io.iommutracker.emulator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LongTrieTest {

    @Test
    void behavesLikeASortedMapAndOldVersionsStayIntact() {
        Random r = new Random(7);
        TreeMap<Long, Integer> ref = new TreeMap<>();
        LongTrie<Integer> t = LongTrie.empty();
        LongTrie<Integer> snapshot = null;
        for (int i = 0; i < 5000; i++) {
            long k = r.nextLong() & ((1L << 20) - 1);
            if (r.nextInt(4) == 0) {
                ref.remove(k);
                t = t.remove(k);
            } else {
                ref.put(k, i);
                t = t.put(k, i);
            }
            if (i == 2500) {
                snapshot = t;
            }
        }
        assertThat(t.size()).isEqualTo(ref.size());
        assertThat(t.values()).containsExactlyElementsOf(ref.values());
        assertThat(t.range(1000, 200_000)).containsExactlyElementsOf(ref.subMap(1000L, true, 200_000L, true).values());
        assertThat(snapshot.size()).isNotEqualTo(t.size());
    }

    /** Keys of every size (the trie grows levels as needed); diff names exactly the keys whose values differ. */
    @Test
    void diffNamesExactlyTheChangedKeysAcrossGrowth() {
        Random r = new Random(13);
        TreeMap<Long, String> ref = new TreeMap<>();
        LongTrie<String> t = LongTrie.empty();
        TreeMap<Long, String> refThen = new TreeMap<>();
        LongTrie<String> then = t;
        for (int i = 0; i < 20_000; i++) {
            int bits = 1 + r.nextInt(48);
            long k = r.nextLong() & ((1L << bits) - 1);
            if (r.nextInt(3) == 0 && !ref.isEmpty()) {
                k = ref.ceilingKey(k) == null ? ref.firstKey() : ref.ceilingKey(k);
                ref.remove(k);
                t = t.remove(k);
            } else {
                String v = "v" + i;
                ref.put(k, v);
                t = t.put(k, v);
            }
            if (i % 997 == 0) {
                java.util.List<Long> changed = new java.util.ArrayList<>();
                t.diff(then, changed::add);
                java.util.Set<Long> keys = new java.util.TreeSet<>(ref.keySet());
                keys.addAll(refThen.keySet());
                TreeMap<Long, String> was = refThen;
                java.util.List<Long> expected = keys.stream().filter(x -> ref.get(x) != was.get(x)).toList();
                assertThat(changed).containsExactlyElementsOf(expected);
                java.util.List<Long> back = new java.util.ArrayList<>();
                then.diff(t, back::add);
                assertThat(back).containsExactlyElementsOf(expected);
                assertThat(t.values()).containsExactlyElementsOf(ref.values());
                assertThat(t.size()).isEqualTo(ref.size());
                LongTrie<String> now = t;
                ref.forEach((key, v) -> assertThat(now.get(key)).isSameAs(v));
                then = t;
                refThen = new TreeMap<>(ref);
            }
        }
        assertThat(t.get(1L << 47)).isEqualTo(ref.get(1L << 47));
        assertThat(t.get(-1)).isNull();
        assertThat(t.range(5, 1L << 40)).containsExactlyElementsOf(ref.subMap(5L, true, 1L << 40, true).values());
    }

    /** Ranges of every width, narrow ones (a bus: one aligned block of 256) most of all, and ranges past either end. */
    @Test
    void rangeAnswersAsTheSortedMapDoesForNarrowAndWideRanges() {
        Random r = new Random(21);
        TreeMap<Long, Integer> ref = new TreeMap<>();
        LongTrie<Integer> t = LongTrie.empty();
        for (int i = 0; i < 3000; i++) {
            long k = Keys.device(r.nextInt(3), r.nextInt(256), r.nextInt(8) * (r.nextBoolean() ? 1 : 8));
            ref.put(k, i);
            t = t.put(k, i);
        }
        for (int i = 0; i < 3000; i++) {
            long lo;
            long hi;
            switch (i % 4) {
                case 0 -> {
                    lo = Keys.device(r.nextInt(4), r.nextInt(256), 0);
                    hi = lo + 0xff;
                }
                case 1 -> {
                    lo = r.nextInt(3 << 16);
                    hi = lo + r.nextInt(40);
                }
                case 2 -> {
                    lo = r.nextInt(4 << 16) - 100;
                    hi = lo + r.nextInt(1 << 17);
                }
                default -> {
                    lo = r.nextInt(1 << 18);
                    hi = lo + (1L << (20 + r.nextInt(20)));
                }
            }
            assertThat(t.range(lo, hi)).as("[%d, %d]", lo, hi)
                    .containsExactlyElementsOf(lo > hi ? java.util.List.of() : ref.subMap(lo, true, hi, true).values());
            java.util.List<Integer> visited = new java.util.ArrayList<>();
            t.forEachInRange(lo, hi, visited::add);
            assertThat(visited).isEqualTo(t.range(lo, hi));
        }
        assertThat(t.range(10, 5)).isEmpty();
    }
}
