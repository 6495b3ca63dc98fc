package io.iommutracker.streams.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iommutracker.avro.DeviceView;
import io.iommutracker.avro.GroupView;
import io.iommutracker.avro.HostView;
import io.iommutracker.avro.Verdict;
import java.util.List;
import java.util.Optional;

/** The JSON shapes built from a HostView that more than one endpoint shows. */
final class Views {

    private Views() {
    }

    /** One host in a list, or the head of GET /hosts/{host}. */
    static ObjectNode summary(HostView v) {
        ObjectNode o = Json.object();
        o.put("host", v.getHostId());
        o.put("platform", v.getPlatform().name());
        o.put("sequence", v.getSequence());
        o.put("updatedAt", v.getUpdatedAt().toString());
        o.put("degraded", v.getDegraded());
        o.put("deviceCount", v.getDeviceCount());
        o.put("kernelGroupCount", v.getKernelGroups().size());
        o.put("liveGroupCount", v.getLiveGroups().size());
        o.put("groupDifferences", GroupDiff.between(v.getKernelGroups(), v.getLiveGroups()).size());
        o.put("hazardCount", v.getHazards().size());
        long blocked = v.getDevices().stream().filter(d -> d.getVerdicts().stream().anyMatch(x -> !x.getAllowed())).count();
        o.put("devicesWithRefusedAssignment", blocked);
        return o;
    }

    static List<GroupView> groups(HostView v, String view) {
        return "live".equals(view) ? v.getLiveGroups() : v.getKernelGroups();
    }

    static Optional<GroupView> group(List<GroupView> groups, Integer id) {
        if (id == null) {
            return Optional.empty();
        }
        return groups.stream().filter(g -> g.getId() == id).findFirst();
    }

    static Optional<DeviceView> device(HostView v, String bdf) {
        return v.getDevices().stream().filter(d -> d.getBdf().equalsIgnoreCase(bdf)).findFirst();
    }

    static ArrayNode avroList(List<? extends org.apache.avro.generic.IndexedRecord> items) {
        ArrayNode a = Json.array();
        items.forEach(i -> a.add(Json.avro(i)));
        return a;
    }

    /** GET /hosts/{host}/devices/{bdf}. */
    static ObjectNode device(HostView v, DeviceView d) {
        ObjectNode o = Json.object();
        o.put("host", v.getHostId());
        o.put("bdf", d.getBdf());
        o.put("driver", d.getDriver());
        o.set("owner", Json.avro(d.getOwner()));
        o.set("kernelGroup", group(v.getKernelGroups(), d.getKernelGroup()).<com.fasterxml.jackson.databind.JsonNode>map(Json::avro)
                .orElse(Json.NODES.nullNode()));
        o.set("liveGroup", group(v.getLiveGroups(), d.getLiveGroup()).<com.fasterxml.jackson.databind.JsonNode>map(Json::avro)
                .orElse(Json.NODES.nullNode()));
        ArrayNode verdicts = Json.array();
        for (Verdict x : d.getVerdicts()) {
            verdicts.add(Json.avro(x));
        }
        o.set("verdicts", verdicts);
        return o;
    }

    /** The device's facts that its history tracks; equal states collapse into one period. */
    static ObjectNode deviceState(HostView v, String bdf) {
        ObjectNode o = Json.object();
        Optional<DeviceView> d = device(v, bdf);
        o.put("present", d.isPresent());
        if (d.isEmpty()) {
            return o;
        }
        DeviceView dv = d.get();
        o.put("driver", dv.getDriver());
        o.set("owner", Json.avro(dv.getOwner()));
        Optional<GroupView> k = group(v.getKernelGroups(), dv.getKernelGroup());
        Optional<GroupView> l = group(v.getLiveGroups(), dv.getLiveGroup());
        o.put("kernelGroup", dv.getKernelGroup());
        o.set("kernelGroupDevices", k.map(g -> (com.fasterxml.jackson.databind.JsonNode) Json.MAPPER.valueToTree(g.getDevices()))
                .orElse(Json.NODES.nullNode()));
        o.set("reservedRegions", k.map(g -> (com.fasterxml.jackson.databind.JsonNode) avroList(g.getReservedRegions()))
                .orElse(Json.array()));
        o.put("liveGroup", dv.getLiveGroup());
        o.set("liveGroupDevices", l.map(g -> (com.fasterxml.jackson.databind.JsonNode) Json.MAPPER.valueToTree(g.getDevices()))
                .orElse(Json.NODES.nullNode()));
        return o;
    }

    static ObjectNode diffEntry(GroupDiff.Entry e) {
        ObjectNode o = Json.object();
        o.put("kind", e.kind().name());
        o.set("kernel", avroList(e.kernel()));
        o.set("live", avroList(e.live()));
        return o;
    }
}
