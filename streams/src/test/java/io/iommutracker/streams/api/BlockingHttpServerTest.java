package io.iommutracker.streams.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BlockingHttpServerTest {

    /** Echoes method, path and request body; "/stream" answers three chunks of unknown total length. */
    private final BlockingHttpServer server;

    BlockingHttpServerTest() throws IOException {
        server = echoServer(BlockingHttpServer.HEAD_TIMEOUT_MS);
    }

    private static BlockingHttpServer echoServer(int headTimeoutMs) throws IOException {
        return new BlockingHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50, 8, headTimeoutMs, ex -> {
            try {
                byte[] in;
                try (InputStream body = ex.getRequestBody()) {
                    in = body.readAllBytes(); // closed, as ApiServer does: the connection must stay usable
                }
                if (ex.getRequestURI().getPath().equals("/stream")) {
                    ex.sendResponseHeaders(200, 0);
                    try (OutputStream out = ex.getResponseBody()) {
                        for (int i = 0; i < 3; i++) {
                            out.write(("part" + i + ";").getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                } else if (ex.getRequestURI().getPath().equals("/empty")) {
                    ex.sendResponseHeaders(204, -1);
                } else {
                    byte[] out = (ex.getRequestMethod() + " " + ex.getRequestURI() + " " + new String(in, StandardCharsets.UTF_8)
                            + " x-a=" + ex.getRequestHeaders().getFirst("x-a")).getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("X-Echo", "yes");
                    ex.sendResponseHeaders(200, out.length);
                    ex.getResponseBody().write(out);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                ex.close();
            }
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.address().getPort() + path;
    }

    @Test
    void servesKeepAliveRequestsOfTheJdkClientWithBodiesAndHeaders() throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(url("/a/b?q=" + i))).header("X-A", "1")
                    .POST(HttpRequest.BodyPublishers.ofString("body" + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("POST /a/b?q=" + i + " body" + i + " x-a=1");
            assertThat(r.headers().firstValue("x-echo")).hasValue("yes");
            assertThat(r.headers().firstValue("date")).isPresent();
        }
        HttpResponse<String> s = c.send(HttpRequest.newBuilder(URI.create(url("/stream"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(s.body()).isEqualTo("part0;part1;part2;");
        HttpResponse<String> e = c.send(HttpRequest.newBuilder(URI.create(url("/empty"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(e.statusCode()).isEqualTo(204);
    }

    @Test
    void readsChunkedBodiesAnswersExpectContinueAndKeepsTheConnection() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
                    + "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n"
                    + "GET /y HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "GET /z HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String all = new String(readAll(in), StandardCharsets.ISO_8859_1);
            assertThat(all).startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n");
            assertThat(all).contains("POST /x abcde x-a=null").contains("GET /y  x-a=null")
                    .contains("GET /z  x-a=null").contains("Connection: close");
        }
    }

    @Test
    void answersAMalformedRequestWith400AndCloses() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
            s.getOutputStream().write("NONSENSE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String all = new String(readAll(s.getInputStream()), StandardCharsets.ISO_8859_1);
            assertThat(all).startsWith("HTTP/1.1 400 ").contains("malformed request line");
        }
    }

    @Test
    void dropsAClientThatStopsHalfwayThroughARequestHeadButKeepsAnIdleOne() throws Exception {
        try (BlockingHttpServer quick = echoServer(300);
             Socket idle = new Socket(InetAddress.getLoopbackAddress(), quick.address().getPort());
             Socket slow = new Socket(InetAddress.getLoopbackAddress(), quick.address().getPort())) {
            idle.getOutputStream().write("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().write("GET /2 HTTP/1.1\r\nHost: h\r\n".getBytes(StandardCharsets.US_ASCII));
            slow.setSoTimeout(30_000);
            // the half-sent head is cut off (end of stream, no answer) once its head timeout passes
            assertThat(slow.getInputStream().read()).isEqualTo(-1);
            // the idle keep-alive connection waited as long, between requests, and still gets its second answer
            idle.getOutputStream().write("GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(readAll(idle.getInputStream()), StandardCharsets.ISO_8859_1);
            assertThat(all).contains("GET /1  x-a=null").contains("GET /3  x-a=null");
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }
}
