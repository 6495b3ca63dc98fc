package io.iommutracker.streams.api;

import io.iommutracker.avro.HostView;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.state.VersionedRecord;

/** One host's state in one local partition, as the resources read it; absence is a 404 naming the host. */
final class HostReader {

    private final LocalStores stores;
    private final String host;
    private final int partition;
    private final boolean active;

    HostReader(LocalStores stores, String host, int partition, boolean active) {
        this.stores = stores;
        this.host = host;
        this.partition = partition;
        this.active = active;
    }

    String host() {
        return host;
    }

    /** Whether this reads the active copy (the owner's). */
    boolean active() {
        return active;
    }

    /** The stored bytes of the latest view; only for the active copy. */
    Optional<byte[]> rawView() {
        if (!active) {
            throw new IllegalStateException("raw reads are for the active copy only");
        }
        return stores.rawHostView(host, partition);
    }

    /** The latest view, or the view valid at {@code asOf} from the history store. */
    HostView view(Optional<Instant> asOf) {
        if (asOf.isEmpty()) {
            return stores.hostView(host, partition, active)
                    .orElseThrow(() -> ApiException.notFound("unknown_host", "no host '" + host + "' is tracked"));
        }
        return stores.hostViewAsOf(host, partition, asOf.get(), active).map(VersionedRecord::value)
                .orElseThrow(() -> ApiException.notFound("unknown_host", "host '" + host + "' had no view at " + asOf.get()
                        + " (unknown, not yet seen, or older than the history kept)"));
    }

    List<VersionedRecord<HostView>> history(Instant from, Instant to) {
        return stores.hostViewHistory(host, partition, from, to, active);
    }

    Optional<byte[]> state() {
        return stores.hostState(host, partition, active);
    }
}
