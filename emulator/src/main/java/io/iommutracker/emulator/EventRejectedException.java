package io.iommutracker.emulator;

/** An event that cannot apply to a host's current state, with the typed reason. */
public final class EventRejectedException extends Exception {

    public enum Reason {
        MALFORMED_BDF,
        UNKNOWN_DEVICE,
        DUPLICATE_DEVICE,
        NO_BRIDGE_FOR_BUS,
        IMPOSSIBLE_PORT_TYPE,
        BAR_OUTSIDE_WINDOW,
        INVALID_VALUE,
        HOST_DECOMMISSIONED,
        /** The sequence number is not above the last applied one (a replay or duplicate). */
        STALE_SEQUENCE,
        /** The event names another host than the state it is applied to. */
        WRONG_HOST
    }

    private final Reason reason;

    public EventRejectedException(Reason reason, String message) {
        // a rejection is an expected outcome of telemetry, reported by its reason and message (it goes to the DLQ);
        // a stack trace would say nothing more and costs more than applying most events
        super(reason + ": " + message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
