package io.iommutracker.emulator.format;

/** Builds raw configuration space for tests, little-endian as the hardware stores it. */
final class ConfigBytes {

    final byte[] b;

    ConfigBytes(int size) {
        b = new byte[size];
    }

    ConfigBytes u8(int off, int v) {
        b[off] = (byte) v;
        return this;
    }

    ConfigBytes u16(int off, int v) {
        return u8(off, v).u8(off + 1, v >> 8);
    }

    ConfigBytes u32(int off, long v) {
        return u16(off, (int) v).u16(off + 2, (int) (v >> 16));
    }

    /** Type 0/1 header with ids, class and a capability list starting at {@code capPtr} (0 = none). */
    static ConfigBytes header(int size, int vendor, int device, int classCode, int headerType, int capPtr) {
        ConfigBytes c = new ConfigBytes(size).u16(0, vendor).u16(2, device).u16(4, 0x0406)
                .u8(8, 0x01).u8(9, classCode).u8(10, classCode >> 8).u8(11, classCode >> 16).u8(0x0e, headerType);
        if (capPtr != 0) c.u16(6, 0x0010).u8(0x34, capPtr);
        return c;
    }
}
