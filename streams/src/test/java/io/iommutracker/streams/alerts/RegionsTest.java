package io.iommutracker.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.ResvRegion;
import io.iommutracker.avro.ResvType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-made sysfs line is the kernel's {@code 0x%016llx 0x%016llx %s}, for every 64-bit value. */
class RegionsTest {

    @Test
    void shouldFormatLikeTheKernelFormatString() {
        Random random = new Random(11);
        long[] edges = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xfee00000L, 0xfeefffffL};
        for (int i = 0; i < 20_000; i++) {
            long start = i < edges.length ? edges[i] : random.nextLong() >>> random.nextInt(64);
            long end = i < edges.length ? edges[edges.length - 1 - i] : random.nextLong();
            ResvType type = ResvType.values()[i % ResvType.values().length];
            String expected = String.format("0x%016x 0x%016x %s", start, end, Regions.sysfsType(type));
            assertThat(Regions.sysfsLine(new ResvRegion(start, end, type))).isEqualTo(expected);
        }
    }
}
