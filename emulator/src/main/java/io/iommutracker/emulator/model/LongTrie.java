package io.iommutracker.emulator.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * A persistent map from non-negative 48-bit keys to values: a 16-way trie with path copying, so a write copies a
 * few small arrays and shares everything else with the previous version. The trie is only as deep as its largest
 * key needs (four levels for the devices of PCI domain 0), growing on a larger key and never shrinking. Iterates in
 * key order, which for {@link Keys} is (domain, bus, devfn) order.
 */
public final class LongTrie<V> {

    private static final int BITS = 4;
    private static final int WIDTH = 1 << BITS;
    private static final int LEVELS = 12;
    private static final LongTrie<?> EMPTY = new LongTrie<>(null, 0, 1);

    private final Object[] root;
    private final int size;
    /** The levels from the root down to the values, 1..LEVELS: every key is below 16^height. */
    private final int height;

    private LongTrie(Object[] root, int size, int height) {
        this.root = root;
        this.size = size;
        this.height = height;
    }

    @SuppressWarnings("unchecked")
    public static <V> LongTrie<V> empty() {
        return (LongTrie<V>) EMPTY;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    private static int slot(long key, int level) {
        return (int) (key >>> (level * BITS)) & (WIDTH - 1);
    }

    private static void check(long key) {
        if (key < 0 || key >>> (LEVELS * BITS) != 0) {
            throw new IllegalArgumentException("key out of range: " + key);
        }
    }

    @SuppressWarnings("unchecked")
    public V get(long key) {
        if (key < 0 || key >>> (height * BITS) != 0) {
            return null;
        }
        Object[] node = root;
        for (int level = height - 1; level > 0 && node != null; level--) {
            node = (Object[]) node[slot(key, level)];
        }
        return node == null ? null : (V) node[slot(key, 0)];
    }

    public boolean containsKey(long key) {
        return get(key) != null;
    }

    /** A new trie with {@code key} bound to {@code value} (non-null). */
    public LongTrie<V> put(long key, V value) {
        check(key);
        if (value == null) {
            throw new IllegalArgumentException("null value");
        }
        int h = height;
        Object[] r = root;
        while (key >>> (h * BITS) != 0) {
            r = lift(r);
            h++;
        }
        boolean[] added = new boolean[1];
        Object[] newRoot = put(r, h - 1, key, value, added);
        return new LongTrie<>(newRoot, size + (added[0] ? 1 : 0), h);
    }

    /** The node one level up whose first child is {@code node} (keys keep their values, the trie grows a level). */
    private static Object[] lift(Object[] node) {
        if (node == null) {
            return null;
        }
        Object[] up = new Object[WIDTH];
        up[0] = node;
        return up;
    }

    private static Object[] put(Object[] node, int level, long key, Object value, boolean[] added) {
        Object[] copy = node == null ? new Object[WIDTH] : node.clone();
        int s = slot(key, level);
        if (level == 0) {
            added[0] = copy[s] == null;
            copy[s] = value;
        } else {
            copy[s] = put((Object[]) copy[s], level - 1, key, value, added);
        }
        return copy;
    }

    /**
     * A new trie with each of {@code keys} (ascending, in range) bound to the value at the same index, or unbound
     * where that value is null: each node on the way to any of them is copied once, so a batch of nearby keys costs
     * about one path plus the batch.
     */
    public LongTrie<V> putAll(long[] keys, List<? extends V> values) {
        if (keys.length == 0) {
            return this;
        }
        check(keys[0]);
        check(keys[keys.length - 1]);
        int h = height;
        Object[] r = root;
        while (keys[keys.length - 1] >>> (h * BITS) != 0) {
            r = lift(r);
            h++;
        }
        int[] delta = new int[1];
        Object[] newRoot = putAll(r, h - 1, keys, values, 0, keys.length, delta);
        return new LongTrie<>(newRoot, size + delta[0], h);
    }

    private static Object[] putAll(Object[] node, int level, long[] keys, List<?> values, int lo, int hi, int[] delta) {
        Object[] copy = node == null ? new Object[WIDTH] : node.clone();
        int i = lo;
        while (i < hi) {
            int s = slot(keys[i], level);
            int j = i + 1;
            while (j < hi && slot(keys[j], level) == s) {
                j++;
            }
            if (level == 0) {
                for (int x = i; x < j; x++) {
                    Object v = values.get(x);
                    delta[0] += (copy[s] == null ? 0 : -1) + (v == null ? 0 : 1);
                    copy[s] = v;
                }
            } else {
                copy[s] = putAll((Object[]) copy[s], level - 1, keys, values, i, j, delta);
            }
            i = j;
        }
        for (Object o : copy) {
            if (o != null) {
                return copy;
            }
        }
        return null;
    }

    public LongTrie<V> remove(long key) {
        if (get(key) == null) {
            return this;
        }
        Object[] newRoot = remove(root, height - 1, key);
        return new LongTrie<>(newRoot, size - 1, height);
    }

    private static Object[] remove(Object[] node, int level, long key) {
        Object[] copy = node.clone();
        int s = slot(key, level);
        copy[s] = level == 0 ? null : remove((Object[]) copy[s], level - 1, key);
        for (Object o : copy) {
            if (o != null) {
                return copy;
            }
        }
        return null;
    }

    /** Visits every entry in ascending key order. */
    public void forEach(BiConsumer<Long, V> visitor) {
        walk(root, height - 1, 0L, visitor);
    }

    @SuppressWarnings("unchecked")
    private static <V> void walk(Object[] node, int level, long prefix, BiConsumer<Long, V> visitor) {
        if (node == null) {
            return;
        }
        for (int i = 0; i < WIDTH; i++) {
            Object o = node[i];
            if (o == null) {
                continue;
            }
            long key = prefix | ((long) i << (level * BITS));
            if (level == 0) {
                visitor.accept(key, (V) o);
            } else {
                walk((Object[]) o, level - 1, key, visitor);
            }
        }
    }

    /**
     * Visits, in ascending order, every key bound to a different value (by identity) in this trie and in {@code other},
     * including keys bound in only one of them. Subtrees the two versions share are skipped, so comparing a version
     * with the one it was made from costs O(changed keys), not O(size).
     */
    public void diff(LongTrie<V> other, LongConsumer changed) {
        if (other.root == root) {
            return;
        }
        int h = Math.max(height, other.height);
        Object[] a = root;
        for (int i = height; i < h; i++) {
            a = lift(a);
        }
        Object[] b = other.root;
        for (int i = other.height; i < h; i++) {
            b = lift(b);
        }
        diff(a, b, h - 1, 0L, changed);
    }

    private static void diff(Object[] a, Object[] b, int level, long prefix, LongConsumer changed) {
        if (a == b) {
            return;
        }
        for (int i = 0; i < WIDTH; i++) {
            Object x = a == null ? null : a[i];
            Object y = b == null ? null : b[i];
            if (x == y) {
                continue;
            }
            long key = prefix | ((long) i << (level * BITS));
            if (level == 0) {
                changed.accept(key);
            } else {
                diff((Object[]) x, (Object[]) y, level - 1, key, changed);
            }
        }
    }

    public List<V> values() {
        List<V> out = new ArrayList<>(size);
        forEach((k, v) -> out.add(v));
        return out;
    }

    /** Entries with lo <= key <= hi, ascending; prunes subtrees outside the range. */
    public List<V> range(long lo, long hi) {
        List<V> out = new ArrayList<>();
        forEachInRange(lo, hi, out::add);
        return out;
    }

    /** Visits the values with lo <= key <= hi, ascending, without making a list. */
    public void forEachInRange(long lo, long hi, java.util.function.Consumer<? super V> out) {
        long top = (1L << (height * BITS)) - 1;
        if (root == null || lo > hi || lo > top || hi < 0) {
            return;
        }
        long a = Math.max(lo, 0);
        long b = Math.min(hi, top);
        // down the path the two ends share (one bus's devices: all but the last two levels) without scanning
        Object[] node = root;
        int level = height - 1;
        long prefix = 0L;
        while (level > 0 && slot(a, level) == slot(b, level)) {
            int s = slot(a, level);
            node = (Object[]) node[s];
            if (node == null) {
                return;
            }
            prefix |= (long) s << (level * BITS);
            level--;
        }
        range(node, level, prefix, a, b, out);
    }

    @SuppressWarnings("unchecked")
    private static <V> void range(Object[] node, int level, long prefix, long lo, long hi,
                                  java.util.function.Consumer<? super V> out) {
        if (node == null) {
            return;
        }
        long span = 1L << (level * BITS);
        for (int i = 0; i < WIDTH; i++) {
            Object o = node[i];
            if (o == null) {
                continue;
            }
            long first = prefix | ((long) i << (level * BITS));
            long last = first + span - 1;
            if (last < lo || first > hi) {
                continue;
            }
            if (level == 0) {
                out.accept((V) o);
            } else {
                range((Object[]) o, level - 1, first, lo, hi, out);
            }
        }
    }
}
