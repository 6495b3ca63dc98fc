package io.iommutracker.emulator.format;

/**
 * The kinds of host capture {@link Captures} recognises, ordered from the poorest device description
 * to the richest: when several files describe the same function, the richest wins.
 */
public enum CaptureFormat {
    /** {@code /sys/kernel/iommu_groups} listings (Arch-wiki loop, {@code find -type l}); plain {@code lspci}. */
    GROUP_LISTING,
    /** {@code lspci -nnk}: identities and drivers, no topology, no capabilities. */
    LSPCI_NNK,
    /** Kernel log: {@code dmesg} or {@code journalctl -k}; host facts and group lines, no devices. */
    DMESG,
    /** {@code key=value} host facts as the oracle's {@code meta/info} writes them. */
    META_INFO,
    /** {@code lspci -v}: bus numbers, windows and capability names, no ACS bits. */
    LSPCI_V,
    /** {@code lspci -vv(v)(nn)}: everything lspci decodes; non-root captures lack capabilities. */
    LSPCI_VV,
    /** A sysfs capture: a directory or tar with {@code pci/<bdf>/config} or {@code sys/bus/pci/devices}. */
    SYSFS
}
