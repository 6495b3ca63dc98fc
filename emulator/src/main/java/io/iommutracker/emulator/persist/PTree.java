package io.iommutracker.emulator.persist;

import java.util.AbstractList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A persistent sorted map with order statistics: a treap (priority from the key's hash) with path copying, so a write
 * copies O(log n) nodes and shares the rest with the previous version. Each node also sums a weight of its value
 * (for example the length of a list it holds), so the concatenation of the values' lists can be indexed in O(log n).
 * {@link #values} and {@link #flat} give immutable {@link List} views that copy nothing.
 */
public final class PTree<K, V> {

    private final Comparator<? super K> cmp;
    private final ToIntFunction<? super V> weigher;
    private final Node<K, V> root;

    private static final class Node<K, V> {
        final K key;
        final V value;
        final int prio;
        final Node<K, V> left;
        final Node<K, V> right;
        final int size;
        final long weight;

        Node(K key, V value, int prio, Node<K, V> left, Node<K, V> right, int w) {
            this.key = key;
            this.value = value;
            this.prio = prio;
            this.left = left;
            this.right = right;
            this.size = 1 + size(left) + size(right);
            this.weight = w + weight(left) + weight(right);
        }
    }

    private PTree(Comparator<? super K> cmp, ToIntFunction<? super V> weigher, Node<K, V> root) {
        this.cmp = cmp;
        this.weigher = weigher;
        this.root = root;
    }

    /** An empty tree; every value weighs 1. */
    public static <K, V> PTree<K, V> empty(Comparator<? super K> cmp) {
        return new PTree<>(cmp, v -> 1, null);
    }

    /** An empty tree whose values weigh what {@code weigher} says (non-negative). */
    public static <K, V> PTree<K, V> empty(Comparator<? super K> cmp, ToIntFunction<? super V> weigher) {
        return new PTree<>(cmp, weigher, null);
    }

    private static int size(Node<?, ?> n) {
        return n == null ? 0 : n.size;
    }

    private static long weight(Node<?, ?> n) {
        return n == null ? 0 : n.weight;
    }

    private static int prio(Object key) {
        // murmur3's finaliser: spreads a key's hash over all bits
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    public int size() {
        return size(root);
    }

    public boolean isEmpty() {
        return root == null;
    }

    /** The sum of the values' weights. */
    public long weight() {
        return weight(root);
    }

    public V get(K key) {
        Node<K, V> n = root;
        while (n != null) {
            int c = cmp.compare(key, n.key);
            if (c == 0) {
                return n.value;
            }
            n = c < 0 ? n.left : n.right;
        }
        return null;
    }

    /** A tree with {@code key} bound to {@code value} (non-null); this tree itself when it already was. */
    public PTree<K, V> put(K key, V value) {
        Node<K, V> r = put(root, key, value);
        return r == root ? this : new PTree<>(cmp, weigher, r);
    }

    private Node<K, V> node(Node<K, V> like, Node<K, V> left, Node<K, V> right) {
        return new Node<>(like.key, like.value, like.prio, left, right, weigher.applyAsInt(like.value));
    }

    private Node<K, V> put(Node<K, V> n, K key, V value) {
        if (n == null) {
            return new Node<>(key, value, prio(key), null, null, weigher.applyAsInt(value));
        }
        int c = cmp.compare(key, n.key);
        if (c == 0) {
            return n.value == value ? n
                    : new Node<>(key, value, n.prio, n.left, n.right, weigher.applyAsInt(value));
        }
        if (c < 0) {
            Node<K, V> l = put(n.left, key, value);
            if (l == n.left) {
                return n;
            }
            if (l.prio > n.prio) {
                return node(l, l.left, node(n, l.right, n.right));
            }
            return node(n, l, n.right);
        }
        Node<K, V> r = put(n.right, key, value);
        if (r == n.right) {
            return n;
        }
        if (r.prio > n.prio) {
            return node(r, node(n, n.left, r.left), r.right);
        }
        return node(n, n.left, r);
    }

    /**
     * A tree with each of {@code keys} (ascending) that this tree has bound to the value at the same index; keys it
     * lacks are left out (put them one by one). The shape stays, and each node on the way to any of the keys is copied
     * once: a run of neighbouring keys costs about one path plus the run, not a path each.
     */
    public PTree<K, V> replaceAll(List<? extends K> keys, List<? extends V> values) {
        Node<K, V> r = replace(root, keys, values, 0, keys.size());
        return r == root ? this : new PTree<>(cmp, weigher, r);
    }

    private Node<K, V> replace(Node<K, V> n, List<? extends K> keys, List<? extends V> values, int lo, int hi) {
        if (n == null || lo >= hi) {
            return n;
        }
        int a = firstNotBelow(keys, lo, hi, n.key);
        boolean hit = a < hi && cmp.compare(keys.get(a), n.key) == 0;
        Node<K, V> l = replace(n.left, keys, values, lo, a);
        Node<K, V> r = replace(n.right, keys, values, hit ? a + 1 : a, hi);
        V v = hit ? values.get(a) : n.value;
        if (l == n.left && r == n.right && v == n.value) {
            return n;
        }
        return new Node<>(n.key, v, n.prio, l, r, weigher.applyAsInt(v));
    }

    /** The index in keys[lo, hi) (ascending) of the first key not below {@code key}; hi when there is none. */
    private int firstNotBelow(List<? extends K> keys, int lo, int hi, K key) {
        // most nodes a batch passes lie beside the whole run of keys: one comparison at either end settles them
        if (cmp.compare(keys.get(hi - 1), key) < 0) {
            return hi;
        }
        if (cmp.compare(keys.get(lo), key) >= 0) {
            return lo;
        }
        int a = lo + 1;
        int b = hi - 1;
        while (a < b) {
            int mid = (a + b) >>> 1;
            if (cmp.compare(keys.get(mid), key) < 0) {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        return a;
    }

    /** A tree without any of {@code keys} (ascending), each node on the way to them copied once. */
    public PTree<K, V> removeAll(List<? extends K> keys) {
        Node<K, V> r = removeAll(root, keys, 0, keys.size());
        return r == root ? this : new PTree<>(cmp, weigher, r);
    }

    private Node<K, V> removeAll(Node<K, V> n, List<? extends K> keys, int lo, int hi) {
        if (n == null || lo >= hi) {
            return n;
        }
        int a = firstNotBelow(keys, lo, hi, n.key);
        boolean hit = a < hi && cmp.compare(keys.get(a), n.key) == 0;
        Node<K, V> l = removeAll(n.left, keys, lo, a);
        Node<K, V> r = removeAll(n.right, keys, hit ? a + 1 : a, hi);
        if (hit) {
            return merge(l, r);
        }
        return l == n.left && r == n.right ? n : node(n, l, r);
    }

    /** A tree without {@code key}; this tree itself when it had none. */
    public PTree<K, V> remove(K key) {
        Node<K, V> r = remove(root, key);
        return r == root ? this : new PTree<>(cmp, weigher, r);
    }

    private Node<K, V> remove(Node<K, V> n, K key) {
        if (n == null) {
            return null;
        }
        int c = cmp.compare(key, n.key);
        if (c == 0) {
            return merge(n.left, n.right);
        }
        if (c < 0) {
            Node<K, V> l = remove(n.left, key);
            return l == n.left ? n : node(n, l, n.right);
        }
        Node<K, V> r = remove(n.right, key);
        return r == n.right ? n : node(n, n.left, r);
    }

    private Node<K, V> merge(Node<K, V> a, Node<K, V> b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.prio > b.prio) {
            return node(a, a.left, merge(a.right, b));
        }
        return node(b, merge(a, b.left), b.right);
    }

    /** How many keys are below {@code key}. */
    public int rank(K key) {
        int r = 0;
        Node<K, V> n = root;
        while (n != null) {
            int c = cmp.compare(key, n.key);
            if (c <= 0) {
                n = n.left;
            } else {
                r += size(n.left) + 1;
                n = n.right;
            }
        }
        return r;
    }

    /** The value at position {@code index} in key order. */
    public V valueAt(int index) {
        return nodeAt(index).value;
    }

    public K keyAt(int index) {
        return nodeAt(index).key;
    }

    private Node<K, V> nodeAt(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException(index);
        }
        Node<K, V> n = root;
        int i = index;
        while (true) {
            int l = size(n.left);
            if (i < l) {
                n = n.left;
            } else if (i == l) {
                return n;
            } else {
                i -= l + 1;
                n = n.right;
            }
        }
    }

    /**
     * Visits the entries with keys at or above {@code from}, ascending, while {@code visitor} returns true: a range
     * scan costs O(log n + visited).
     */
    @SuppressWarnings("unchecked")
    public void forEachFrom(K from, BiPredicate<? super K, ? super V> visitor) {
        // the pending ancestors, in an array: a scan that stops after a few entries allocates one small array
        Node<K, V>[] stack = new Node[16];
        int top = 0;
        Node<K, V> n = root;
        while (n != null) {
            if (cmp.compare(from, n.key) <= 0) {
                if (top == stack.length) {
                    stack = java.util.Arrays.copyOf(stack, top * 2);
                }
                stack[top++] = n;
                n = n.left;
            } else {
                n = n.right;
            }
        }
        while (top > 0) {
            Node<K, V> next = stack[--top];
            if (!visitor.test(next.key, next.value)) {
                return;
            }
            for (Node<K, V> c = next.right; c != null; c = c.left) {
                if (top == stack.length) {
                    stack = java.util.Arrays.copyOf(stack, top * 2);
                }
                stack[top++] = c;
            }
        }
    }

    /** The values in key order, as an immutable list. */
    public <E> List<E> values(Function<? super V, ? extends E> map) {
        return new Values<>(this, map);
    }

    /** The concatenation of the values' lists in key order; the weigher must give each list's size. */
    public <E> List<E> flat(Function<? super V, ? extends List<? extends E>> lists) {
        return new Flat<>(this, lists);
    }

    /** In-order node iteration with an explicit stack, an array sized for the usual depth. */
    private static final class Nodes<K, V> {
        private Object[] stack = new Object[16];
        private int top;

        Nodes(Node<K, V> root) {
            descend(root);
        }

        private void descend(Node<K, V> n) {
            for (Node<K, V> c = n; c != null; c = c.left) {
                if (top == stack.length) {
                    stack = java.util.Arrays.copyOf(stack, top * 2);
                }
                stack[top++] = c;
            }
        }

        boolean hasNext() {
            return top > 0;
        }

        @SuppressWarnings("unchecked")
        Node<K, V> next() {
            if (top == 0) {
                throw new NoSuchElementException();
            }
            Node<K, V> n = (Node<K, V>) stack[--top];
            stack[top] = null;
            descend(n.right);
            return n;
        }
    }

    /** Equality and hash as {@link List} defines them, over iterators (get(i) is O(log n)). */
    private abstract static class TreeList<E> extends AbstractList<E> {

        @Override
        public boolean equals(Object o) {
            if (o == this) {
                return true;
            }
            if (!(o instanceof List<?> other) || other.size() != size()) {
                return false;
            }
            Iterator<E> a = iterator();
            Iterator<?> b = other.iterator();
            while (a.hasNext() && b.hasNext()) {
                if (!java.util.Objects.equals(a.next(), b.next())) {
                    return false;
                }
            }
            return !a.hasNext() && !b.hasNext();
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (E e : this) {
                h = 31 * h + (e == null ? 0 : e.hashCode());
            }
            return h;
        }
    }

    /**
     * The values as a list. get(i) walks the tree, O(log n); a reader that indexes through the whole list would pay
     * O(n log n), so once the walks cost about as much as copying, the list copies its values into an array once and
     * answers from it: at most twice the cost of either alone, whatever the reader does.
     */
    private static final class Values<K, V, E> extends TreeList<E> {
        private final PTree<K, V> tree;
        private final Function<? super V, ? extends E> map;
        /** The mapped values in order once copied (published whole through the final field of its holder). */
        private volatile Copied copied;
        /** Walks so far; racy on purpose: a lost count only delays the copy. */
        private int walks;

        private static final class Copied {
            final Object[] values;

            Copied(Object[] values) {
                this.values = values;
            }
        }

        Values(PTree<K, V> tree, Function<? super V, ? extends E> map) {
            this.tree = tree;
            this.map = map;
        }

        @Override
        @SuppressWarnings("unchecked")
        public E get(int index) {
            Copied c = copied;
            if (c != null) {
                return (E) c.values[java.util.Objects.checkIndex(index, c.values.length)];
            }
            int n = tree.size();
            if (++walks * (33 - Integer.numberOfLeadingZeros(n)) < n) {
                return map.apply(tree.valueAt(index));
            }
            java.util.Objects.checkIndex(index, n);
            Object[] all = new Object[n];
            int i = 0;
            for (Nodes<K, V> it = new Nodes<>(tree.root); it.hasNext(); ) {
                all[i++] = map.apply(it.next().value);
            }
            copied = new Copied(all);
            return (E) all[index];
        }

        @Override
        public int size() {
            return tree.size();
        }

        @Override
        public Iterator<E> iterator() {
            Nodes<K, V> nodes = new Nodes<>(tree.root);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return nodes.hasNext();
                }

                @Override
                public E next() {
                    return map.apply(nodes.next().value);
                }
            };
        }
    }

    private static final class Flat<K, V, E> extends TreeList<E> {
        private final PTree<K, V> tree;
        private final Function<? super V, ? extends List<? extends E>> lists;

        Flat(PTree<K, V> tree, Function<? super V, ? extends List<? extends E>> lists) {
            this.tree = tree;
            this.lists = lists;
        }

        @Override
        public E get(int index) {
            if (index < 0 || index >= size()) {
                throw new IndexOutOfBoundsException(index);
            }
            Node<K, V> n = tree.root;
            long i = index;
            while (true) {
                long l = weight(n.left);
                long w = n.weight - l - weight(n.right);
                if (i < l) {
                    n = n.left;
                } else if (i < l + w) {
                    return lists.apply(n.value).get((int) (i - l));
                } else {
                    i -= l + w;
                    n = n.right;
                }
            }
        }

        @Override
        public int size() {
            return (int) tree.weight();
        }

        @Override
        public Iterator<E> iterator() {
            Nodes<K, V> nodes = new Nodes<>(tree.root);
            return new Iterator<>() {
                private Iterator<? extends E> cur = java.util.Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    while (!cur.hasNext() && nodes.hasNext()) {
                        cur = lists.apply(nodes.next().value).iterator();
                    }
                    return cur.hasNext();
                }

                @Override
                public E next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return cur.next();
                }
            };
        }
    }
}
