package io.iommutracker.streams.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.kafka.KafkaFixture;
import java.nio.file.Path;
import java.time.Duration;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;

/**
 * Runs the benchmark from Maven on demand (not part of the default suite, which only picks *Test classes):
 * {@code mvn -pl streams -am verify -Dtest=LoadDriverBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class LoadDriverBench {

    @Test
    void shouldReportThroughputRatioAndAlertLatency() throws Exception {
        LoadDriver.Options d = LoadDriver.Options.defaults();
        LoadDriver.Options o = new LoadDriver.Options(null, KafkaFixture.tempDir("bench"), d.hosts(),
                Integer.getInteger("bench.events", d.events()), d.warmup(),
                Duration.ofSeconds(Integer.getInteger("bench.latencySeconds", 15)), d.guarantee());
        String jfr = System.getProperty("bench.jfr");
        LoadDriver.Figures f;
        if (jfr == null) {
            f = LoadDriver.run(o);
        } else {
            // -Dbench.jfr=path: a JFR profile of the whole run, written to path
            try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
                r.start();
                f = LoadDriver.run(o);
                r.dump(Path.of(jfr));
            }
        }
        f.print(System.out);
        assertThat(f.trackerEventsPerSecond()).isPositive();
        assertThat(f.trackerAlertLatency().samples()).isPositive();
        assertThat(f.trackerAlertLatency().behind()).isNotNegative();
        // the split at the broker's append was measured (the output topics carry the append time)
        LoadDriver.Stages split = f.trackerAlertLatency().stages();
        assertThat(split).isNotNull();
        assertThat(split.toBrokerP50()).isNotNaN();
        assertThat(split.toReaderP50()).isNotNegative();
        assertThat(f.passthroughLatency().stages().toReaderP50()).isNotNegative();
    }
}
