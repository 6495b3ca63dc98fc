package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import java.util.Optional;
import java.util.Set;

/** Who holds DMA ownership of a device, as iommu_device_use_default_domain / *_claim_dma_owner count it. */
final class Ownership {

    private Ownership() {
    }

    /** Drivers that set driver_managed_dma and so never take owner_cnt on bind. */
    private static final Set<String> DRIVER_MANAGED_DMA = Set.of("vfio-pci", "pci-stub", "pcieport");

    // struct pci_driver.driver_managed_dma: vfio-pci and its vendor variants (mlx5_vfio_pci, ...), pci-stub, pcieport.
    static boolean driverManagedDma(String driver) {
        return DRIVER_MANAGED_DMA.contains(driver) || driver.contains("vfio_pci") || driver.contains("vfio-pci");
    }

    /** A user-space owner (VFIO container or iommufd context), if the device has one. */
    static Optional<Owner> user(Owner owner) {
        if (owner == null) {
            return Optional.empty();
        }
        return owner.getKind() == OwnerKind.VFIO || owner.getKind() == OwnerKind.IOMMUFD ? Optional.of(owner) : Optional.empty();
    }

    /**
     * Whether a kernel DMA-API driver holds the device (iommu_device_use_default_domain raised owner_cnt). A bound
     * driver decides; with no driver recorded, a HOST owner is taken at its word.
     */
    static boolean hostDmaOwner(Owner owner, String driver) {
        if (user(owner).isPresent()) {
            return false;
        }
        if (driver != null) {
            return !driverManagedDma(driver);
        }
        return owner != null && owner.getKind() == OwnerKind.HOST;
    }

    static String describe(Owner owner) {
        String id = owner.getId() == null ? "<anonymous>" : "'" + owner.getId() + "'";
        return owner.getKind() + " user " + id;
    }
}
