package io.iommutracker.emulator.format;

import java.nio.file.Path;

/** A capture that cannot be read, naming the file, the line (1-based, 0 when not line-based) and the reason. */
public final class CaptureParseException extends Exception {

    private final String file;
    private final int line;

    public CaptureParseException(String file, int line, String reason) {
        super(file + (line > 0 ? ":" + line : "") + ": " + reason);
        this.file = file;
        this.line = line;
    }

    public CaptureParseException(Path file, int line, String reason) {
        this(String.valueOf(file), line, reason);
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }
}
