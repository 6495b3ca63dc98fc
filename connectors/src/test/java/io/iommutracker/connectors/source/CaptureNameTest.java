package io.iommutracker.connectors.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CaptureNameTest {

    @Test
    void hostAndTimeComeFromTheName() {
        assertThat(CaptureName.parse("web-1.dc2__1714557600000__lspci.txt"))
                .isEqualTo(new CaptureName("web-1.dc2", Instant.ofEpochMilli(1714557600000L)));
        assertThat(CaptureName.parse("gpu_07__2024-05-01T10:00:00+02:00__sysfs.tar"))
                .isEqualTo(new CaptureName("gpu_07", Instant.parse("2024-05-01T08:00:00Z")));
        assertThat(CaptureName.parse("h__5__").key()).isEqualTo("h__5");
    }

    @Test
    void misnamedEntriesAreRejectedWithTheExpectedForm() {
        assertThatThrownBy(() -> CaptureName.parse("lspci.txt")).hasMessageContaining("<hostId>__<time>__");
        assertThatThrownBy(() -> CaptureName.parse("h__yesterday__x")).hasMessageContaining("yesterday");
    }

    @Test
    void entriesBeingWrittenAreIgnored() {
        assertThat(CaptureName.ignored(".h__1__x")).isTrue();
        assertThat(CaptureName.ignored("h__1__x.part")).isTrue();
        assertThat(CaptureName.ignored("h__1__x.tmp")).isTrue();
        assertThat(CaptureName.ignored("h__1__x.txt")).isFalse();
    }
}
