package io.iommutracker.emulator.format;

import io.iommutracker.avro.HostSnapshot;
import java.nio.file.Path;
import java.util.List;

/**
 * CONTRACT: turns a host capture (one or more files of one host, or a sysfs capture directory / tar)
 * into a HostSnapshot. The format of each file is detected from its content. Filled in by the
 * formats work.
 */
public final class Captures {

    private Captures() {
    }

    public static HostSnapshot read(List<Path> files) throws CaptureParseException, java.io.IOException {
        throw new UnsupportedOperationException("capture parsers not implemented yet");
    }
}
