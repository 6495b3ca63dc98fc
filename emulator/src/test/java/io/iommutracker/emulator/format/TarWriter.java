package io.iommutracker.emulator.format;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes a minimal ustar archive of regular files, for tests that need a tar capture. */
final class TarWriter {

    private TarWriter() {
    }

    static byte[] write(Map<String, byte[]> entries) {
        return write(entries, Map.of());
    }

    /** Regular files, then symbolic links (path to target text). */
    static byte[] write(Map<String, byte[]> entries, Map<String, String> links) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> l : links.entrySet()) {
            out.writeBytes(header(l.getKey(), 0, '2', l.getValue()));
        }
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            out.writeBytes(header(e.getKey(), e.getValue().length, '0', ""));
            out.writeBytes(e.getValue());
            out.writeBytes(new byte[(512 - e.getValue().length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static byte[] header(String name, int size, char type, String link) {
        {
            byte[] h = new byte[512];
            put(h, 0, name);
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", size));
            put(h, 136, "00000000000");
            h[156] = (byte) type;
            put(h, 157, link);
            put(h, 257, "ustar");
            put(h, 263, "00");
            for (int i = 148; i < 156; i++) h[i] = ' ';
            int sum = 0;
            for (byte x : h) sum += x & 0xff;
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            return h;
        }
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
