package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RenderCacheTest {

    private static RenderCache.Rendered answer(String s) {
        return new RenderCache.Rendered(200, Response.JSON, s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldServeAnEntryOnlyForTheExactBytesItWasRenderedFrom() {
        RenderCache cache = new RenderCache(1 << 20);
        String key = RenderCache.key("host-1", "/api/v1/hosts/host-1/groups", null);
        cache.put(key, new byte[] {1, 2, 3}, answer("{\"v\":1}"));

        assertThat(cache.get(key, new byte[] {1, 2, 3})).isNotNull()
                .extracting(r -> new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":1}");
        assertThat(cache.get(key, new byte[] {1, 2, 4})).as("the stored view changed").isNull();
        assertThat(cache.get(key, new byte[] {1, 2})).isNull();
        assertThat(cache.get(RenderCache.key("host-1", "/api/v1/hosts/host-1/groups", "view=live"), new byte[] {1, 2, 3}))
                .as("another query of the same host").isNull();
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(3);
    }

    @Test
    void shouldStayWithinItsByteBudget() {
        RenderCache cache = new RenderCache(64 * 1024);
        for (int i = 0; i < 1000; i++) {
            cache.put(RenderCache.key("host-" + i, "/groups", null), new byte[400], answer("x".repeat(400)));
            assertThat(cache.bytes()).isLessThanOrEqualTo(64 * 1024);
        }
        assertThat(cache.size()).isBetween(1, 80);
    }

    @Test
    void shouldKeepNothingWhenDisabled() {
        RenderCache cache = new RenderCache(0);
        cache.put("k", new byte[] {1}, answer("{}"));
        assertThat(cache.get("k", new byte[] {1})).isNull();
    }
}
