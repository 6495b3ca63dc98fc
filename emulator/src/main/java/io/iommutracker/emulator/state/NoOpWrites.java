package io.iommutracker.emulator.state;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.DmaMappingsReported;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.model.Device;

/**
 * Writes of what a device already holds: an ACS control word it has, a BAR it has at that index, the DMA report it
 * last sent. Telemetry repeats such writes (a collector re-reads a register, a VMM re-reports its mappings); the
 * applier keeps the state's pieces as they were and the view need not be derived again.
 */
public final class NoOpWrites {

    private NoOpWrites() {
    }

    /** The device's ACS capability already carries {@code ctrl}. */
    static boolean holdsAcsCtrl(Device d, int ctrl) {
        return d.info().getAcs() != null && d.info().getAcs().getCtrl() == ctrl;
    }

    /** The device already has {@code bar} (every field equal) at its index. */
    static boolean holdsBar(Device d, Bar bar) {
        for (Bar b : d.info().getBars()) {
            if (b.getIndex() == bar.getIndex()) {
                return b.equals(bar);
            }
        }
        return false;
    }

    public static boolean sameAcsCtrl(HostModel before, AcsControlChanged a) {
        Device d = device(before, a.getBdf());
        return d != null && d.hasAcsCap() && holdsAcsCtrl(d, a.getCtrl());
    }

    public static boolean sameBar(HostModel before, BarProgrammed b) {
        Device d = device(before, b.getBdf());
        return d != null && holdsBar(d, b.getBar());
    }

    /** Every device the report names has already reported exactly these mappings for this owner. */
    public static boolean sameReports(HostModel before, DmaMappingsReported r) {
        DmaReport report = new DmaReport(r.getOwnerId(), r.getMappings());
        for (String text : r.getDevices()) {
            Device d = device(before, text);
            if (d == null || !report.equals(before.dma(d))) {
                return false;
            }
        }
        return true;
    }

    private static Device device(HostModel m, String text) {
        if (text == null || !Bdf.isValid(text)) {
            return null;
        }
        return m.topology().device(Bdf.parse(text));
    }
}
