package io.iommutracker.emulator.model;

import java.util.Arrays;

/** A mutable map from device keys to values for one computation, in insertion order, without boxing the keys. */
public final class LongMap<V> {

    private final LongSet keys = new LongSet();
    private Object[] values = new Object[8];

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
        int i = keys.indexOf(key);
        if (i < 0) {
            keys.add(key);
            i = keys.size() - 1;
            if (i == values.length) {
                values = Arrays.copyOf(values, i * 2);
            }
        }
        values[i] = value;
    }
}
