package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommutracker.avro.AssignApi;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostDescribed;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.IovaRange;
import io.iommutracker.avro.ResvRegion;
import io.iommutracker.emulator.HostState;
import io.iommutracker.emulator.model.Bdf;
import io.iommutracker.emulator.resv.Region;
import io.iommutracker.emulator.vfio.Assignment;
import io.iommutracker.emulator.vfio.GroupFacts;
import io.iommutracker.streams.topology.HostRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.VersionedRecord;

/** The per-host endpoints under /api/v1/hosts/{host}: each one is routed to the host's owner by {@link HostRouter}. */
final class HostResources {

    private final HostRouter router;
    private final RenderCache cache;

    HostResources(HostRouter router, RenderCache cache) {
        this.router = router;
        this.cache = cache;
    }

    void register(Router r) {
        r.add("GET", "/api/v1/hosts/{host}", this::summary);
        r.add("GET", "/api/v1/hosts/{host}/groups", this::groups);
        r.add("GET", "/api/v1/hosts/{host}/groups/diff", this::diff);
        r.add("GET", "/api/v1/hosts/{host}/devices/{bdf}", this::device);
        r.add("GET", "/api/v1/hosts/{host}/devices/{bdf}/history", this::history);
        r.add("GET", "/api/v1/hosts/{host}/reserved-regions", this::reservedRegions);
        r.add("GET", "/api/v1/hosts/{host}/iova-ranges", this::iovaRanges);
        r.add("GET", "/api/v1/hosts/{host}/hazards", this::hazards);
    }

    /** A read whose answer is a function of the latest view and the request alone: its answers are cached. */
    private Response read(Request req, java.util.function.BiFunction<HostReader, HostView, Object> body) throws Exception {
        return read(req, true, body);
    }

    /**
     * Validates parameters before any routing, so a bad request is a 400 wherever it lands. A {@code cacheable} read
     * of the latest view on the owner is answered from {@link RenderCache} while the stored view is unchanged.
     */
    private Response read(Request req, boolean cacheable, java.util.function.BiFunction<HostReader, HostView, Object> body)
            throws Exception {
        String host = req.var("host");
        Optional<Instant> asOf = req.timeParam("asOf");
        boolean useCache = cacheable && asOf.isEmpty();
        return router.route(req, host, reader -> {
            String key = null;
            byte[] raw = null;
            if (useCache && reader.active()) {
                raw = reader.rawView().orElse(null);
                if (raw != null) {
                    key = RenderCache.key(host, req.path(), req.rawQuery());
                    RenderCache.Rendered hit = cache.get(key, raw);
                    if (hit != null) {
                        return new Response(hit.status(), hit.contentType(), hit.body(), new LinkedHashMap<>());
                    }
                }
            }
            HostView v = reader.view(asOf);
            Object out = body.apply(reader, v);
            Response resp;
            if (out instanceof Response r) {
                resp = r;
            } else {
                if (out instanceof ObjectNode o && asOf.isPresent()) {
                    o.put("asOf", asOf.get().toString());
                }
                resp = Response.ok(out);
            }
            // cached only when the view did not change while it was decoded: the entry then pairs bytes and answer exactly
            if (key != null && resp.status() == 200 && java.util.Arrays.equals(raw, reader.rawView().orElse(null))) {
                cache.put(key, raw, new RenderCache.Rendered(resp.status(), resp.contentType(), resp.body()));
            }
            return resp;
        });
    }

    private Response summary(Request req) throws Exception {
        return read(req, (reader, v) -> {
            ObjectNode o = Views.summary(v);
            ArrayNode diff = Json.array();
            GroupDiff.between(v.getKernelGroups(), v.getLiveGroups()).forEach(e -> diff.add(e.kind().name()));
            o.set("differenceKinds", diff);
            return o;
        });
    }

    private Response groups(Request req) throws Exception {
        String view = req.choice("view", "kernel", "kernel", "live");
        return read(req, (reader, v) -> {
            ObjectNode o = Json.object();
            o.put("host", v.getHostId());
            o.put("view", view);
            o.set("groups", Views.avroList(Views.groups(v, view)));
            return o;
        });
    }

    private Response diff(Request req) throws Exception {
        return read(req, (reader, v) -> {
            ObjectNode o = Json.object();
            o.put("host", v.getHostId());
            ArrayNode a = Json.array();
            GroupDiff.between(v.getKernelGroups(), v.getLiveGroups()).forEach(e -> a.add(Views.diffEntry(e)));
            o.set("differences", a);
            return o;
        });
    }

    private static String bdf(Request req) {
        String raw = req.var("bdf");
        try {
            if (Bdf.isValid(raw)) {
                return Bdf.parse(raw).toString();
            }
        } catch (IllegalArgumentException e) {
            // the form matched but a field is out of range (device > 0x1f)
        }
        throw ApiException.badRequest("malformed_bdf", "'" + raw + "' is not a PCI address (expected dddd:bb:dd.f with device <= 1f,"
                + " function <= 7, e.g. 0000:00:1f.3)");
    }

    private Response device(Request req) throws Exception {
        String bdf = bdf(req);
        return read(req, (reader, v) -> Views.device(v, Views.device(v, bdf).orElseThrow(
                () -> ApiException.notFound("unknown_device", "host '" + v.getHostId() + "' has no device " + bdf))));
    }

    private Response history(Request req) throws Exception {
        String bdf = bdf(req);
        Instant from = req.timeParam("from").orElse(Instant.EPOCH);
        Instant to = req.timeParam("to").orElse(Instant.now());
        if (from.isAfter(to)) {
            throw ApiException.badRequest("bad_time", "from (" + from + ") is after to (" + to + ")");
        }
        String host = req.var("host");
        return router.route(req, host, reader -> {
            List<VersionedRecord<HostView>> versions = reader.history(from, to);
            if (versions.isEmpty()) {
                throw ApiException.notFound("unknown_host", "host '" + host + "' has no recorded views between " + from + " and " + to);
            }
            if (versions.stream().noneMatch(r -> Views.device(r.value(), bdf).isPresent())) {
                throw ApiException.notFound("unknown_device", "host '" + host + "' never had device " + bdf + " between " + from + " and " + to);
            }
            ArrayNode periods = Json.array();
            ObjectNode last = null;
            for (VersionedRecord<HostView> r : versions) {
                ObjectNode state = Views.deviceState(r.value(), bdf);
                if (last != null && last.get("state").equals(state)) {
                    setValidTo(last, r);
                    continue;
                }
                ObjectNode p = Json.object();
                p.put("validFrom", Instant.ofEpochMilli(r.timestamp()).toString());
                setValidTo(p, r);
                p.put("sequence", r.value().getSequence());
                p.set("state", state);
                periods.add(p);
                last = p;
            }
            ObjectNode o = Json.object();
            o.put("host", host);
            o.put("bdf", bdf);
            o.put("from", from.toString());
            o.put("to", to.toString());
            o.set("periods", periods);
            return Response.ok(o);
        });
    }

    private static void setValidTo(ObjectNode p, VersionedRecord<HostView> r) {
        Optional<Long> to = r.validTo();
        if (to.isPresent()) {
            p.put("validTo", Instant.ofEpochMilli(to.get()).toString());
        } else {
            p.putNull("validTo");
        }
    }

    private Response reservedRegions(Request req) throws Exception {
        String view = req.choice("view", "kernel", "kernel", "live");
        String format = req.choice("format", "json", "json", "sysfs");
        Integer only = req.param("group").map(g -> req.intParam("group", 0, 0, Integer.MAX_VALUE)).orElse(null);
        return read(req, (reader, v) -> {
            List<GroupView> groups = Views.groups(v, view);
            if (only != null) {
                groups = Views.group(groups, only).map(List::of).orElseThrow(
                        () -> ApiException.notFound("unknown_group", "host '" + v.getHostId() + "' has no " + view + " group " + only));
            }
            if (format.equals("sysfs")) {
                StringBuilder sb = new StringBuilder();
                for (GroupView g : groups) {
                    if (only == null) {
                        // several files in one answer: separated the way head(1) separates them
                        sb.append(sb.isEmpty() ? "" : "\n").append("==> /sys/kernel/iommu_groups/").append(g.getId())
                                .append("/reserved_regions <==\n");
                    }
                    sb.append(sysfsText(g.getReservedRegions()));
                }
                return Response.text(200, sb.toString(), Response.TEXT);
            }
            ObjectNode o = Json.object();
            o.put("host", v.getHostId());
            o.put("view", view);
            ArrayNode a = Json.array();
            for (GroupView g : groups) {
                ObjectNode e = Json.object();
                e.put("group", g.getId());
                e.set("regions", Views.avroList(g.getReservedRegions()));
                a.add(e);
            }
            o.set("groups", a);
            return o;
        });
    }

    /** The exact content of one group's reserved_regions file: one sysfs line per region. */
    static String sysfsText(List<ResvRegion> regions) {
        StringBuilder sb = new StringBuilder();
        for (ResvRegion r : regions) {
            sb.append(new Region(r.getStart(), r.getEnd(), r.getType()).sysfsLine()).append('\n');
        }
        return sb.toString();
    }

    private Response iovaRanges(Request req) throws Exception {
        String apiParam = req.choice("api", "all", "vfio", "iommufd", "all");
        List<Integer> wanted = new ArrayList<>();
        for (String g : req.listParam("groups")) {
            try {
                wanted.add(Integer.parseInt(g));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("bad_parameter", "groups must be a comma-separated list of group numbers, got '" + g + "'");
            }
        }
        List<AssignApi> apis = apiParam.equals("all") ? List.of(AssignApi.VFIO, AssignApi.IOMMUFD)
                : List.of(AssignApi.valueOf(apiParam.toUpperCase(java.util.Locale.ROOT)));
        return read(req, false, (reader, v) -> {
            // a set of several groups is not precomputed: computed from the host's emulated state when there is one
            Optional<HostState> state = wanted.size() > 1 ? hostState(reader) : Optional.empty();
            List<Integer> unknown = state.map(s -> GroupSetIova.unknown(s, wanted))
                    .orElseGet(() -> wanted.stream().filter(g -> Views.group(v.getKernelGroups(), g).isEmpty()).toList());
            if (!unknown.isEmpty()) {
                throw ApiException.notFound("unknown_group", "host '" + v.getHostId() + "' has no kernel group " + unknown.get(0));
            }
            ArrayNode out = Json.array();
            for (AssignApi api : apis) {
                if (wanted.size() > 1) {
                    out.add(state.isPresent() ? computed(state.get(), v, wanted, api) : approximated(v, wanted, api));
                    continue;
                }
                for (GroupIova gi : v.getUsableIova()) {
                    if (gi.getApi() == api && (wanted.isEmpty() || wanted.get(0) == gi.getGroup())) {
                        ObjectNode e = Json.avro(gi);
                        e.set("groups", Json.MAPPER.valueToTree(List.of(gi.getGroup())));
                        e.put("source", "precomputed");
                        out.add(e);
                    }
                }
            }
            ObjectNode o = Json.object();
            o.put("host", v.getHostId());
            o.set("ranges", out);
            return o;
        });
    }

    /** The host's emulated state from HOST_STATE, in the same copy the view was read from; empty when none is kept. */
    private static Optional<HostState> hostState(HostReader reader) {
        Optional<byte[]> bytes = reader.state();
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(HostState.fromBytes(HostRecord.fromBytes(bytes.get()).state()));
        } catch (UnsupportedOperationException e) {
            throw ApiException.notImplemented("the emulator core is not available in this build: " + e.getMessage());
        }
    }

    /** Exact: the platform's facts and every member's own regions, from the emulated state. */
    private static ObjectNode computed(HostState state, HostView v, List<Integer> groups, AssignApi api) {
        Map<String, io.iommutracker.avro.Owner> owners = new LinkedHashMap<>();
        v.getDevices().forEach(d -> owners.put(d.getBdf(), d.getOwner()));
        List<IovaRange> ranges;
        try {
            ranges = GroupSetIova.usable(state, groups, api, owners);
        } catch (IllegalArgumentException e) {
            throw new ApiException(422, "cannot_compute", "usable IOVA of groups " + groups + " for " + api + ": " + e.getMessage());
        }
        return iovaEntry(api, groups, ranges, "computed");
    }

    /**
     * Approximate, for a host whose emulated state is not kept (HOST_STATE has no record): HostView keeps regions per
     * group and only the platform's name, so every member gets its group's merged regions and the default aperture.
     */
    private static ObjectNode approximated(HostView v, List<Integer> groups, AssignApi api) {
        List<GroupFacts> facts = new ArrayList<>();
        for (Integer id : groups) {
            GroupView g = Views.group(v.getKernelGroups(), id).orElseThrow();
            List<Region> regions = g.getReservedRegions().stream().map(r -> new Region(r.getStart(), r.getEnd(), r.getType())).toList();
            Map<String, List<Region>> perDevice = new LinkedHashMap<>();
            Map<String, io.iommutracker.avro.Owner> owners = new LinkedHashMap<>();
            Map<String, String> drivers = new LinkedHashMap<>();
            for (String d : g.getDevices()) {
                perDevice.put(d, regions);
                Optional<DeviceView> dv = Views.device(v, d);
                dv.ifPresent(x -> owners.put(d, x.getOwner()));
                dv.map(DeviceView::getDriver).ifPresent(x -> drivers.put(d, x));
            }
            facts.add(new GroupFacts(id, g.getDevices(), regions, perDevice, owners, drivers, g.getIsolatedMsi()));
        }
        HostDescribed host = HostDescribed.newBuilder().setPlatform(v.getPlatform()).build();
        List<IovaRange> ranges;
        try {
            ranges = Assignment.usableIova(host, facts, api);
        } catch (UnsupportedOperationException e) {
            throw ApiException.notImplemented("usable IOVA of a set of groups is not available in this build: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ApiException(422, "cannot_compute", "usable IOVA of groups " + groups + " for " + api + ": " + e.getMessage());
        }
        return iovaEntry(api, groups, ranges, "approximated");
    }

    private static ObjectNode iovaEntry(AssignApi api, List<Integer> groups, List<IovaRange> ranges, String source) {
        ObjectNode e = Json.object();
        e.put("api", api.name());
        e.set("groups", Json.MAPPER.valueToTree(groups));
        e.set("ranges", Views.avroList(ranges));
        e.put("source", source);
        return e;
    }

    private Response hazards(Request req) throws Exception {
        return read(req, (reader, v) -> {
            ObjectNode o = Json.object();
            o.put("host", v.getHostId());
            o.set("hazards", Views.avroList(v.getHazards()));
            return o;
        });
    }
}
