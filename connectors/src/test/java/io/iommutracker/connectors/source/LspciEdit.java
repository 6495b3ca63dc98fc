package io.iommutracker.connectors.source;

import io.iommutracker.avro.AcsControlChanged;
import io.iommutracker.avro.Bar;
import io.iommutracker.avro.BarKind;
import io.iommutracker.avro.BarProgrammed;
import io.iommutracker.avro.DeviceRemoved;
import io.iommutracker.avro.DriverBound;
import io.iommutracker.avro.DriverUnbound;
import io.iommutracker.avro.HostSnapshot;
import io.iommutracker.avro.Owner;
import io.iommutracker.avro.OwnerKind;
import io.iommutracker.avro.PciDeviceInfo;
import io.iommutracker.emulator.model.Bdf;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Edits a real `lspci -vvnn` dump the way a host changes between two captures (a device hot-removed, a BAR moved,
 * ACS control bits flipped, a driver rebound to vfio-pci) and says which events that must produce. The devices are
 * chosen from the first capture's snapshot; the expected values follow from the edit (kernel bit PCI_ACS_SV = 0x01).
 */
record LspciEdit(String text, List<Object> expected, List<String> edits) {

    private static final Pattern BLOCK_START = Pattern.compile("^((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]) ");
    private static final Pattern DRIVER = Pattern.compile("\tKernel driver in use: (\\S+)");
    private static final Pattern REGION = Pattern.compile("Region (\\d+): (?:\\[virtual\\] )?Memory at ([0-9a-f]+) ");
    private static final int PCI_ACS_SV = 0x01;

    static LspciEdit of(String original, HostSnapshot first) {
        Map<String, StringBuilder> blocks = new LinkedHashMap<>();
        StringBuilder preamble = new StringBuilder();
        StringBuilder cur = preamble;
        for (String line : original.split("(?<=\n)")) {
            Matcher m = BLOCK_START.matcher(line);
            if (m.find()) {
                cur = new StringBuilder();
                blocks.put(Bdf.parse(m.group(1)).toString(), cur);
            }
            cur.append(line);
        }
        Map<String, PciDeviceInfo> devices = new LinkedHashMap<>();
        first.getDevices().forEach(d -> devices.put(d.getBdf(), d));
        List<Object> expected = new ArrayList<>();
        List<String> edits = new ArrayList<>();

        // 1. remove a single-function endpoint whose block is clean
        String removed = null;
        for (PciDeviceInfo d : first.getDevices()) {
            Bdf b = Bdf.parse(d.getBdf());
            boolean sibling = devices.keySet().stream().map(Bdf::parse)
                    .anyMatch(o -> !o.equals(b) && o.domain() == b.domain() && o.bus() == b.bus() && o.device() == b.device());
            StringBuilder block = blocks.get(d.getBdf());
            if (d.getBridge() == null && !sibling && d.getPhysfn() == null && block != null && !block.toString().contains("pcilib")) {
                removed = d.getBdf();
            }
        }
        if (removed != null) {
            blocks.remove(removed);
            expected.add(new DeviceRemoved(removed));
            edits.add("removed " + removed);
        }

        // 2. rebind a driver to vfio-pci
        String rebound = null;
        for (Map.Entry<String, StringBuilder> e : blocks.entrySet()) {
            Matcher m = DRIVER.matcher(e.getValue());
            PciDeviceInfo d = devices.get(e.getKey());
            if (d != null && m.find() && !m.group(1).equals("vfio-pci") && m.group(1).equals(d.getDriver())) {
                rebound = e.getKey();
                String old = m.group(1);
                e.setValue(new StringBuilder(m.replaceFirst("\tKernel driver in use: vfio-pci")));
                expected.add(new DriverUnbound(rebound, old));
                expected.add(new DriverBound(rebound, "vfio-pci", new Owner(OwnerKind.VFIO, null)));
                edits.add("rebound " + rebound + " from " + old + " to vfio-pci");
                break;
            }
        }

        // 3. move a memory BAR by its own size (keeps it aligned), on another device when there is one
        Optional<Map.Entry<String, StringBuilder>> barDevice = Optional.empty();
        for (int pass = 0; pass < 2 && barDevice.isEmpty(); pass++) {
            for (Map.Entry<String, StringBuilder> e : blocks.entrySet()) {
                if ((pass == 0 && e.getKey().equals(rebound)) || devices.get(e.getKey()) == null) {
                    continue;
                }
                Optional<Bar> candidate = memoryBar(devices.get(e.getKey()), e.getValue().toString());
                if (candidate.isPresent() && movable(first, devices.get(e.getKey()), candidate.get())) {
                    barDevice = Optional.of(e);
                    break;
                }
            }
        }
        barDevice.ifPresent(e -> {
            Bar bar = memoryBar(devices.get(e.getKey()), e.getValue().toString()).orElseThrow();
            long moved = freeSlot(first, devices.get(e.getKey()), bar);
            Matcher m = REGION.matcher(e.getValue());
            while (m.find()) {
                if (Integer.parseInt(m.group(1)) == bar.getIndex()) {
                    String hex = String.format("%0" + m.group(2).length() + "x", moved);
                    e.setValue(new StringBuilder(e.getValue().substring(0, m.start(2)) + hex + e.getValue().substring(m.end(2))));
                    break;
                }
            }
            expected.add(new BarProgrammed(e.getKey(), Bar.newBuilder(bar).setBase(moved).build()));
            edits.add("moved BAR " + bar.getIndex() + " of " + e.getKey() + " to 0x" + Long.toHexString(moved));
        });

        // 4. flip SrcValid in an ACS control register (root dumps only: others show <access denied>)
        for (Map.Entry<String, StringBuilder> e : blocks.entrySet()) {
            PciDeviceInfo d = devices.get(e.getKey());
            String block = e.getValue().toString();
            int at = block.indexOf("ACSCtl:\t");
            if (d == null || d.getAcs() == null || at < 0) {
                continue;
            }
            int end = block.indexOf('\n', at);
            String line = block.substring(at, end);
            String flipped = line.contains("SrcValid+") ? line.replace("SrcValid+", "SrcValid-") : line.replace("SrcValid-", "SrcValid+");
            e.setValue(new StringBuilder(block.substring(0, at) + flipped + block.substring(end)));
            expected.add(new AcsControlChanged(e.getKey(), d.getAcs().getCtrl() ^ PCI_ACS_SV));
            edits.add("flipped SrcValid of " + e.getKey());
            break;
        }

        StringBuilder out = new StringBuilder(preamble);
        blocks.values().forEach(out::append);
        return new LspciEdit(out.toString(), expected, edits);
    }

    private static boolean movable(HostSnapshot host, PciDeviceInfo dev, Bar bar) {
        try {
            freeSlot(host, dev, bar);
            return true;
        } catch (IllegalStateException full) {
            return false;
        }
    }

    /**
     * An aligned place for the BAR, inside its upstream bridge's window (the kernel only assigns there) and clear of
     * every other BAR of the host.
     */
    private static long freeSlot(HostSnapshot host, PciDeviceInfo dev, Bar bar) {
        Bdf at = Bdf.parse(dev.getBdf());
        io.iommutracker.avro.Window window = null;
        int narrowest = Integer.MAX_VALUE;
        for (PciDeviceInfo d : host.getDevices()) {
            io.iommutracker.avro.BridgeInfo b = d.getBridge();
            if (b != null && Bdf.parse(d.getBdf()).domain() == at.domain() && b.getSecondary() <= at.bus()
                    && at.bus() <= b.getSubordinate() && b.getSubordinate() - b.getSecondary() < narrowest) {
                narrowest = b.getSubordinate() - b.getSecondary();
                io.iommutracker.avro.Window w = bar.getPrefetchable() && b.getPrefWindow() != null ? b.getPrefWindow() : b.getMemWindow();
                window = w;
            }
        }
        long size = bar.getSize();
        long lo = window != null ? window.getBase() : Math.max(0, bar.getBase() - 64 * size);
        long hi = window != null ? window.getLimit() : bar.getBase() + 65 * size - 1;
        for (long base = (lo + size - 1) / size * size; base + size - 1 <= hi; base += size) {
            long b0 = base;
            boolean clear = base != bar.getBase() && host.getDevices().stream().flatMap(d -> d.getBars().stream())
                    .filter(o -> o.getSize() > 0 && o.getKind() != BarKind.IO)
                    .noneMatch(o -> o.getBase() < b0 + size && b0 < o.getBase() + o.getSize());
            if (clear && (bar.getKind() != BarKind.MEM32 || base + size - 1 <= 0xffffffffL)) {
                return base;
            }
        }
        throw new IllegalStateException("no free place for BAR " + bar + " of " + dev.getBdf());
    }

    private static Optional<Bar> memoryBar(PciDeviceInfo d, String block) {
        Matcher m = REGION.matcher(block);
        while (m.find()) {
            int index = Integer.parseInt(m.group(1));
            long base = Long.parseUnsignedLong(m.group(2), 16);
            Optional<Bar> bar = d.getBars().stream()
                    .filter(b -> b.getIndex() == index && b.getBase() == base && b.getSize() > 0 && b.getKind() != BarKind.IO)
                    .findFirst();
            if (bar.isPresent()) {
                return bar;
            }
        }
        return Optional.empty();
    }
}
