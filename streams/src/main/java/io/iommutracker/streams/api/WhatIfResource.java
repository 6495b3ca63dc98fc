package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupIova;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.PciEvent;
import io.iommutracker.emulator.EventRejectedException;
import io.iommutracker.streams.alerts.AlertRules;
import io.iommutracker.streams.alerts.Condition;
import io.iommutracker.streams.engine.HostEngine;
import io.iommutracker.streams.topology.HostFacts;
import io.iommutracker.streams.topology.HostRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * POST /api/v1/hosts/{host}/what-if: applies hypothetical events to a copy of the host's emulator state, read from
 * the owner's HOST_STATE store ({@link HostRecord}), and answers the resulting view, what would change, and which
 * alerts would start or stop firing (the topology's own {@link AlertRules}). Nothing is written anywhere.
 */
final class WhatIfResource {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WhatIfResource.class);

    private final HostRouter router;
    private final HostEngine engine;

    WhatIfResource(HostRouter router, HostEngine engine) {
        this.router = router;
        this.engine = engine;
    }

    void register(Router r) {
        r.add("POST", "/api/v1/hosts/{host}/what-if", this::whatIf);
    }

    private Response whatIf(Request req) throws Exception {
        String host = req.var("host");
        WhatIfEvents.parse(req.body(), host, 0, Instant.now()); // 400 before routing
        return router.route(req, host, reader -> {
            byte[] bytes = reader.state().orElseThrow(() -> ApiException.notFound("unknown_host", "no host '" + host + "' is tracked"));
            HostRecord record = HostRecord.fromBytes(bytes);
            HostView before = reader.view(java.util.Optional.empty());
            List<PciEvent> events = WhatIfEvents.parse(req.body(), host, record.lastSequence(), Instant.now());
            HostEngine.Host state;
            HostFacts facts = record.facts();
            HostView after;
            try {
                state = engine.fromBytes(record.state());
                int i = 0;
                for (PciEvent e : events) {
                    try {
                        state = state.apply(e);
                    } catch (EventRejectedException x) {
                        throw new ApiException(422, "event_rejected", "event " + i + " (" + e.getPayload().getClass().getSimpleName()
                                + ") cannot apply: " + x.getMessage());
                    }
                    facts = facts.after(e);
                    i++;
                }
                after = state.view();
            } catch (UnsupportedOperationException e) {
                throw ApiException.notImplemented("what-if needs the emulator core, not available in this build: " + e.getMessage());
            } catch (ApiException e) {
                throw e;
            } catch (RuntimeException e) {
                // the emulator could not render the hypothetical host: an answer about these events, not a server fault
                log.warn("what-if on {} failed in the emulator", host, e);
                throw new ApiException(422, "cannot_evaluate", "the emulator cannot evaluate these events on host '" + host + "': "
                        + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            Map<String, Condition> was = conditions(host, before, record.facts(), record.gap());
            Map<String, Condition> would = conditions(host, after, facts, record.gap());
            ObjectNode o = Json.object();
            o.put("host", host);
            o.put("events", events.size());
            o.set("before", Views.summary(before));
            o.set("after", Json.avro(after));
            o.set("changes", changes(before, after));
            ArrayNode diff = Json.array();
            GroupDiff.between(after.getKernelGroups(), after.getLiveGroups()).forEach(x -> diff.add(Views.diffEntry(x)));
            o.set("kernelVsLiveAfter", diff);
            ObjectNode alerts = Json.object();
            alerts.set("wouldFire", conditionList(would, was));
            alerts.set("wouldResolve", conditionList(was, would));
            alerts.set("firingAfter", conditionList(would, Map.of()));
            o.set("alerts", alerts);
            return Response.ok(o);
        });
    }

    private static Map<String, Condition> conditions(String host, HostView view, HostFacts facts, HostRecord.Gap gap) {
        Map<String, Condition> out = new TreeMap<>();
        for (Condition c : AlertRules.evaluate(host, view, facts, gap, null)) {
            out.put(c.fingerprint(), c);
        }
        return out;
    }

    /** The conditions in {@code in} whose fingerprint is not in {@code notIn}. */
    private static ArrayNode conditionList(Map<String, Condition> in, Map<String, Condition> notIn) {
        ArrayNode a = Json.array();
        in.forEach((fp, c) -> {
            if (!notIn.containsKey(fp)) {
                ObjectNode n = Json.object();
                n.put("fingerprint", fp);
                n.put("kind", c.kind().name());
                n.put("severity", c.severity().name());
                n.put("subject", c.subject());
                n.set("devices", Json.MAPPER.valueToTree(c.devices()));
                n.put("summary", c.summary());
                n.set("evidence", Json.MAPPER.valueToTree(new TreeMap<>(c.evidence())));
                a.add(n);
            }
        });
        return a;
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
