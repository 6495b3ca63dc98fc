package io.iommutracker.emulator.view;

import java.util.HashMap;
import java.util.Map;

/**
 * The pieces of one host's last view, kept so the next build recomputes only what an event touched. Every entry is
 * keyed by the identities of the immutable inputs it was derived from (Device, PciDeviceInfo, HostDescribed, region
 * lists, DMA mapping lists), so a hit is exact: equal inputs by identity give an equal piece. Each build keeps only
 * the entries it used, so the memo never holds more than one view's worth. Not thread-safe: one memo per host, used
 * by one thread at a time ({@link HostViewBuilder} locks it for a build).
 */
public final class ViewMemo {

    private Map<Object, Object[]> last = new HashMap<>();
    private Map<Object, Object[]> next = new HashMap<>();
    /** Lookups and hits, for tests. */
    long lookups;
    long hits;

    /**
     * The value stored under {@code key} when it was made from exactly the same {@code inputs} (compared by identity,
     * lists of inputs element by element), else null.
     */
    @SuppressWarnings("unchecked")
    <T> T get(Object key, Object... inputs) {
        lookups++;
        Object[] e = last.get(key);
        if (e == null || e.length != inputs.length + 1) {
            return null;
        }
        for (int i = 0; i < inputs.length; i++) {
            if (!same(e[i], inputs[i])) {
                return null;
            }
        }
        hits++;
        next.put(key, e);
        return (T) e[inputs.length];
    }

    <T> T put(Object key, T value, Object... inputs) {
        Object[] e = new Object[inputs.length + 1];
        System.arraycopy(inputs, 0, e, 0, inputs.length);
        e[inputs.length] = value;
        next.put(key, e);
        return value;
    }

    /** Ends a build: what it did not use is dropped. */
    void endBuild() {
        Map<Object, Object[]> t = last;
        last = next;
        t.clear();
        next = t;
    }

    /** Share of lookups answered from the memo since it was made. */
    public double hitRate() {
        return lookups == 0 ? 0 : (double) hits / lookups;
    }

    private static boolean same(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a instanceof Object[] x && b instanceof Object[] y && x.length == y.length) {
            for (int i = 0; i < x.length; i++) {
                if (x[i] != y[i]) {
                    return false;
                }
            }
            return true;
        }
        // boxed ids and other small values compare by value
        return a instanceof Integer && a.equals(b);
    }
}
