package io.iommutracker.streams.api;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rendered answers of per-host reads of the latest view, kept with the stored bytes of the view they were rendered
 * from. An entry is served only when the active copy still holds exactly those bytes ({@link RawViews}), so an
 * answer from the cache is byte-for-byte the answer a fresh decode and render would give: no staleness is added,
 * under exactly-once or not, across rebalances (each read validates against the copy the router chose) and across
 * restarts (the cache is per process). A changed host costs one miss.
 *
 * <p>Bounded by bytes (stored view plus answer, per entry); over the bound, arbitrary entries (hash order) are
 * dropped until a quarter of the budget is free.
 */
final class RenderCache {

    /** The cached part of an answer; headers that say who served it are added per request. */
    record Rendered(int status, String contentType, byte[] body) {
    }

    private record Entry(byte[] raw, Rendered rendered) {
        long bytes() {
            return raw.length + rendered.body().length + 96L;
        }
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final long budget;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    RenderCache(long budgetBytes) {
        this.budget = budgetBytes;
    }

    static String key(String host, String route, String rawQuery) {
        return host + '\u0000' + route + '\u0000' + (rawQuery == null ? "" : rawQuery);
    }

    /** The answer rendered from {@code raw}, or null when none is cached for exactly these bytes. */
    Rendered get(String key, byte[] raw) {
        Entry e = entries.get(key);
        if (e != null && Arrays.equals(e.raw(), raw)) {
            hits.increment();
            return e.rendered();
        }
        misses.increment();
        return null;
    }

    void put(String key, byte[] raw, Rendered rendered) {
        if (budget <= 0) {
            return;
        }
        Entry e = new Entry(raw, rendered);
        if (e.bytes() > budget / 4) {
            return;
        }
        Entry old = entries.put(key, e);
        long total = bytes.addAndGet(e.bytes() - (old == null ? 0 : old.bytes()));
        if (total > budget) {
            shrink();
        }
    }

    private void shrink() {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (bytes.get() > budget - budget / 4 && it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            if (entries.remove(e.getKey(), e.getValue())) {
                bytes.addAndGet(-e.getValue().bytes());
            }
        }
    }

    /** Prometheus text: hits, misses, entries and bytes held. */
    void appendTo(StringBuilder sb) {
        sb.append("# HELP iommu_api_render_cache_hits_total Per-host answers served from the render cache.\n")
                .append("# TYPE iommu_api_render_cache_hits_total counter\n")
                .append("iommu_api_render_cache_hits_total ").append(hits()).append('\n')
                .append("# HELP iommu_api_render_cache_misses_total Per-host reads the render cache could not answer.\n")
                .append("# TYPE iommu_api_render_cache_misses_total counter\n")
                .append("iommu_api_render_cache_misses_total ").append(misses()).append('\n')
                .append("# HELP iommu_api_render_cache_entries Answers held.\n# TYPE iommu_api_render_cache_entries gauge\n")
                .append("iommu_api_render_cache_entries ").append(size()).append('\n')
                .append("# HELP iommu_api_render_cache_bytes Bytes held (stored views plus answers).\n")
                .append("# TYPE iommu_api_render_cache_bytes gauge\n")
                .append("iommu_api_render_cache_bytes ").append(bytes()).append('\n');
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }

    int size() {
        return entries.size();
    }

    long bytes() {
        return bytes.get();
    }
}
