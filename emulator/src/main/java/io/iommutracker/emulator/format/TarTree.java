package io.iommutracker.emulator.format;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/** The entries of a (gzipped) ustar/GNU tar, held in memory; captures are small. */
final class TarTree implements FileTree {

    private static final int BLOCK = 512;

    private final String label;
    private final Map<String, byte[]> files = new TreeMap<>();
    private final Map<String, String> links = new TreeMap<>();
    private final TreeSet<String> dirs = new TreeSet<>();

    private TarTree(String label) {
        this.label = label;
        dirs.add("");
    }

    static boolean looksLikeTar(byte[] head) {
        boolean gzip = head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        boolean ustar = head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        return gzip || ustar;
    }

    static TarTree read(Path path) throws IOException, CaptureParseException {
        TarTree t = new TarTree(path.toString());
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw) : raw;
            t.load(in);
        }
        return t;
    }

    private void load(InputStream in) throws IOException, CaptureParseException {
        byte[] header = new byte[BLOCK];
        String longName = null;
        long blockNo = 0;
        while (true) {
            if (in.readNBytes(header, 0, BLOCK) < BLOCK) break;
            blockNo++;
            if (isZero(header)) break;
            String name = longName != null ? longName : str(header, 0, 100);
            longName = null;
            String prefix = str(header, 345, 155);
            if (!prefix.isEmpty() && new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
                name = prefix + "/" + name;
            }
            long size;
            try {
                String octal = str(header, 124, 12).trim();
                size = octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
            } catch (NumberFormatException e) {
                throw new CaptureParseException(label, 0, "tar header at block " + blockNo + " has a malformed size");
            }
            char type = (char) header[156];
            byte[] data = in.readNBytes((int) size);
            if (data.length < size) throw new CaptureParseException(label, 0, "tar truncated inside '" + name + "'");
            long pad = (BLOCK - size % BLOCK) % BLOCK;
            in.skipNBytes(pad);
            blockNo += (size + pad) / BLOCK;
            String clean = normalise(name);
            switch (type) {
                case 'L' -> longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
                case '5' -> addDir(clean);
                case '2' -> {
                    links.put(clean, str(header, 157, 100));
                    addParents(clean);
                }
                case '0', '\0' -> {
                    files.put(clean, data);
                    addParents(clean);
                }
                default -> {
                    // pax headers, devices: nothing a capture needs
                }
            }
        }
    }

    private static String normalise(String name) {
        String n = name;
        while (n.startsWith("./")) n = n.substring(2);
        while (n.startsWith("/")) n = n.substring(1);
        while (n.endsWith("/")) n = n.substring(0, n.length() - 1);
        return n;
    }

    private void addDir(String d) {
        dirs.add(d);
        addParents(d);
    }

    private void addParents(String p) {
        int i = p.lastIndexOf('/');
        while (i > 0) {
            dirs.add(p.substring(0, i));
            i = p.lastIndexOf('/', i - 1);
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static String str(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    @Override
    public String describe(String rel) {
        return label + "!" + rel;
    }

    /**
     * The path with every symbolic link among its parents replaced by its target, as a captured
     * {@code sys/bus/pci/devices/<bdf>} links into {@code sys/devices/...}; the last component stays.
     */
    private String resolveParents(String rel) {
        String[] parts = rel.split("/");
        String at = "";
        for (int i = 0; i < parts.length; i++) {
            at = FileTree.join(at, parts[i]);
            if (i + 1 < parts.length) at = follow(at, 0);
        }
        return at;
    }

    private String follow(String path, int depth) {
        String target = links.get(path);
        if (target == null || depth > 8) return path;
        String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
        List<String> out = new ArrayList<>();
        if (!target.startsWith("/")) out.addAll(List.of(parent.isEmpty() ? new String[0] : parent.split("/")));
        for (String c : target.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!out.isEmpty()) out.remove(out.size() - 1);
            } else {
                out.add(c);
            }
        }
        return follow(String.join("/", out), depth + 1);
    }

    @Override
    public boolean isDirectory(String rel) {
        String r = resolveParents(rel);
        return dirs.contains(r) || dirs.contains(follow(r, 0));
    }

    @Override
    public boolean exists(String rel) {
        String r = resolveParents(rel);
        return dirs.contains(r) || files.containsKey(r) || links.containsKey(r);
    }

    @Override
    public List<String> list(String rel) {
        String r = follow(resolveParents(rel), 0);
        String prefix = r.isEmpty() ? "" : r + "/";
        TreeSet<String> out = new TreeSet<>();
        for (Map<String, ?> m : List.<Map<String, ?>>of(files, links)) {
            for (String k : m.keySet()) child(prefix, k, out);
        }
        for (String d : dirs) child(prefix, d, out);
        return new ArrayList<>(out);
    }

    private static void child(String prefix, String path, TreeSet<String> out) {
        if (!path.startsWith(prefix) || path.length() == prefix.length()) return;
        String rest = path.substring(prefix.length());
        int slash = rest.indexOf('/');
        out.add(slash < 0 ? rest : rest.substring(0, slash));
    }

    @Override
    public Optional<byte[]> read(String rel) {
        return Optional.ofNullable(files.get(follow(resolveParents(rel), 0)));
    }

    @Override
    public Optional<String> link(String rel) {
        return Optional.ofNullable(links.get(resolveParents(rel)));
    }
}
