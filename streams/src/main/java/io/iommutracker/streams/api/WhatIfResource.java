package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.emulator.HostState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * POST /api/v1/hosts/{host}/what-if: applies hypothetical events to a copy of the host's emulator state, read from
 * the owner's HOST_STATE store, and answers the resulting view and what would change. Nothing is written anywhere.
 */
final class WhatIfResource {

    private final HostRouter router;
    private final Function<byte[], HostState> decodeState;

    /** @param decodeState reads a HOST_STATE store value (its layout is the topology's) back into a HostState */
    WhatIfResource(HostRouter router, Function<byte[], HostState> decodeState) {
        this.router = router;
        this.decodeState = decodeState;
    }

    void register(Router r) {
        r.add("POST", "/api/v1/hosts/{host}/what-if", this::whatIf);
    }

    private Response whatIf(Request req) throws Exception {
        String host = req.var("host");
        WhatIfEvents.parse(req.body(), host, 0, Instant.now()); // 400 before routing
        return router.route(req, host, reader -> {
            HostView before = reader.view(java.util.Optional.empty());
            byte[] bytes = reader.state().orElseThrow(() -> ApiException.notFound("unknown_host", "no emulator state for host '" + host + "'"));
            List<PciEvent> events = WhatIfEvents.parse(req.body(), host, before.getSequence(), Instant.now());
            HostView after;
            try {
                HostState state = decodeState.apply(bytes);
                int i = 0;
                for (PciEvent e : events) {
                    try {
                        state = state.apply(e);
                    } catch (EventRejectedException x) {
                        throw new ApiException(422, "event_rejected", "event " + i + " (" + e.getPayload().getClass().getSimpleName()
                                + ") cannot apply: " + x.getMessage());
                    }
                    i++;
                }
                after = state.view();
            } catch (UnsupportedOperationException e) {
                throw ApiException.notImplemented("what-if needs the emulator core, not available in this build: " + e.getMessage());
            }
            ObjectNode o = Json.object();
            o.put("host", host);
            o.put("events", events.size());
            o.set("before", Views.summary(before));
            o.set("after", Json.avro(after));
            o.set("changes", changes(before, after));
            ArrayNode diff = Json.array();
            GroupDiff.between(after.getKernelGroups(), after.getLiveGroups()).forEach(x -> diff.add(Views.diffEntry(x)));
            o.set("kernelVsLiveAfter", diff);
            return Response.ok(o);
        });
    }

    /** What differs between two views of one host: groups per view, devices moved, usable IOVA, hazards. */
    static ObjectNode changes(HostView before, HostView after) {
        ObjectNode o = Json.object();
        o.set("kernelGroups", groupChanges(before.getKernelGroups(), after.getKernelGroups()));
        o.set("liveGroups", groupChanges(before.getLiveGroups(), after.getLiveGroups()));
        ArrayNode moved = Json.array();
        Map<String, DeviceView> old = before.getDevices().stream().collect(Collectors.toMap(DeviceView::getBdf, d -> d, (a, b) -> a));
        Map<String, DeviceView> now = after.getDevices().stream().collect(Collectors.toMap(DeviceView::getBdf, d -> d, (a, b) -> a));
        for (String bdf : new java.util.TreeSet<>(union(old.keySet(), now.keySet()))) {
            DeviceView a = old.get(bdf);
            DeviceView b = now.get(bdf);
            if (a == null || b == null || !Objects.equals(a.getKernelGroup(), b.getKernelGroup())
                    || !Objects.equals(a.getLiveGroup(), b.getLiveGroup())) {
                ObjectNode m = Json.object();
                m.put("bdf", bdf);
                m.set("before", a == null ? Json.NODES.nullNode() : groupsOf(a));
                m.set("after", b == null ? Json.NODES.nullNode() : groupsOf(b));
                moved.add(m);
            }
        }
        o.set("devices", moved);
        ArrayNode iova = Json.array();
        Map<String, GroupIova> oi = before.getUsableIova().stream().collect(Collectors.toMap(g -> g.getGroup() + "/" + g.getApi(), g -> g, (a, b) -> a));
        Map<String, GroupIova> ni = after.getUsableIova().stream().collect(Collectors.toMap(g -> g.getGroup() + "/" + g.getApi(), g -> g, (a, b) -> a));
        for (String k : new java.util.TreeSet<>(union(oi.keySet(), ni.keySet()))) {
            if (!Objects.equals(oi.get(k), ni.get(k))) {
                ObjectNode c = Json.object();
                c.put("groupApi", k);
                c.set("before", oi.get(k) == null ? Json.NODES.nullNode() : Json.avro(oi.get(k)));
                c.set("after", ni.get(k) == null ? Json.NODES.nullNode() : Json.avro(ni.get(k)));
                iova.add(c);
            }
        }
        o.set("usableIova", iova);
        o.set("hazardsAdded", Views.avroList(after.getHazards().stream().filter(h -> !before.getHazards().contains(h)).toList()));
        o.set("hazardsRemoved", Views.avroList(before.getHazards().stream().filter(h -> !after.getHazards().contains(h)).toList()));
        return o;
    }

    private static ObjectNode groupsOf(DeviceView d) {
        ObjectNode o = Json.object();
        o.put("kernelGroup", d.getKernelGroup());
        o.put("liveGroup", d.getLiveGroup());
        return o;
    }

    private static ArrayNode groupChanges(List<GroupView> before, List<GroupView> after) {
        Map<Integer, GroupView> b = before.stream().collect(Collectors.toMap(GroupView::getId, g -> g, (x, y) -> x));
        Map<Integer, GroupView> a = after.stream().collect(Collectors.toMap(GroupView::getId, g -> g, (x, y) -> x));
        ArrayNode out = Json.array();
        for (Integer id : new java.util.TreeSet<>(union(b.keySet(), a.keySet()))) {
            GroupView x = b.get(id);
            GroupView y = a.get(id);
            if (Objects.equals(x, y)) {
                continue;
            }
            ObjectNode c = Json.object();
            c.put("group", id);
            c.put("change", x == null ? "FORMED" : y == null ? "REMOVED"
                    : !x.getDevices().equals(y.getDevices()) ? "MEMBERS_CHANGED" : "REGIONS_CHANGED");
            c.set("before", x == null ? Json.NODES.nullNode() : Json.avro(x));
            c.set("after", y == null ? Json.NODES.nullNode() : Json.avro(y));
            out.add(c);
        }
        return out;
    }

    private static <T> java.util.Set<T> union(java.util.Set<T> a, java.util.Set<T> b) {
        java.util.Set<T> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return s;
    }
}
