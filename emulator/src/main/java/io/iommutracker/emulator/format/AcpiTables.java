package io.iommutracker.emulator.format;

import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.Ivmd;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The parts of the ACPI DMAR, IVRS, IORT and VIOT tables that grouping and reserved regions need. */
public final class AcpiTables {

    private static final int HEADER = 36; // struct acpi_table_header

    private AcpiTables() {
    }

    /** One device scope of a DMAR structure: a start bus and a path of (device, function) hops. */
    public record DmarScope(int type, int startBus, List<Integer> pathDevfns) {
    }

    /** One RMRR (ACPI_DMAR_TYPE_RESERVED_MEMORY); {@code end} is inclusive. */
    public record DmarRmrr(int segment, long base, long end, List<DmarScope> scopes) {
    }

    /**
     * One DRHD (ACPI_DMAR_TYPE_HARDWARE_UNIT) in table order; {@code scopes} is null when only the
     * kernel log named the unit, so its device scope is not known.
     */
    public record DmarDrhd(int segment, long base, boolean includeAll, List<DmarScope> scopes) {
    }

    /**
     * Bytes from {@code od -tx1} text, with or without the offset column ({@code -An}). The
     * {@code *} line od writes for repeated lines without {@code -v} cannot be expanded without
     * offsets, so it is refused.
     */
    public static byte[] parseOdHex(String text, String file) throws CaptureParseException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty()) continue;
            if (line.equals("*")) {
                throw new CaptureParseException(file, i + 1, "od collapsed repeated lines ('*'); dump with od -v");
            }
            String[] tokens = line.split("\\s+");
            for (int t = 0; t < tokens.length; t++) {
                String tok = tokens[t];
                if (t == 0 && tok.length() > 2 && tok.chars().allMatch(c -> c >= '0' && c <= '7')) {
                    continue; // the octal offset column of plain od
                }
                if (tok.length() != 2) {
                    throw new CaptureParseException(file, i + 1, "expected two hex digits per byte, found '" + tok + "'");
                }
                try {
                    out.write(Integer.parseInt(tok, 16));
                } catch (NumberFormatException e) {
                    throw new CaptureParseException(file, i + 1, "not a hex byte: '" + tok + "'");
                }
            }
        }
        return out.toByteArray();
    }

    /** The table's signature, e.g. DMAR, or empty when the bytes are shorter than a header. */
    public static Optional<String> signature(byte[] table) {
        if (table.length < HEADER) return Optional.empty();
        return Optional.of(new String(table, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** DMAR flags bit 0 (DMAR_INTR_REMAP): firmware allows interrupt remapping. */
    public static boolean dmarInterruptRemapping(byte[] dmar) {
        return dmar.length > 37 && (dmar[37] & 1) != 0;
    }

    /** The RMRR structures with their device scopes (dmar_parse_one_rmrr()). */
    public static List<DmarRmrr> dmarRmrrs(byte[] dmar) {
        List<DmarRmrr> out = new ArrayList<>();
        int pos = 48; // header + host address width + flags + 10 reserved bytes
        int end = Math.min(dmar.length, length(dmar));
        while (pos + 4 <= end) {
            int type = u16(dmar, pos);
            int len = u16(dmar, pos + 2);
            if (len < 4 || pos + len > end) break;
            if (type == 1 && len >= 24) {
                out.add(new DmarRmrr(u16(dmar, pos + 6), u64(dmar, pos + 8), u64(dmar, pos + 16),
                        scopes(dmar, pos + 24, pos + len)));
            }
            pos += len;
        }
        return out;
    }

    /** The DRHD structures in table order with their device scopes (dmar_parse_one_drhd()). */
    public static List<DmarDrhd> dmarDrhds(byte[] dmar) {
        List<DmarDrhd> out = new ArrayList<>();
        int pos = 48;
        int end = Math.min(dmar.length, length(dmar));
        while (pos + 4 <= end) {
            int type = u16(dmar, pos);
            int len = u16(dmar, pos + 2);
            if (len < 4 || pos + len > end) break;
            if (type == 0 && len >= 16) {
                out.add(new DmarDrhd(u16(dmar, pos + 6), u64(dmar, pos + 8), (dmar[pos + 4] & 1) != 0,
                        scopes(dmar, pos + 16, pos + len)));
            }
            pos += len;
        }
        return out;
    }

    private static List<DmarScope> scopes(byte[] b, int pos, int end) {
        List<DmarScope> out = new ArrayList<>();
        while (pos + 6 <= end) {
            int type = b[pos] & 0xff;
            int len = b[pos + 1] & 0xff;
            if (len < 6 || pos + len > end) break;
            List<Integer> path = new ArrayList<>();
            for (int p = pos + 6; p + 1 < pos + len; p += 2) {
                path.add(((b[p] & 0x1f) << 3) | (b[p + 1] & 7));
            }
            out.add(new DmarScope(type, b[pos + 5] & 0xff, List.copyOf(path)));
            pos += len;
        }
        return out;
    }

    /**
     * The IVMD blocks of an IVRS (types 0x20 all devices, 0x21 one device, 0x22 a range), in the
     * schema's form; IVHD blocks are stepped over by their length (init_memory_definitions()).
     */
    public static List<Ivmd> ivrsIvmds(byte[] ivrs) {
        List<Ivmd> out = new ArrayList<>();
        int end = Math.min(ivrs.length, length(ivrs));
        int pos = 48; // header + IVinfo + 8 reserved bytes
        while (pos + 4 <= end) {
            int type = ivrs[pos] & 0xff;
            int flags = ivrs[pos + 1] & 0xff;
            int len = u16(ivrs, pos + 2);
            if (len < 4 || pos + len > end) break;
            if (type >= 0x20 && type <= 0x22 && len >= 32) {
                int devid = u16(ivrs, pos + 4);
                int aux = u16(ivrs, pos + 6);
                int first = type == 0x20 ? 0 : devid;
                int last = type == 0x20 ? 0xffff : type == 0x21 ? devid : aux;
                out.add(new Ivmd(type, flags, first, last, u64(ivrs, pos + 16), u64(ivrs, pos + 24)));
            }
            pos += len;
        }
        return out;
    }

    /** The IOMMU an IORT describes: SMMUv3 nodes (type 4) or SMMUv1/v2 nodes (type 3); NONE without either. */
    public static IommuPlatform iortPlatform(byte[] iort) {
        if (iort.length < 48) return IommuPlatform.NONE;
        int count = (int) u32(iort, 36);
        int pos = (int) u32(iort, 40);
        boolean v3 = false;
        boolean v2 = false;
        for (int i = 0; i < count && pos + 4 <= iort.length; i++) {
            int type = iort[pos] & 0xff;
            int len = u16(iort, pos + 1);
            v3 |= type == 4;
            v2 |= type == 3;
            if (len <= 0) break;
            pos += len;
        }
        return v3 ? IommuPlatform.ARM_SMMU_V3 : v2 ? IommuPlatform.ARM_SMMU : IommuPlatform.NONE;
    }

    /** The platform a table names by its mere presence; IORT is decoded. */
    public static IommuPlatform platformOf(String signature, byte[] table) {
        return switch (signature) {
            case "DMAR" -> IommuPlatform.INTEL_VT_D;
            case "IVRS" -> IommuPlatform.AMD_VI;
            case "VIOT" -> IommuPlatform.VIRTIO_IOMMU;
            case "IORT" -> iortPlatform(table);
            default -> IommuPlatform.NONE;
        };
    }

    private static int length(byte[] b) {
        return b.length >= 8 ? (int) u32(b, 4) : 0;
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xff) | ((b[off + 1] & 0xff) << 8);
    }

    private static long u32(byte[] b, int off) {
        return (u16(b, off) | ((long) u16(b, off + 2) << 16)) & 0xffffffffL;
    }

    private static long u64(byte[] b, int off) {
        return u32(b, off) | (u32(b, off + 4) << 32);
    }
}
