package io.iommutracker.emulator.model;

import java.util.Arrays;

/** A mutable map from device keys to values for one computation, in insertion order, without boxing the keys. */
public final class LongMap<V> {

    private final LongSet keys = new LongSet();
    private static final Object[] NONE = {};
    // nothing is allocated until the first key: many maps of one derivation stay empty
    private Object[] values = NONE;

    public int size() {
        return keys.size();
    }

    public long keyAt(int i) {
        return keys.at(i);
    }

    @SuppressWarnings("unchecked")
    public V valueAt(int i) {
        return (V) values[i];
    }

    /** The insertion index of {@code key}, or -1. */
    public int indexOf(long key) {
        return keys.indexOf(key);
    }

    /** The value bound to {@code key}; null when none is (or null is). */
    @SuppressWarnings("unchecked")
    public V get(long key) {
        int i = keys.indexOf(key);
        return i < 0 ? null : (V) values[i];
    }

    public void put(long key, V value) {
        int i = slot(key); // before reading the field: slot may grow the array
        values[i] = value;
    }

    /**
     * The insertion index of {@code key}, added (bound to null) when new, in one probe: a new key's index is the size
     * before the call. For find-or-make with {@link #setValueAt}.
     */
    public int slot(long key) {
        int i = keys.insert(key);
        if (i == values.length) {
            values = Arrays.copyOf(values, Math.max(8, i * 2));
        }
        return i;
    }

    /** Room for {@code n} keys without growing (a hint). */
    public void ensureCapacity(int n) {
        keys.ensureCapacity(n);
        if (values.length < n) {
            values = Arrays.copyOf(values, Math.max(8, n));
        }
    }

    public void setValueAt(int i, V value) {
        if (i >= keys.size()) {
            throw new IndexOutOfBoundsException(i);
        }
        values[i] = value;
    }
}
