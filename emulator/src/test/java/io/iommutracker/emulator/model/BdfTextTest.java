package io.iommutracker.emulator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written BDF scanner accepts exactly what the documented pattern accepts, and reads the same numbers. */
class BdfTextTest {

    private static final Pattern FORM = Pattern.compile(
            "(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");
    private static final String ALPHABET = "0123456789abcdefABCDEFgG:.: 8 \t\u0660x";

    @Test
    void shouldAcceptExactlyThePatternOverRandomText() {
        Random random = new Random(7);
        int valid = 0;
        for (int i = 0; i < 200_000; i++) {
            String text = i % 2 == 0 ? randomText(random) : mutate(random, Bdf.of(random.nextInt(3), random.nextInt(256),
                    random.nextInt(256)).toString());
            Matcher m = FORM.matcher(text.trim());
            boolean expected = m.matches();
            assertThat(Bdf.isValid(text)).as("'%s'", text).isEqualTo(expected);
            if (expected) {
                long domain = m.group(1) == null ? 0 : Long.parseLong(m.group(1), 16);
                int bus = Integer.parseInt(m.group(2), 16);
                int device = Integer.parseInt(m.group(3), 16);
                if (domain <= Integer.MAX_VALUE && device <= 0x1f) {
                    assertThat(Bdf.parse(text)).isEqualTo(new Bdf((int) domain, bus, device, Integer.parseInt(m.group(4))));
                    valid++;
                } else {
                    assertThatThrownBy(() -> Bdf.parse(text)).isInstanceOf(IllegalArgumentException.class);
                }
            } else {
                assertThatThrownBy(() -> Bdf.parse(text)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("malformed PCI address");
            }
        }
        assertThat(valid).isGreaterThan(10_000);
        assertThat(Bdf.isValid(null)).isFalse();
    }

    private static String randomText(Random random) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(16);
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static String mutate(Random random, String valid) {
        StringBuilder b = new StringBuilder(valid);
        switch (random.nextInt(6)) {
            case 0 -> b.delete(0, random.nextInt(b.length()));
            case 1 -> b.insert(random.nextInt(b.length() + 1), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            case 2 -> b.setCharAt(random.nextInt(b.length()), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            case 3 -> b.insert(0, "  ").append(' ');
            case 4 -> b.insert(0, Integer.toHexString(random.nextInt()));
            default -> { }
        }
        return b.toString();
    }
}
