package io.iommutracker.emulator.format;

import io.iommutracker.emulator.format.TextLines.Line;
import java.util.List;

/** The oracle's {@code meta/info}: {@code uname=} (uname -a) and {@code cmdline=} lines among others. */
final class MetaInfo {

    private MetaInfo() {
    }

    static boolean recognises(List<Line> lines) {
        return lines.stream().anyMatch(l -> l.text().startsWith("uname=Linux ") || l.text().startsWith("cmdline="));
    }

    static void apply(String text, HostFacts f) {
        for (String line : text.split("\n")) {
            if (line.startsWith("cmdline=")) {
                f.commandLine = line.substring("cmdline=".length()).strip();
            } else if (line.startsWith("uname=")) {
                // Linux <node> <release> <version...> <machine> GNU/Linux
                String[] t = line.substring("uname=".length()).strip().split("\\s+");
                if (t.length >= 3) f.kernelRelease = t[2];
                if (t.length >= 5 && t[t.length - 1].equals("GNU/Linux")) f.arch = t[t.length - 2];
            }
        }
    }

    static Source parse(String file, List<Line> lines) {
        Source s = new Source(file, CaptureFormat.META_INFO);
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l.text()).append('\n'));
        apply(sb.toString(), s.facts);
        return s;
    }
}
