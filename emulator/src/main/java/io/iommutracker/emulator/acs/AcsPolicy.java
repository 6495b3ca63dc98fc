package io.iommutracker.emulator.acs;

import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.RuleSet;
import io.iommutracker.emulator.cmdline.AcsOverrideOptions;
import io.iommutracker.emulator.cmdline.KernelCommandLine;
import java.util.Optional;

/**
 * What the ACS evaluation depends on besides the device: the rule set, the pcie_acs_override options when that rule
 * set is active, whether an AMD IVRS table exists (amd_sb_acs), and whether the kernel enables ACS at enumeration
 * (pci_request_acs() before the scan), which decides the ACS Enhanced controls the posted series sets.
 */
public record AcsPolicy(RuleSet rules, Optional<AcsOverrideOptions> override, boolean ivrs, boolean acsRequested) {

    public AcsPolicy(RuleSet rules, Optional<AcsOverrideOptions> override, boolean ivrs) {
        this(rules, override, ivrs, true);
    }

    public static AcsPolicy of(HostDescribed host, KernelCommandLine cmdline, RuleSet rules) {
        Optional<AcsOverrideOptions> override = rules == RuleSet.ACS_OVERRIDE ? cmdline.acsOverride() : Optional.empty();
        boolean ivrs = host != null && host.getPlatform() == IommuPlatform.AMD_VI;
        return new AcsPolicy(rules, override, ivrs, AcsEnabling.acsRequested(host));
    }

    public boolean series() {
        return rules == RuleSet.ACS_GROUPS_SERIES;
    }
}
