package io.iommutracker.emulator.format;

import io.iommutracker.avro.FirmwareKind;
import io.iommutracker.avro.HostBridgeWindow;
import io.iommutracker.avro.IommuPlatform;
import io.iommutracker.avro.Ivmd;
import java.util.ArrayList;
import java.util.List;

/** Host facts gathered from one source; null / empty = this source does not say. */
final class HostFacts {

    String arch;
    String kernelRelease;
    IommuPlatform platform;
    FirmwareKind firmware;
    String commandLine;
    Boolean interruptRemapping;
    final List<AcpiTables.DmarRmrr> rmrrs = new ArrayList<>();
    final List<Ivmd> ivmds = new ArrayList<>();
    final List<AcpiTables.DmarDrhd> drhds = new ArrayList<>();
    final List<HostBridgeWindow> hostBridgeWindows = new ArrayList<>();

    boolean isEmpty() {
        return arch == null && kernelRelease == null && platform == null && firmware == null
                && commandLine == null && interruptRemapping == null && rmrrs.isEmpty() && ivmds.isEmpty() && drhds.isEmpty()
                && hostBridgeWindows.isEmpty();
    }

    /** Fills what this instance does not know from {@code other}. */
    void fillFrom(HostFacts other) {
        if (arch == null) arch = other.arch;
        if (kernelRelease == null) kernelRelease = other.kernelRelease;
        if (platform == null) platform = other.platform;
        if (firmware == null) firmware = other.firmware;
        if (commandLine == null) commandLine = other.commandLine;
        if (interruptRemapping == null) interruptRemapping = other.interruptRemapping;
        if (rmrrs.isEmpty()) rmrrs.addAll(other.rmrrs);
        if (ivmds.isEmpty()) ivmds.addAll(other.ivmds);
        if (drhds.isEmpty()) drhds.addAll(other.drhds);
        if (hostBridgeWindows.isEmpty()) hostBridgeWindows.addAll(other.hostBridgeWindows);
    }
}
