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
}
