package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.emulator.model.Bdf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DmesgParserTest {

    private static Source parse(String text) throws Exception {
        return DmesgParser.parse("log", TextLines.of(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void journalAndSyslogPrefixesAndBothGroupLineFormats() throws Exception {
        Source s = parse("""
                May 13 21:22:23 archlinux kernel: Command line: BOOT_IMAGE=/vmlinuz-linux root=/dev/sda2 amd_iommu=on
                May 13 21:22:23 archlinux kernel: pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40
                May 13 21:22:23 archlinux kernel: pci 0000:00:08.1: Adding to iommu group 8
                2024-05-13T21:22:23+0200 host kernel: [    0.5] iommu: Adding device 0000:00:01.0 to group 0
                <6>[    0.600000] atl1c 0000:01:00.0: Adding to iommu group 3
                [    0.700000] platform 1000800000.codec: Adding to iommu group 0
                [    0.800000] AMD-Vi: Interrupt remapping enabled
                """);
        assertThat(s.facts.commandLine).isEqualTo("BOOT_IMAGE=/vmlinuz-linux root=/dev/sda2 amd_iommu=on");
        assertThat(s.facts.platform).isEqualTo(IommuPlatform.AMD_VI);
        assertThat(s.facts.interruptRemapping).isTrue();
        assertThat(s.groups).containsEntry(Bdf.parse("0000:00:08.1"), 8).containsEntry(Bdf.parse("0000:00:01.0"), 0)
                .containsEntry(Bdf.parse("0000:01:00.0"), 3).hasSize(3);
    }

    @Test
    void rmrrSmmuAndRemovals() throws Exception {
        Source s = parse("""
                [    0.0] Linux version 6.1.0-18-arm64 (debian-kernel@lists.debian.org) aarch64
                [    0.1] arm-smmu-v3 arm-smmu-v3.0.auto: ias 44-bit, oas 44-bit (features 0x00001fef)
                [    0.2] DMAR: RMRR base: 0x0000004c000000 end: 0x000000503fffff
                [    0.3] pcieport 0000:00:04.0: Adding to iommu group 1
                [    9.3] pcieport 0000:00:04.0: Removing from iommu group 1
                """);
        assertThat(s.facts.platform).isEqualTo(IommuPlatform.ARM_SMMU_V3);
        assertThat(s.facts.arch).isEqualTo("aarch64");
        assertThat(s.facts.kernelRelease).isEqualTo("6.1.0-18-arm64");
        assertThat(s.facts.rmrrs).extracting(AcpiTables.DmarRmrr::end).containsExactly(0x503fffffL);
        assertThat(s.groups).isEmpty();
        assertThat(s.groupsReported).isTrue();
    }

    @Test
    void hostBridgeWindowsWithABusAddressAreKept() throws Exception {
        // pci_register_host_bridge() prints "(bus address [...])" only for a window that translates
        Source s = parse("""
                [    0.9] pci_bus 0000:00: root bus resource [mem 0x000a0000-0x000bffff window]
                [    0.9] pci_bus 0002:00: root bus resource [mem 0x9040000000-0x907fffffff window] (bus address [0x40000000-0x7fffffff])
                [    0.9] pci_bus 0002:00: root bus resource [mem 0xa400000000-0xa7ffffffff 64bit pref window]
                [    0.9] pci_bus 0004:10: root bus resource [mem 0x3fffe0000000-0x3fffffffffff pref window] (bus address [0x80000000-0x9fffffff])
                """);
        assertThat(s.facts.hostBridgeWindows).hasSize(2);
        assertThat(s.facts.hostBridgeWindows.get(0)).satisfies(w -> {
            assertThat(w.getDomain()).isEqualTo(2);
            assertThat(w.getRootBus()).isZero();
            assertThat(w.getCpuStart()).isEqualTo(0x9040000000L);
            assertThat(w.getCpuEnd()).isEqualTo(0x907fffffffL);
            assertThat(w.getBusStart()).isEqualTo(0x40000000L);
        });
        assertThat(s.facts.hostBridgeWindows.get(1).getRootBus()).isEqualTo(0x10);
        assertThat(s.facts.hostBridgeWindows.get(1).getBusStart()).isEqualTo(0x80000000L);
    }
}
