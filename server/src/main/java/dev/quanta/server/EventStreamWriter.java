package dev.quanta.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events framed exactly as OpenAI sends them ({@code "data: " + json + "\n\n"}, ending
 * with {@code data: [DONE]}), flushed per event so each token leaves at once. Some clients match the
 * literal {@code "data: "} prefix, which Helidon's own SSE sink writes without the space; hence this
 * small writer on the response's output stream. A write that fails means the client went away.
 */
final class EventStreamWriter implements AutoCloseable {
    private final OutputStream out;

    EventStreamWriter(ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        this.out = res.outputStream();
    }

    void data(String payload) {
        try {
            out.write(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | RuntimeException e) {
            throw new ClientGoneException(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            // the client is gone
        }
    }
}
