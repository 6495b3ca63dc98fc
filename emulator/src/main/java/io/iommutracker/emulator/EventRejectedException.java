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
        HOST_DECOMMISSIONED
    }

    private final Reason reason;

    public EventRejectedException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
