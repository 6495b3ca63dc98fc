package io.iommutracker.emulator.quirks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeviceIdsTest {

    @Test
    void answersAsASetOfTheSameIdsDoesForEverySixteenBitId() {
        Random r = new Random(5);
        for (int round = 0; round < 20; round++) {
            int[] ids = new int[1 + r.nextInt(40)];
            Set<Integer> reference = new HashSet<>();
            for (int i = 0; i < ids.length; i++) {
                // clustered like a vendor's ids, unsorted and with repeats
                ids[i] = (r.nextInt(4) * 0x1000 + r.nextInt(64)) & 0xffff;
                reference.add(ids[i]);
            }
            DeviceIds set = DeviceIds.of(ids);
            Set<Integer> answered = new HashSet<>();
            for (int id = 0; id <= 0xffff; id++) {
                if (set.contains(id)) {
                    answered.add(id);
                }
            }
            assertThat(answered).isEqualTo(reference);
        }
    }
}
