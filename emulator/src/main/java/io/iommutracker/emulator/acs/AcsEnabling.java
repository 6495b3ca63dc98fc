package io.iommutracker.emulator.acs;

import static io.iommutracker.emulator.acs.AcsFlags.CR;
import static io.iommutracker.emulator.acs.AcsFlags.RR;
import static io.iommutracker.emulator.acs.AcsFlags.SV;
import static io.iommutracker.emulator.acs.AcsFlags.TB;
import static io.iommutracker.emulator.acs.AcsFlags.UF;

import io.iommutracker.avro.AcsCapability;
import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.cmdline.AcsConfig;
import io.iommutracker.emulator.cmdline.KernelCommandLine;
import io.iommutracker.emulator.model.Device;
import io.iommutracker.emulator.model.Infos;
import io.iommutracker.emulator.quirks.AcsQuirks;

/**
 * What the kernel writes into ACS at enumeration (pci_acs_init → pci_enable_acs), before the IOMMU probes the device.
 * Telemetry reports CTRL as observed after this ran, so the emulator applies it only to find the word a device had
 * when the kernel probed it; the steps are idempotent (set and clear fixed bits), so an untouched port is unchanged.
 */
public final class AcsEnabling {

    private AcsEnabling() {
    }

    /**
     * Whether pci_request_acs() ran before enumeration: any IOMMU on ACPI firmware. arm64 with a device tree requests
     * it only after the bus is scanned (observed on 6.12, iommu-model.md section 9), so nothing is enabled.
     */
    public static boolean acsRequested(HostDescribed host) {
        return host != null && host.getPlatform() != IommuPlatform.NONE && host.getFirmware() != FirmwareKind.DEVICE_TREE;
    }

    // pci_enable_acs()
    public static Device enable(Device dev, HostDescribed host, KernelCommandLine cmdline) {
        boolean stdEnable = false;
        int flags = dev.flags() & ~Device.FLAG_ACS_ENABLED_QUIRK;
        if (acsRequested(host)) {
            if (AcsQuirks.intelPchMatch(dev)) {
                // pci_quirk_enable_intel_pch_acs(): claims the device whether or not RCBA lets it succeed.
                if (host.getIntelPchAcsQuirk()) {
                    flags |= Device.FLAG_ACS_ENABLED_QUIRK;
                }
            } else {
                // The SPT quirk writes the same bits as pci_std_enable_acs, in its dword register.
                stdEnable = true;
            }
        }
        Device out = dev.withFlags(flags);
        if (!dev.hasAcsCap()) {
            return out;
        }
        int cap = dev.acsCap();
        int ctrl = dev.acsCtrl();
        if (stdEnable) {
            // pci_std_enable_acs()
            ctrl |= cap & (SV | RR | CR | UF);
            if (cmdline.noAts() || dev.info().getExternalFacing()) {
                ctrl |= cap & TB;
            }
        }
        for (AcsConfig c : cmdline.acsConfigs()) {
            if (c.device().matches(dev)) {
                ctrl = c.apply(ctrl);
            }
        }
        if (ctrl == dev.acsCtrl()) {
            return out;
        }
        int newCtrl = ctrl;
        return out.withInfo(Infos.edit(dev.info(), i -> i.setAcs(AcsCapability.newBuilder(dev.info().getAcs()).setCtrl(newCtrl).build())));
    }
}
