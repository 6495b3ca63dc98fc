package io.iommutracker.emulator.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.avro.PcieType;
import io.iommutracker.avro.Window;
import io.iommutracker.emulator.model.Bdf;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Line shapes of pciutils versions and listing scripts that the real dumps do not all contain. */
class LspciVariantsTest {

    @TempDir
    Path tmp;

    private Capture read(String text) throws Exception {
        Path p = tmp.resolve("capture.txt");
        Files.writeString(p, text);
        return Captures.readCapture(p);
    }

    @Test
    void newestPciutilsWindowsAndRegions() throws Exception {
        Capture c = read("""
                0000:00:1c.4 PCI bridge [0604]: Intel Corporation Device [8086:a33c] (rev f0) (prog-if 00 [Normal decode])
                \tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR+ FastB2B- DisINTx+
                \tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
                \tIOMMU group: 12
                \tBus: primary=00, secondary=03, subordinate=03, sec-latency=0
                \tI/O behind bridge: [disabled] [16-bit]
                \tMemory behind bridge: de000000-de0fffff [size=1M] [32-bit]
                \tPrefetchable memory behind bridge: [disabled] [64-bit]
                \tCapabilities: [40] Express (v2) Root Port (Slot+), IntMsgNum 0
                \tCapabilities: [220 v1] Access Control Services
                \t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-
                \t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-
                \tKernel driver in use: pcieport

                0000:03:00.0 Ethernet controller [0200]: Intel Corporation I210 [8086:1533] (rev 03)
                \tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx+
                \tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
                \tRegion 0: Memory at de000000 (32-bit, non-prefetchable) [size=512K]
                \tRegion 2: I/O ports at <unassigned> [disabled]
                \tRegion 3: Memory at de080000 (32-bit, non-prefetchable) [size=16K]
                \tExpansion ROM at <ignored> [disabled]
                \tCapabilities: [70] MSI-X: Enable+ Count=5 Masked-
                \tCapabilities: [a0] Express (v2) Endpoint, MSI 00
                \tKernel driver in use: vfio-pci
                """);
        PciDeviceInfo rp = c.device(Bdf.parse("0000:00:1c.4")).orElseThrow();
        assertThat(rp.getCommand()).isEqualTo(0x1 | 0x2 | 0x4 | 0x100 | 0x400);
        assertThat(rp.getBridge().getIoWindow()).isNull();
        assertThat(rp.getBridge().getMemWindow()).isEqualTo(new Window(0xde000000L, 0xde0fffffL));
        assertThat(rp.getBridge().getPrefWindow()).isNull();
        assertThat(rp.getAcs().getCtrl()).isEqualTo(0x1d);
        assertThat(rp.getAcs().getCap()).isEqualTo(0x1f);
        PciDeviceInfo nic = c.device(Bdf.parse("0000:03:00.0")).orElseThrow();
        assertThat(nic.getBars()).containsExactly(new Bar(0, 0xde000000L, 512L << 10, BarKind.MEM32, false),
                new Bar(2, 0L, 0L, BarKind.IO, false), new Bar(3, 0xde080000L, 16L << 10, BarKind.MEM32, false),
                new Bar(6, 0L, 0L, BarKind.MEM32, false));
        assertThat(nic.getMsix().getTableSize()).isEqualTo(5);
        assertThat(nic.getPcieType()).isEqualTo(PcieType.ENDPOINT);
        assertThat(nic.getOwner().getKind().name()).isEqualTo("VFIO");
        // one of two functions printed a group line: too few to call it a listing
        assertThat(c.groupsReported()).isFalse();
    }

    @Test
    void groupedArchWikiListing() throws Exception {
        Capture c = read("""
                IOMMU Group 7:
                \t00:14.0 USB controller [0c03]: Intel Corporation Device [8086:a36d] (rev 10)
                \t0000:00:14.2 RAM memory [0500]: Intel Corporation Device [8086:a36f] (rev 10)
                IOMMU Group 8:
                \t00:16.0 Communication controller [0780]: Intel Corporation Device [8086:a360] (rev 10)
                """);
        assertThat(c.formats().values()).containsExactly(CaptureFormat.GROUP_LISTING);
        assertThat(c.reportedGroups()).containsEntry(Bdf.parse("0000:00:14.0"), 7)
                .containsEntry(Bdf.parse("0000:00:14.2"), 7).containsEntry(Bdf.parse("0000:00:16.0"), 8);
        PciDeviceInfo ram = c.device(Bdf.parse("0000:00:14.2")).orElseThrow();
        assertThat(ram.getClassCode()).isEqualTo(0x050000);
        assertThat(ram.getRevision()).isEqualTo(0x10);
        assertThat(ram.getCapabilitiesKnown()).isFalse();
        assertThat(c.snapshot().toString()).doesNotContain("\"group");
    }
}
