package io.iommutracker.streams.topology;

import io.iommutracker.streams.engine.HostEngine;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/** Creates one {@link HostProcessor} per task. */
public final class HostProcessorSupplier implements ProcessorSupplier<byte[], byte[], Object, Object> {

    private final HostEngine engine;
    private final Duration silentTimeout;
    private final Duration viewResolution;
    private final Duration evaluationWindow;
    private final int workingCopies;
    private final InputLog input;

    /**
     * @param viewResolution how often at most a host's checkpoint and latest view are written (zero: every event)
     * @param evaluationWindow event time of one host folded into one evaluation (zero: every event evaluated alone)
     * @param workingCopies  deserialised hosts kept in memory per task besides those with events since their
     *                       checkpoint (zero: a host is rebuilt from its checkpoint on its first event after one)
     * @param input          where a starting task reads back the events its checkpoints miss
     */
    public HostProcessorSupplier(HostEngine engine, Duration silentTimeout, Duration viewResolution,
                                 Duration evaluationWindow, int workingCopies, InputLog input) {
        this.evaluationWindow = evaluationWindow;
        this.input = input;
        this.engine = engine;
        this.silentTimeout = silentTimeout;
        this.viewResolution = viewResolution;
        this.workingCopies = workingCopies;
    }

    @Override
    public Processor<byte[], byte[], Object, Object> get() {
        return new HostProcessor(engine, silentTimeout, viewResolution, evaluationWindow, workingCopies, input);
    }
}
