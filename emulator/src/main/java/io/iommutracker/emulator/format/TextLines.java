package io.iommutracker.emulator.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of a text capture as a machine wrote them, made readable: markdown prose outside
 * code fences is blanked, and stray {@code pcilib:} stderr lines that lspci's stdout got spliced
 * around are taken out and the interrupted line rejoined. Line numbers stay those of the file.
 */
final class TextLines {

    /**
     * One line with its 1-based number in the file and its indentation level (a tab or 8 columns);
     * {@code boundary} marks where a markdown code block opened or closed.
     */
    record Line(int number, String text, int level, boolean boundary) {
        Line(int number, String text, int level) {
            this(number, text, level, false);
        }

        String body() {
            return text.strip();
        }

        boolean blank() {
            return text.isBlank();
        }
    }

    private static final String PCILIB = "pcilib: ";

    private TextLines() {
    }

    static List<Line> of(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] raw = text.split("\r?\n", -1);
        boolean[] fences = blankOutsideFences(raw);
        List<Line> out = new ArrayList<>(raw.length);
        for (int i = 0; i < raw.length; i++) {
            String s = raw[i];
            if (fences[i]) {
                out.add(new Line(i + 1, "", 0, true));
                continue;
            }
            int cut = s.indexOf(PCILIB);
            if (cut >= 0) {
                // lspci's stderr arrives mid-line: what stdout wrote before it continues on the next line
                String before = s.substring(0, cut);
                String next = i + 1 < raw.length ? raw[i + 1] : "";
                boolean nextIsWhole = before.isBlank() && (next.isEmpty() || Character.isWhitespace(next.charAt(0)));
                s = nextIsWhole ? next : before + next;
                if (i + 1 < raw.length) {
                    out.add(new Line(i + 1, s, level(s)));
                    i++;
                    out.add(new Line(i + 1, "", 0));
                    continue;
                }
            }
            out.add(new Line(i + 1, s, level(s)));
        }
        return out;
    }

    private static boolean[] blankOutsideFences(String[] raw) {
        boolean[] fences = new boolean[raw.length];
        boolean fenced = false;
        for (String s : raw) {
            if (s.strip().startsWith("```")) {
                fenced = true;
                break;
            }
        }
        if (!fenced) return fences;
        boolean inside = false;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i].strip().startsWith("```")) {
                inside = !inside;
                raw[i] = "";
                fences[i] = true;
            } else if (!inside) {
                raw[i] = "";
            }
        }
        return fences;
    }

    static int level(String s) {
        int col = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t') col = (col / 8 + 1) * 8;
            else if (c == ' ') col++;
            else break;
        }
        return col / 8;
    }
}
