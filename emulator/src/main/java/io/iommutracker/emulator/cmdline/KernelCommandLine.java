package io.iommutracker.emulator.cmdline;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The grouping-relevant switches of a kernel command line. Unparseable values are logged and ignored, as the kernel does. */
public record KernelCommandLine(List<AcsConfig> acsConfigs, Optional<AcsOverrideOptions> acsOverride, boolean noAts) {

    private static final Logger LOG = LoggerFactory.getLogger(KernelCommandLine.class);
    private static final int RR_CR_EC = 0x04 | 0x08 | 0x20;
    public static final KernelCommandLine NONE = new KernelCommandLine(List.of(), Optional.empty(), false);

    public KernelCommandLine {
        acsConfigs = List.copyOf(acsConfigs);
    }

    public static KernelCommandLine parse(String commandLine) {
        if (commandLine == null || commandLine.isBlank()) {
            return NONE;
        }
        List<AcsConfig> redir = new ArrayList<>();
        List<AcsConfig> config = new ArrayList<>();
        AcsOverrideOptions override = null;
        boolean noAts = false;
        for (String token : commandLine.trim().split("\\s+")) {
            if (token.startsWith("pci=")) {
                for (String opt : token.substring(4).split(",")) {
                    if (opt.equals("noats")) {
                        noAts = true;
                    } else if (opt.startsWith("disable_acs_redir=")) {
                        for (String dev : specs(opt.substring("disable_acs_redir=".length()))) {
                            matcher(dev).ifPresent(m -> redir.add(new AcsConfig(RR_CR_EC, 0, m)));
                        }
                    } else if (opt.startsWith("config_acs=")) {
                        for (String entry : specs(opt.substring("config_acs=".length()))) {
                            configAcs(entry).ifPresent(config::add);
                        }
                    }
                }
            } else if (token.startsWith("pcie_acs_override=")) {
                override = override(token.substring("pcie_acs_override=".length()));
            }
        }
        // pci_enable_acs applies disable_acs_redir first, then config_acs.
        List<AcsConfig> all = new ArrayList<>(redir);
        all.addAll(config);
        return new KernelCommandLine(all, Optional.ofNullable(override), noAts);
    }

    private static List<String> specs(String value) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(";")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private static Optional<DeviceMatcher> matcher(String spec) {
        try {
            return Optional.of(DeviceMatcher.parse(spec));
        } catch (IllegalArgumentException e) {
            LOG.warn("ignoring PCI device specifier '{}': {}", spec, e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code <bits>@<dev>}: the rightmost character is bit 0 (SV); 0 clears, 1 sets, x keeps. */
    private static Optional<AcsConfig> configAcs(String entry) {
        int at = entry.indexOf('@');
        if (at <= 0) {
            LOG.warn("ignoring config_acs entry without flags '{}'", entry);
            return Optional.empty();
        }
        String bits = entry.substring(0, at);
        int mask = 0;
        int flags = 0;
        for (int i = 0; i < bits.length(); i++) {
            int bit = 1 << (bits.length() - 1 - i);
            switch (Character.toLowerCase(bits.charAt(i))) {
                case '0' -> mask |= bit;
                case '1' -> {
                    mask |= bit;
                    flags |= bit;
                }
                case 'x' -> { }
                default -> {
                    LOG.warn("ignoring config_acs entry with bad flags '{}'", entry);
                    return Optional.empty();
                }
            }
        }
        int m = mask;
        int f = flags;
        return matcher(entry.substring(at + 1)).map(d -> new AcsConfig(m & 0x7f, f & 0x7f, d));
    }

    private static AcsOverrideOptions override(String value) {
        boolean downstream = false;
        boolean multifunction = false;
        List<int[]> ids = new ArrayList<>();
        for (String opt : value.split(",")) {
            if (opt.equals("downstream")) {
                downstream = true;
            } else if (opt.equals("multifunction")) {
                multifunction = true;
            } else if (opt.startsWith("id:")) {
                String[] p = opt.substring(3).split(":");
                try {
                    ids.add(new int[] {Integer.parseInt(p[0], 16), Integer.parseInt(p[1], 16)});
                } catch (RuntimeException e) {
                    LOG.warn("ignoring pcie_acs_override id '{}'", opt);
                }
            }
        }
        return new AcsOverrideOptions(downstream, multifunction, ids);
    }
}
