package io.iommutracker.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iommutracker.streams.TrackerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrackerOptionsTest {

    private static TrackerConfig config(String... args) {
        TrackerOptions options = CommandLine.populateCommand(new TrackerOptions(), args);
        KafkaOptions kafka = CommandLine.populateCommand(new KafkaOptions());
        return options.trackerConfig("127.0.0.1:9092", Path.of("data"), kafka, 8080);
    }

    @Test
    void shouldCarryTheDurationOptionsIntoTheStreamsConfig() {
        TrackerConfig c = config("--view-resolution", "40ms", "--history-retention", "2d", "--silent-after", "90s");
        assertThat(c.viewResolution()).isEqualTo(Duration.ofMillis(40));
        assertThat(c.historyRetention()).isEqualTo(Duration.ofDays(2));
        assertThat(c.silentTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config("--history-segment", "12h").historySegment()).isEqualTo(Duration.ofHours(12));
    }

    @Test
    void shouldBoundTheHistorySegmentByTheRetention() {
        // the default segment shrinks to a shorter retention; an explicit longer one is refused, naming both options
        assertThat(config("--history-retention", "2m").historySegment()).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> config("--history-retention", "2m", "--history-segment", "10m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--history-segment 10m: must be between PT1.875S (1/64 of --history-retention) and "
                        + "--history-retention (PT2M)");
        // each segment is a RocksDB instance: fewer than 1/64 of the retention is refused, and a longer retention
        // raises the default segment to that share
        assertThatThrownBy(() -> config("--history-segment", "1m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--history-segment 1m: must be between PT11H15M (1/64 of --history-retention)");
        assertThat(config("--history-retention", "365d").historySegment()).isEqualTo(Duration.ofDays(365).dividedBy(64));
    }

    @Test
    void shouldDefaultToTheDocumentedDurations() {
        TrackerConfig c = config();
        assertThat(c.viewResolution()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.historyRetention()).isEqualTo(Duration.ofDays(30));
        assertThat(c.silentTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.historySegment()).isEqualTo(Duration.ofDays(1));
        assertThat(c.evaluationWindow()).isZero();
    }

    @Test
    void shouldTakeAnEvaluationWindowUpToTenSeconds() {
        assertThat(config("--evaluation-window", "0ms").evaluationWindow()).isZero();
        assertThat(config("--evaluation-window", "250ms").evaluationWindow()).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> config("--evaluation-window", "1m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--evaluation-window 1m: must be at most 10s");
    }

    @Test
    void shouldNameTheOptionWhoseDurationIsMalformed() {
        assertThatThrownBy(() -> config("--view-resolution", "quarter-second"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--view-resolution quarter-second")
                .hasMessageContaining("ms, s, m, h or d");
    }

    @Test
    void shouldCommitAtTheAskedIntervalAndRefuseZero() {
        assertThat(config().streamsConfig().getProperty("commit.interval.ms")).isNull();
        assertThat(config("--commit-interval", "50ms").streamsConfig().getProperty("commit.interval.ms")).isEqualTo("50");
        assertThat(config("--commit-interval", "2s").streamsConfig().getProperty("commit.interval.ms")).isEqualTo("2000");
        // at_least_once holds the stores' writes until a commit: not Kafka Streams' 30 s unless asked
        assertThat(config("--processing-guarantee", "at_least_once").streamsConfig().getProperty("commit.interval.ms"))
                .isEqualTo("1000");
        assertThat(config("--processing-guarantee", "at_least_once", "--commit-interval", "30s").streamsConfig()
                .getProperty("commit.interval.ms")).isEqualTo("30000");
        assertThatThrownBy(() -> config("--commit-interval", "0ms"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--commit-interval 0ms: must be positive");
        assertThatThrownBy(() -> config("--commit-interval", "fast"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--commit-interval fast");
    }

    @Test
    void shouldRunTheAskedNumberOfStreamThreadsAndRefuseNone() {
        assertThat(config().streamsConfig().getProperty("num.stream.threads")).isEqualTo("1");
        assertThat(config("--stream-threads", "4").streamsConfig().getProperty("num.stream.threads")).isEqualTo("4");
        assertThatThrownBy(() -> config("--stream-threads", "0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--stream-threads 0: must be at least 1");
    }
}
