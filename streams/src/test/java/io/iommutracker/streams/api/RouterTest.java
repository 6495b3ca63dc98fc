package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RouterTest {

    private final Router router = new Router()
            .add("GET", "/api/v1/hosts/{host}", r -> Response.ok("h"))
            .add("GET", "/api/v1/hosts/{host}/devices/{bdf}", r -> Response.ok("d"))
            .add("POST", "/api/v1/hosts/{host}/what-if", r -> Response.ok("w"));

    @Test
    void bindsPercentDecodedVariablesButKeepsPlus() {
        Router.Match m = router.match("GET", "/api/v1/hosts/rack%2F7+a/devices/0000:01:00.0");
        assertThat(m.route().template()).isEqualTo("/api/v1/hosts/{host}/devices/{bdf}");
        assertThat(m.vars()).containsEntry("host", "rack/7+a").containsEntry("bdf", "0000:01:00.0");
    }

    @Test
    void unknownPathIsNotFoundAndOtherMethodIsNotAllowed() {
        assertThatThrownBy(() -> router.match("GET", "/api/v1/hosts/x/nothing"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> router.match("GET", "/api/v1/hosts/x/what-if"))
                .isInstanceOfSatisfying(Router.MethodNotAllowed.class, e -> assertThat(e.allow).isEqualTo("POST"));
        assertThatThrownBy(() -> router.match("GET", "/api/v1/hosts//devices/x"))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void queryParametersAreValidated() {
        Request r = Request.of("GET", "/x", "limit=abc&asOf=2026-01-02T03:04:05%2B02:00&view=LIVE&maxLagMs=250", java.util.Map.of(), new byte[0]);
        assertThatThrownBy(() -> r.intParam("limit", 1, 1, 10)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.detail()).contains("limit", "abc"));
        assertThat(r.timeParam("asOf")).contains(java.time.Instant.parse("2026-01-02T01:04:05Z"));
        assertThat(r.choice("view", "kernel", "kernel", "live")).isEqualTo("live");
        assertThat(r.maxLagMs(-1)).isEqualTo(250);
        Request h = Request.of("GET", "/x", "", java.util.Map.of(Headers.MAX_LAG_MS, "40"), new byte[0]);
        assertThat(h.maxLagMs(-1)).isEqualTo(40);
        assertThat(Request.of("GET", "/x", "", java.util.Map.of(), new byte[0]).maxLagMs(-1)).isEqualTo(-1);
    }
}
