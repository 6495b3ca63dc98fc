package io.iommutracker.emulator.cmdline;

/**
 * One {@code pci=config_acs=<bits>@<dev>} entry: for each bit in {@code mask}, force it to the value in
 * {@code flags}; bits outside the mask keep the firmware value. {@code disable_acs_redir} is the entry with
 * mask RR|CR|EC and flags 0.
 */
public record AcsConfig(int mask, int flags, DeviceMatcher device) {

    /** ctrl after the override, with the intended semantics (the snapshot's __pci_config_acs arithmetic was buggy). */
    public int apply(int ctrl) {
        return (ctrl & ~mask) | (flags & mask);
    }
}
