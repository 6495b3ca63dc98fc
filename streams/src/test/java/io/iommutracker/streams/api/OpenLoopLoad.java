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
 * <p>Usage: {@code OpenLoopLoad port hosts rate seconds connections}. Loopback only; stops after {@code seconds}.
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
        long total = (long) rate * seconds;
        long periodNs = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long[][] lat = new long[conns][];
        int[] errors = new int[conns];
        Thread[] threads = new Thread[conns];
        for (int c = 0; c < conns; c++) {
            int me = c;
            threads[c] = new Thread(() -> {
                int n = (int) ((total - me + conns - 1) / conns);
                long[] mine = new long[Math.max(0, n)];
                SplittableRandom rnd = new SplittableRandom(7 + me);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
                    for (int i = 0; i < n; i++) {
                        long due = start + (me + (long) i * conns) * periodNs;
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        String req = "GET /api/v1/hosts/" + String.format("host-%03d", rnd.nextInt(hosts))
                                + "/groups HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
                        out.write(req.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        if (readResponse(in) != 200) {
                            errors[me]++;
                        }
                        mine[i] = System.nanoTime() - due;
                    }
                } catch (IOException e) {
                    errors[me]++;
                }
                lat[me] = mine;
            }, "load-" + c);
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        long end = System.nanoTime();
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        System.out.printf("OPEN-LOOP rate=%d/s connections=%d: %d requests in %.1f s = %.0f req/s, errors %d%n", rate, conns,
                all.length, (end - start) / 1e9, all.length / ((end - start) / 1e9), Arrays.stream(errors).sum());
        for (double p : new double[] {50, 90, 99, 99.9}) {
            System.out.printf("open-loop p%-5s %8.3f ms%n", p, all[(int) Math.min(all.length - 1, Math.ceil(p / 100 * all.length) - 1)] / 1e6);
        }
        System.out.printf("open-loop max    %8.3f ms%n", all[all.length - 1] / 1e6);
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
