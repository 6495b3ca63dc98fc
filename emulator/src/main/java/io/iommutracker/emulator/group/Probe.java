package io.iommutracker.emulator.group;

/**
 * The kernel's record of one device's IOMMU probe: its group, the ACS CTRL the device had at that moment (-1: no
 * ACS capability) and a monotonic probe number (group list order follows it).
 */
public record Probe(int group, int acsCtrlAtProbe, long order) {
}
