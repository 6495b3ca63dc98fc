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
}
