package io.iommutracker.streams.topology;

import io.iommutracker.streams.engine.HostEngine;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/** Creates one {@link HostProcessor} per task. */
public final class HostProcessorSupplier implements ProcessorSupplier<byte[], byte[], Object, Object> {

    private final HostEngine engine;
    private final Duration silentTimeout;

    public HostProcessorSupplier(HostEngine engine, Duration silentTimeout) {
        this.engine = engine;
        this.silentTimeout = silentTimeout;
    }

    @Override
    public Processor<byte[], byte[], Object, Object> get() {
        return new HostProcessor(engine, silentTimeout);
    }
}
