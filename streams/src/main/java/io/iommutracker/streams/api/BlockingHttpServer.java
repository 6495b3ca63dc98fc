package io.iommutracker.streams.api;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 server with one thread per connection and blocking sockets, handing {@link HttpExchange}s to one
 * handler. The JDK's built-in server passes every request of a keep-alive connection from its selector thread to a
 * worker and back (a queue hand-off and a selector wake-up per request): on two busy cores each hand-off waits for a
 * core, and its header handling, date formatting and separate header and body writes cost more than our cached
 * answers. Here a request is read, answered and written (headers and body in one write) by the thread that owns the
 * connection. Keep-alive, Content-Length and chunked bodies both ways, {@code Expect: 100-continue}; no TLS, no
 * pipelining of more than what the socket buffer holds (requests are read in order anyway).
 */
final class BlockingHttpServer implements AutoCloseable {

    /** Handles one exchange; it must close it, on this thread or later (a stream). */
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange ex);
    }

    private static final Logger log = LoggerFactory.getLogger(BlockingHttpServer.class);
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;
    private static final int IDLE_TIMEOUT_MS = 60_000;
    /** Once a request has begun, the rest of its head (and body) must arrive within this, so a slow client cannot keep
     * a connection thread for the whole idle timeout per header line. */
    static final int HEAD_TIMEOUT_MS = 10_000;
    private static final long UNREAD_BODY_LIMIT = 64 * 1024;
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

    private final ServerSocket socket;
    private final int headTimeoutMs;
    private final Handler handler;
    private final ThreadPoolExecutor connections;
    private final Thread acceptor;
    private volatile boolean closed;
    /** "Date: ...\r\n" of the current second, rendered once per second. */
    private volatile long dateSecond = -1;
    private volatile String dateLine = "";

    BlockingHttpServer(InetSocketAddress address, int backlog, int maxConnections, Handler handler) throws IOException {
        this(address, backlog, maxConnections, HEAD_TIMEOUT_MS, handler);
    }

    BlockingHttpServer(InetSocketAddress address, int backlog, int maxConnections, int headTimeoutMs, Handler handler)
            throws IOException {
        this.headTimeoutMs = headTimeoutMs;
        this.socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(address, backlog);
        this.handler = handler;
        AtomicInteger n = new AtomicInteger();
        this.connections = new ThreadPoolExecutor(0, maxConnections, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "api-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::accept, "api-http-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("accept failed: {}", e.toString());
                }
                continue;
            }
            try {
                connections.execute(() -> serve(s));
            } catch (RejectedExecutionException e) {
                // every connection thread is taken: say so rather than queue a connection nobody reads
                refuse(s);
            }
        }
    }

    private static void refuse(Socket s) {
        String body = "{\"error\":\"unavailable\",\"detail\":\"too many connections, retry later\"}";
        try (s) {
            s.getOutputStream().write(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                    + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // the client is gone as well
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 32 * 1024);
            while (!closed) {
                s.setSoTimeout(IDLE_TIMEOUT_MS);
                Exchange ex = read(s, in, out);
                if (ex == null) {
                    return;
                }
                handler.handle(ex);
                ex.done.await();
                if (!ex.keepAlive || ex.broken) {
                    return;
                }
            }
        } catch (SocketTimeoutException | SocketException e) {
            log.trace("connection closed: {}", e.toString());
        } catch (IOException e) {
            log.debug("connection failed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads the next request head; null at a clean end of the connection. */
    private Exchange read(Socket s, InputStream in, OutputStream out) throws IOException {
        String line = line(in, true);
        if (line == null) {
            return null;
        }
        if (line.isEmpty()) {
            line = line(in, true); // a stray CRLF between requests is allowed
            if (line == null) {
                return null;
            }
        }
        s.setSoTimeout(headTimeoutMs);
        String[] parts = line.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            badRequest(out, "malformed request line");
            return null;
        }
        Headers headers = new Headers();
        for (int i = 0; ; i++) {
            String h = line(in, false);
            if (h.isEmpty()) {
                break;
            }
            int colon = h.indexOf(':');
            if (colon <= 0 || i >= MAX_HEADERS) {
                badRequest(out, "malformed or too many headers");
                return null;
            }
            headers.add(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        URI uri;
        try {
            uri = new URI(parts[1]);
        } catch (java.net.URISyntaxException e) {
            badRequest(out, "malformed request target");
            return null;
        }
        boolean http10 = parts[2].equals("HTTP/1.0");
        String connection = headers.getFirst("Connection");
        boolean keepAlive = http10 ? "keep-alive".equalsIgnoreCase(connection) : !"close".equalsIgnoreCase(connection);
        InputStream body;
        String te = headers.getFirst("Transfer-Encoding");
        String cl = headers.getFirst("Content-Length");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = new ChunkedIn(in);
        } else if (cl != null) {
            long n;
            try {
                n = Long.parseLong(cl);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                badRequest(out, "malformed Content-Length");
                return null;
            }
            body = new FixedIn(in, n);
        } else {
            body = new FixedIn(in, 0); // not nullInputStream: that one fails skip() once the handler closed it
        }
        if ("100-continue".equalsIgnoreCase(headers.getFirst("Expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        return new Exchange(s, parts[0], uri, parts[2], headers, body, out, keepAlive);
    }

    private static void badRequest(OutputStream out, String why) throws IOException {
        byte[] b = ("{\"error\":\"bad_request\",\"detail\":\"" + why + "\"}").getBytes(StandardCharsets.US_ASCII);
        out.write(("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    /** One CRLF- (or LF-) terminated line in ISO-8859-1; null at end of stream before any byte when {@code eofOk}. */
    private static String line(InputStream in, boolean eofOk) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (eofOk && sb.length() == 0) {
                    return null;
                }
                throw new IOException("connection closed in a request head");
            }
            if (b == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new IOException("request head line over " + MAX_LINE + " bytes");
            }
            sb.append((char) b);
        }
    }

    private String dateLine() {
        long sec = System.currentTimeMillis() / 1000;
        if (sec != dateSecond) {
            dateLine = "Date: " + HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)) + "\r\n";
            dateSecond = sec;
        }
        return dateLine;
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        connections.shutdownNow();
    }

    /** One request and its response on a connection. */
    private final class Exchange extends HttpExchange {
        final CountDownLatch done = new CountDownLatch(1);
        final boolean keepAlive;
        boolean broken;
        private final Socket socket;
        private final String method;
        private final URI uri;
        private final String protocol;
        private final Headers requestHeaders;
        private final Headers responseHeaders = new Headers();
        private InputStream body;
        private final OutputStream raw;
        private OutputStream responseBody;
        private int code = -1;
        private final Map<String, Object> attributes = new HashMap<>(2);

        Exchange(Socket socket, String method, URI uri, String protocol, Headers requestHeaders, InputStream body, OutputStream raw,
                 boolean keepAlive) {
            this.socket = socket;
            this.method = method;
            this.uri = uri;
            this.protocol = protocol;
            this.requestHeaders = requestHeaders;
            this.body = body;
            this.raw = raw;
            this.keepAlive = keepAlive;
        }

        @Override
        public Headers getRequestHeaders() {
            return requestHeaders;
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return uri;
        }

        @Override
        public String getRequestMethod() {
            return method;
        }

        @Override
        public HttpContext getHttpContext() {
            return null;
        }

        @Override
        public InputStream getRequestBody() {
            return body;
        }

        @Override
        public OutputStream getResponseBody() {
            if (responseBody == null) {
                throw new IllegalStateException("sendResponseHeaders first");
            }
            return responseBody;
        }

        /** As the JDK server: {@code length} > 0 the body's length, 0 a chunked body of unknown length, -1 no body. */
        @Override
        public void sendResponseHeaders(int rCode, long length) throws IOException {
            if (code >= 0) {
                throw new IOException("headers already sent");
            }
            code = rCode;
            boolean noBody = length < 0 || rCode == 204 || rCode == 304 || method.equals("HEAD");
            StringBuilder sb = new StringBuilder(256).append("HTTP/1.1 ").append(rCode).append(' ').append(reason(rCode)).append("\r\n")
                    .append(dateLine());
            for (Map.Entry<String, List<String>> h : responseHeaders.entrySet()) {
                for (String v : h.getValue()) {
                    sb.append(h.getKey()).append(": ").append(v).append("\r\n");
                }
            }
            if (rCode != 204 && rCode != 304) {
                if (length == 0 && !noBody) {
                    sb.append("Transfer-Encoding: chunked\r\n");
                } else {
                    sb.append("Content-Length: ").append(noBody ? 0 : length).append("\r\n");
                }
            }
            if (!keepAlive) {
                sb.append("Connection: close\r\n");
            }
            raw.write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            if (noBody) {
                responseBody = OutputStream.nullOutputStream();
                raw.flush();
            } else if (length == 0) {
                raw.flush();
                responseBody = new ChunkedOut(raw);
            } else {
                // headers and body leave in one write when the body fits the buffer: flushed on close
                responseBody = new FixedOut(raw, length);
            }
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        @Override
        public int getResponseCode() {
            return code;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public String getProtocol() {
            return protocol;
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            if (i != null) {
                body = i;
            }
            if (o != null) {
                responseBody = o;
            }
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return null;
        }

        /** Ends the response, reads what is left of the request body (the connection stays usable) and frees the connection. */
        @Override
        public void close() {
            if (done.getCount() == 0) {
                return;
            }
            try {
                if (code < 0) {
                    broken = true; // no answer was given: the connection cannot be reused
                } else {
                    responseBody.close();
                    raw.flush();
                    if (body instanceof FixedIn f && f.remaining > UNREAD_BODY_LIMIT) {
                        broken = true; // not worth reading a large refused body: close instead
                    } else {
                        body.skip(Long.MAX_VALUE);
                    }
                    if (responseBody instanceof FixedOut f && f.remaining > 0) {
                        broken = true;
                    }
                }
            } catch (IOException e) {
                broken = true;
            } finally {
                done.countDown();
            }
        }
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Payload Too Large";
            case 422 -> "Unprocessable Entity";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    /** A request body of known length. */
    private static final class FixedIn extends InputStream {
        private final InputStream in;
        private long remaining;

        FixedIn(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in a request body");
            }
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new IOException("connection closed in a request body");
            }
            remaining -= n;
            return n;
        }


        @Override
        public void close() {
            // the connection's stream stays open; the rest is skipped when the exchange closes
        }
    }

    /** A chunked request body. */
    private static final class ChunkedIn extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean eof;

        ChunkedIn(InputStream in) {
            this.in = in;
        }

        private boolean next() throws IOException {
            if (eof) {
                return false;
            }
            if (chunkLeft == 0) {
                String size = line(in, false);
                int semi = size.indexOf(';');
                try {
                    chunkLeft = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("malformed chunk size");
                }
                if (chunkLeft == 0) {
                    for (String t = line(in, false); !t.isEmpty(); t = line(in, false)) {
                        // trailers are dropped
                    }
                    eof = true;
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!next()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new IOException("connection closed in a chunked body");
            }
            chunkLeft -= n;
            if (chunkLeft == 0) {
                line(in, false); // the CRLF after the chunk
            }
            return n;
        }


        @Override
        public void close() {
            // as FixedIn
        }
    }

    /** A response body of announced length; flushed with the headers on close. */
    private static final class FixedOut extends OutputStream {
        private final OutputStream out;
        long remaining;

        FixedOut(OutputStream out, long length) {
            this.out = out;
            this.remaining = length;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > remaining) {
                throw new IOException("response body longer than its Content-Length");
            }
            out.write(b, off, len);
            remaining -= len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** A chunked response body: each write is a chunk, sent at once (server-sent events). */
    private static final class ChunkedOut extends OutputStream {
        private final OutputStream out;
        private boolean closed;

        ChunkedOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("response body closed");
            }
            if (len == 0) {
                return;
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b, off, len);
            out.write('\r');
            out.write('\n');
            out.flush();
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
    }
}
