package io.iommutracker.emulator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongMapTest {

    @Test
    void shouldAnswerAsAMapDoesForBridgeLikeKeysThroughGrowth() {
        Random r = new Random(7);
        LongMap<Boolean> flags = new LongMap<>();
        Map<Long, Boolean> reference = new HashMap<>();
        for (int n = 0; n < 20_000; n++) {
            // mostly devfn 0 on many buses and two domains, the keys that collide in a boxed map
            long key = Keys.device(r.nextInt(2), r.nextInt(256), r.nextInt(8) == 0 ? r.nextInt(256) : 0);
            if (r.nextBoolean()) {
                boolean v = r.nextBoolean();
                flags.put(key, v);
                reference.put(key, v);
            }
            assertThat(flags.get(key)).as("key %x", key).isEqualTo(reference.get(key));
        }
        assertThat(reference).hasSizeGreaterThan(500);
        reference.forEach((k, v) -> assertThat(flags.get(k)).isEqualTo(v));
        assertThat(flags.get(Keys.device(5, 1, 0))).isNull();
    }

    @Test
    void insertGivesTheFirstInsertionIndexWhetherTheKeyIsNewOrNot() {
        Random r = new Random(11);
        LongSet set = new LongSet();
        java.util.List<Long> order = new java.util.ArrayList<>();
        for (int n = 0; n < 5_000; n++) {
            long key = Keys.device(r.nextInt(2), r.nextInt(64), r.nextInt(4) * 8);
            int expected = order.indexOf(key);
            if (expected < 0) {
                order.add(key);
                expected = order.size() - 1;
            }
            assertThat(set.insert(key)).isEqualTo(expected);
            assertThat(set.size()).isEqualTo(order.size());
            assertThat(set.at(expected)).isEqualTo(key);
        }
        assertThat(set.add(order.get(0))).isFalse();
        assertThat(set.add(Keys.device(3, 0, 0))).isTrue();
    }

    @Test
    void slotFindsOrAddsInOneCallAndSetValueAtBindsIt() {
        LongMap<String> m = new LongMap<>();
        Map<Long, String> reference = new HashMap<>();
        Random r = new Random(3);
        for (int n = 0; n < 3_000; n++) {
            long key = Keys.device(0, r.nextInt(40), r.nextInt(3));
            int before = m.size();
            int i = m.slot(key);
            if (reference.containsKey(key)) {
                assertThat(i).isLessThan(before);
                assertThat(m.valueAt(i)).isEqualTo(reference.get(key));
            } else {
                assertThat(i).isEqualTo(before);
                assertThat(m.valueAt(i)).isNull();
                m.setValueAt(i, "v" + n);
                reference.put(key, "v" + n);
            }
            assertThat(m.keyAt(i)).isEqualTo(key);
        }
        reference.forEach((k, v) -> assertThat(m.get(k)).isEqualTo(v));
    }

    @Test
    void ensureCapacityKeepsEveryKeyItsIndexAndValue() {
        Random r = new Random(8);
        LongMap<Long> m = new LongMap<>();
        java.util.List<Long> order = new java.util.ArrayList<>();
        for (int n = 0; n < 2_000; n++) {
            if (n % 97 == 0) {
                m.ensureCapacity(m.size() + r.nextInt(300));
            }
            long key = Keys.device(0, r.nextInt(256), r.nextInt(8) * 8);
            if (!order.contains(key)) {
                order.add(key);
            }
            m.put(key, key * 7);
        }
        assertThat(m.size()).isEqualTo(order.size());
        for (int i = 0; i < order.size(); i++) {
            assertThat(m.keyAt(i)).isEqualTo(order.get(i));
            assertThat(m.indexOf(order.get(i))).isEqualTo(i);
            assertThat(m.valueAt(i)).isEqualTo(order.get(i) * 7);
        }
        assertThat(m.get(Keys.device(1, 0, 0))).isNull();
    }
}
