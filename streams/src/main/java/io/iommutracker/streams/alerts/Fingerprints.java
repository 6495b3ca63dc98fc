package io.iommutracker.streams.alerts;

import io.iommutracker.avro.AlertKind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Alert fingerprints: stable across replays and instances because they hash only kind, host and subject. */
public final class Fingerprints {

    private Fingerprints() {
    }

    public static String of(AlertKind kind, String hostId, String subject) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((kind.name() + '\0' + hostId + '\0' + subject).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
