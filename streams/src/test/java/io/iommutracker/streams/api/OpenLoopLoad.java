package io.iommutracker.streams.api;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator for the bench (a CLI: it prints): GET /api/v1/hosts/{host}/groups over uniformly random
 * hosts at a fixed request rate, on keep-alive loopback connections. Request i is due at start + i / rate; its
 * latency is measured from when it was DUE, not from when it was sent, so a stalled server is charged for the
 * requests it held back (no coordinated omission). Each connection carries every k-th request of the schedule.
 *
 * <p>It prints the achieved rate (requests completed over the run, and requests sent over the time they were due),
 * p50/p90/p99/p99.9/max, how late the generator itself woke for requests it was idle for (its own scheduling
 * delay: a high figure there means the tail is the machine's, not the server's) and the seconds of the run with the
 * most requests over 2 ms (to line up with GC pauses of the server).
 *
 * <p>Usage: {@code OpenLoopLoad port hosts rate seconds connections [warmupSeconds]}. Loopback only; the first
 * {@code warmupSeconds} (default 0) of the schedule run on the same connections but are not counted (this JVM's own
 * JIT and the connections' set-up), then {@code seconds} are measured.
 */
public final class OpenLoopLoad {

    private OpenLoopLoad() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int hosts = Integer.parseInt(args[1]);
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int conns = Integer.parseInt(args[4]);
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        long periodNs = TimeUnit.SECONDS.toNanos(1) / rate;
        long skip = (long) rate * warmup;
        long total = (long) rate * seconds + skip;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200) + skip * periodNs;
        long first = start - skip * periodNs;
        long[][] lat = new long[conns][];
        long[][] wake = new long[conns][];
        long[] lastSent = new long[conns];
        int[] errors = new int[conns];
        Thread[] threads = new Thread[conns];
        for (int c = 0; c < conns; c++) {
            int me = c;
            threads[c] = new Thread(() -> {
                int n = (int) ((total - me + conns - 1) / conns);
                int skipped = (int) ((skip - me + conns - 1) / conns);
                long[] mine = new long[Math.max(0, n - skipped)];
                long[] woke = new long[Math.max(0, n - skipped)];
                Arrays.fill(woke, -1);
                SplittableRandom rnd = new SplittableRandom(7 + me);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
                    for (int i = 0; i < n; i++) {
                        long due = first + (me + (long) i * conns) * periodNs;
                        long wait;
                        boolean idle = false;
                        while ((wait = due - System.nanoTime()) > 0) {
                            idle = true;
                            LockSupport.parkNanos(wait);
                        }
                        if (idle && i >= skipped) {
                            woke[i - skipped] = System.nanoTime() - due;
                        }
                        String req = "GET /api/v1/hosts/" + String.format("host-%03d", rnd.nextInt(hosts))
                                + "/groups HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
                        out.write(req.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        if (readResponse(in) != 200) {
                            errors[me]++;
                        }
                        if (i >= skipped) {
                            mine[i - skipped] = System.nanoTime() - due;
                        }
                        lastSent[me] = due;
                    }
                } catch (IOException e) {
                    errors[me]++;
                }
                lat[me] = mine;
                wake[me] = woke;
            }, "load-" + c);
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        long end = System.nanoTime();
        long lastDue = Arrays.stream(lastSent).max().orElse(start);
        // the seconds of the run with most slow answers, by due time
        int secs = (int) Math.max(1, (end - start) / 1_000_000_000L + 1);
        int[] slowPerSecond = new int[secs];
        for (int c = 0; c < conns; c++) {
            for (int i = 0; i < lat[c].length; i++) {
                if (lat[c][i] > 2_000_000L) {
                    long due = (c + (long) (i + (skip - c + conns - 1) / conns) * conns) * periodNs - skip * periodNs;
                    slowPerSecond[(int) Math.min(secs - 1, due / 1_000_000_000L)]++;
                }
            }
        }
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).toArray();
        long[] wakes = Arrays.stream(wake).flatMapToLong(Arrays::stream).filter(w -> w >= 0).toArray();
        Arrays.sort(all);
        Arrays.sort(wakes);
        long slow = Arrays.stream(all).filter(l -> l > 2_000_000L).count();
        System.out.printf("OPEN-LOOP rate=%d/s connections=%d: %d requests completed in %.1f s = %.0f req/s (sent at %.0f req/s of schedule),"
                + " errors %d, over 2 ms: %d (%.3f%%)%n", rate, conns, all.length, (end - start) / 1e9, all.length / ((end - start) / 1e9),
                all.length / Math.max(1e-9, (lastDue - start + periodNs * conns) / 1e9), Arrays.stream(errors).sum(), slow, 100.0 * slow / Math.max(1, all.length));
        for (double p : new double[] {50, 90, 99, 99.9}) {
            System.out.printf("open-loop p%-5s %8.3f ms%n", p, pct(all, p) / 1e6);
        }
        System.out.printf("open-loop max    %8.3f ms%n", all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        System.out.printf("generator wake-up lateness (%d idle sends): p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n", wakes.length,
                pct(wakes, 99) / 1e6, pct(wakes, 99.9) / 1e6, wakes.length == 0 ? 0 : wakes[wakes.length - 1] / 1e6);
        StringBuilder worst = new StringBuilder();
        java.util.stream.IntStream.range(0, secs).boxed().sorted((a, b) -> slowPerSecond[b] - slowPerSecond[a]).limit(5)
                .filter(i -> slowPerSecond[i] > 0).forEach(i -> worst.append(" s").append(i).append('=').append(slowPerSecond[i]));
        System.out.println("seconds with most answers over 2 ms:" + (worst.length() == 0 ? " none" : worst));
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.max(0, Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1))];
    }

    /** Reads one response (status line, headers, Content-Length body); returns the status. */
    private static int readResponse(InputStream in) throws IOException {
        String status = line(in);
        int code = Integer.parseInt(status.substring(9, 12));
        int length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        in.skipNBytes(length);
        return code;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
