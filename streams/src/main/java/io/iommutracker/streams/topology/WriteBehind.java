package io.iommutracker.streams.topology;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * A processor's store writes, held in order until the outputs forwarded before them are on the broker (under
 * at_least_once; see {@link ProducerFlushes}). A write made while the thread's producer had completed {@code n}
 * flushes runs once it has completed more than {@code n}: that later flush acknowledged every record forwarded before
 * the write, and a changelog record is only sent after the write runs. Writes run in the order they were made.
 * Without a flush count ({@link #immediate()}) every write runs at once, as under exactly-once, where the transaction
 * already commits stores and outputs together.
 *
 * <p>Thread-confined, like the processor that owns it; {@link #clear} drops what is held when the task closes (a
 * held write is then redone by the next owner's replay of the input, as for any event after a checkpoint).
 */
final class WriteBehind {

    private record Held(long flushes, Runnable write) {
    }

    private final LongSupplier flushes;
    private final ArrayDeque<Held> held = new ArrayDeque<>();

    private WriteBehind(LongSupplier flushes) {
        this.flushes = flushes;
    }

    /** Every write runs when it is made. */
    static WriteBehind immediate() {
        return new WriteBehind(null);
    }

    /** Writes wait for a flush after them, as counted by {@code flushes}. */
    static WriteBehind afterFlush(LongSupplier flushes) {
        return new WriteBehind(flushes);
    }

    boolean holding() {
        return flushes != null;
    }

    /** The flush count a write made now is tagged with, or -1 without holding. */
    long tag() {
        return flushes == null ? -1 : flushes.getAsLong();
    }

    /** Runs the write now, or holds it until a flush after this moment completed. */
    void write(Runnable write) {
        if (flushes == null) {
            write.run();
        } else {
            held.add(new Held(flushes.getAsLong(), write));
        }
    }

    /** Runs, in order, every held write that a completed flush allows; returns how many ran. */
    int release() {
        if (held.isEmpty()) {
            return 0;
        }
        long done = flushes.getAsLong();
        int ran = 0;
        while (!held.isEmpty() && held.peek().flushes() < done) {
            held.poll().write().run();
            ran++;
        }
        return ran;
    }

    /** Writes held now. */
    int size() {
        return held.size();
    }

    /** Drops every held write (the task is closing: its next owner replays the input they came from). */
    void clear() {
        held.clear();
    }
}
