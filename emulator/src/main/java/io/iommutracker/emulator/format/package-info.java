/**
 * Host captures to {@link io.iommutracker.avro.HostSnapshot}: lspci text ({@code -vvnn}, {@code -v},
 * {@code -nnk}, plain), IOMMU group listings, kernel logs, {@code meta/info}, sysfs trees (directory,
 * live root or tar) with raw configuration space ({@link io.iommutracker.emulator.format.ConfigSpace})
 * and ACPI DMAR/IVRS/IORT/VIOT tables ({@link io.iommutracker.emulator.format.AcpiTables}).
 *
 * <p>The snapshot never carries group ids: what the host's kernel reported is kept apart in
 * {@link io.iommutracker.emulator.format.Capture#reportedGroups()}, so the emulator computes groups
 * itself and tests compare the two. Where a capture cannot show a fact the snapshot says so instead of
 * inventing it: {@code capabilitiesKnown=false} and {@code pcieType=UNKNOWN} for unreadable capabilities
 * (non-root lspci, {@code lspci -nnk}, 64-byte config reads), {@code bridge=null} when no bus numbers
 * were printed.
 */
package io.iommutracker.emulator.format;
