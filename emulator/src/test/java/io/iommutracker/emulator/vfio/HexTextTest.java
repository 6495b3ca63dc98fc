package io.iommutracker.emulator.vfio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The verdicts' addresses are written without a Formatter: the text must be what {@code %x} wrote. */
class HexTextTest {

    @Test
    void hexAndRangeWriteWhatTheFormatterWrote() {
        Random r = new Random(1);
        long[] edges = {0, 1, 0xfee00000L, 0xfeefffffL, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 48};
        for (long v : edges) {
            assertThat(Type1Attach.hex(v)).isEqualTo(String.format("0x%x", v));
        }
        for (int i = 0; i < 10_000; i++) {
            long a = r.nextLong() >>> r.nextInt(64);
            long b = i % 3 == 0 ? -a : r.nextLong();
            assertThat(Type1Attach.hex(a)).isEqualTo(String.format("0x%x", a));
            assertThat(Type1Attach.range(a, b)).isEqualTo(String.format("[0x%x, 0x%x]", a, b));
        }
    }
}
