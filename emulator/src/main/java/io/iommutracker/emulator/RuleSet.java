package io.iommutracker.emulator;

/** Which grouping rules to apply (iommu-model.md section 3). */
public enum RuleSet {
    /** The mainline kernel. */
    MAINLINE,
    /** Mainline plus the out-of-tree pcie_acs_override quirk (options taken from the command line). */
    ACS_OVERRIDE,
    /** The posted "Fix incorrect iommu_groups with PCIe ACS" series (J. Gunthorpe, v3, 2025). */
    ACS_GROUPS_SERIES;

    /** The rules the host itself runs: ACS_OVERRIDE when its command line has pcie_acs_override=, else MAINLINE. */
    public static RuleSet forHost(HostState host) {
        return host.hostRules();
    }
}
