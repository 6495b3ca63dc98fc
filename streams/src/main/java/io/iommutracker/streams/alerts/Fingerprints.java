package io.iommutracker.streams.alerts;

import io.iommutracker.avro.AlertKind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Alert fingerprints: stable across replays and instances because they hash only kind, host and subject. */
public final class Fingerprints {

    private Fingerprints() {
    }

    /** Made fingerprints: the rules ask again for the same ones on every evaluation of a host. */
    private static final int CACHE_LIMIT = 1 << 16;
    private static final Map<Key, String> CACHE = new ConcurrentHashMap<>();

    private record Key(AlertKind kind, String hostId, String subject) {
    }

    public static String of(AlertKind kind, String hostId, String subject) {
        Key key = new Key(kind, hostId, subject);
        String fp = CACHE.get(key);
        if (fp == null) {
            if (CACHE.size() >= CACHE_LIMIT) {
                CACHE.clear();
            }
            fp = digest(kind, hostId, subject);
            CACHE.put(key, fp);
        }
        return fp;
    }

    private static String digest(AlertKind kind, String hostId, String subject) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((kind.name() + '\0' + hostId + '\0' + subject).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
