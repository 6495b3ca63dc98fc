package io.iommutracker.emulator.format;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes a minimal ustar archive of regular files, for tests that need a tar capture. */
final class TarWriter {

    private TarWriter() {
    }

    static byte[] write(Map<String, byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] h = new byte[512];
            put(h, 0, e.getKey());
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", e.getValue().length));
            put(h, 136, "00000000000");
            h[156] = '0';
            put(h, 257, "ustar");
            put(h, 263, "00");
            for (int i = 148; i < 156; i++) h[i] = ' ';
            int sum = 0;
            for (byte x : h) sum += x & 0xff;
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            out.writeBytes(h);
            out.writeBytes(e.getValue());
            out.writeBytes(new byte[(512 - e.getValue().length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
