package io.iommutracker.emulator.vfio;

import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.Verdict;

/** Verdict constructors. */
final class Verdicts {

    private Verdicts() {
    }

    static Verdict allowed(AssignApi api, String reason) {
        return new Verdict(api, true, null, reason);
    }

    static Verdict refused(AssignApi api, String errno, String reason) {
        return new Verdict(api, false, errno, reason);
    }
}
