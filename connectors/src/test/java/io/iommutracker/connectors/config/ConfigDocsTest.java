package io.iommutracker.connectors.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** CONFIG.md must be what the ConfigDefs say; -Diommutracker.docs.update=true rewrites it. */
class ConfigDocsTest {

    private static final Path DOC = Path.of("CONFIG.md");

    @Test
    void configDocIsGeneratedFromTheConfigDefsAndCurrent() throws Exception {
        String generated = ConfigDocs.markdown();
        if (Boolean.getBoolean("iommutracker.docs.update")) {
            Files.writeString(DOC, generated, StandardCharsets.UTF_8);
        }
        assertThat(generated).contains("`spool.dir`", "`alertmanager.url`", "`retry.backoff.multiplier`")
                .doesNotContain("task.index");
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("connectors/CONFIG.md is stale: regenerate it (see its header)")
                .isEqualTo(generated);
    }
}
