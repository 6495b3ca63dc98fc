package io.iommutracker.streams.topology;

/** Node names of the topology, shared by the builder and the processor that forwards to them. */
public final class Sinks {

    private Sinks() {
    }

    public static final String SOURCE = "telemetry-source";
    public static final String PROCESSOR = "host-processor";
    public static final String DEAD_LETTER = "dead-letter-sink";
    public static final String VIEWS = "host-views-sink";
    public static final String CHANGES = "changes-sink";
    public static final String ALERTS = "alerts-sink";
    /** Evaluation ticks, into the task's own partition of the telemetry topic. */
    public static final String TICKS = "evaluation-tick-sink";
}
