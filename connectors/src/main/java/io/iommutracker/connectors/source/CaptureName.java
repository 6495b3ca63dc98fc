package io.iommutracker.connectors.source;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a capture in the spool names its host and time: {@code <hostId>__<time>__<anything>}, where time is epoch
 * milliseconds or an ISO-8601 instant with offset ({@code 2024-05-01T10:00:00Z}). Every spool entry (file, directory or
 * tar) with the same host and time belongs to one capture, so {@code web1__1714557600000__lspci.txt} and
 * {@code web1__1714557600000__dmesg.txt} are read together. Names starting with '.' or ending in .tmp / .part are
 * being written and are not looked at.
 */
public record CaptureName(String hostId, Instant time) implements Comparable<CaptureName> {

    static final String SEPARATOR = "__";
    private static final Pattern FORM = Pattern.compile("([A-Za-z0-9](?:[A-Za-z0-9._-]*?[A-Za-z0-9])?)__([^_][^/]*?)__.*",
            Pattern.DOTALL);

    /** Whether the entry is still being written (or is the spool's own bookkeeping) and must be left alone. */
    public static boolean ignored(String fileName) {
        return fileName.startsWith(".") || fileName.endsWith(".tmp") || fileName.endsWith(".part");
    }

    /**
     * @return the capture the entry belongs to
     * @throws IllegalArgumentException naming what is wrong with the name
     */
    public static CaptureName parse(String fileName) {
        Matcher m = FORM.matcher(fileName);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + fileName + "' is not named <hostId>__<time>__<anything>"
                    + " (hostId of letters, digits, '.', '-', '_'; time in epoch millis or ISO-8601)");
        }
        return new CaptureName(m.group(1), parseTime(fileName, m.group(2)));
    }

    public static Optional<CaptureName> tryParse(String fileName) {
        try {
            return Optional.of(parse(fileName));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Instant parseTime(String fileName, String text) {
        if (text.chars().allMatch(Character::isDigit) && text.length() <= 18) {
            return Instant.ofEpochMilli(Long.parseLong(text));
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + fileName + "': time '" + text
                    + "' is neither epoch milliseconds nor an ISO-8601 instant with offset");
        }
    }

    /** The prefix every entry of this capture starts with, in canonical (epoch millis) form. */
    public String key() {
        return hostId + SEPARATOR + time.toEpochMilli();
    }

    @Override
    public int compareTo(CaptureName o) {
        int c = hostId.compareTo(o.hostId);
        return c != 0 ? c : time.compareTo(o.time);
    }
}
