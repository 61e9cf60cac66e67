package dev.quanta.loader.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where models come from and where they are kept, read from the same environment variables as
 * {@code huggingface_hub}, so that quanta, {@code huggingface-cli} and the Python libraries share one cache:
 * <ul>
 *   <li>{@code HF_ENDPOINT} — the hub's base URL (default {@code https://huggingface.co});</li>
 *   <li>{@code HF_HUB_CACHE} — the cache folder; else {@code $HF_HOME/hub}; {@code HF_HOME} defaults to
 *       {@code $XDG_CACHE_HOME/huggingface}, then {@code ~/.cache/huggingface};</li>
 *   <li>{@code HF_TOKEN} — sent as {@code Authorization: Bearer} (gated and private repositories); else the
 *       token {@code huggingface-cli login} saved in {@code $HF_HOME/token};</li>
 *   <li>{@code HF_HUB_OFFLINE=1} — never touch the network;</li>
 *   <li>{@code QUANTA_CACHE} — where plain-URL downloads go (default {@code $XDG_CACHE_HOME/quanta}, then
 *       {@code ~/.cache/quanta}); they have no place in the Hugging Face layout.</li>
 * </ul>
 *
 * @param endpoint    hub base URL, without a trailing slash
 * @param hubCache    the Hugging Face hub cache folder (holds {@code models--OWNER--REPO})
 * @param urlCache    folder for downloads by plain URL
 * @param token       bearer token or null
 * @param offline     resolve from the cache only
 * @param retries     how many times an interrupted download is resumed before giving up
 * @param retryWait   pause before the first retry (doubles each time, at most 10 s)
 * @param timeout     connect timeout and the longest wait for a response to start
 * @param freeSpace   usable bytes of the file system holding a folder (replaceable in tests)
 */
public record HubConfig(URI endpoint, Path hubCache, Path urlCache, String token, boolean offline,
                        int retries, Duration retryWait, Duration timeout, FreeSpace freeSpace) {

    /** Usable bytes in the file system of a folder. */
    @FunctionalInterface
    public interface FreeSpace {
        long usableBytes(Path folder) throws IOException;

        FreeSpace FILE_STORE = folder -> Files.getFileStore(folder).getUsableSpace();
    }

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubConfig {
        String e = endpoint.toString().replaceAll("/+$", "");
        endpoint = URI.create(e);
        if (token != null && token.isBlank()) token = null;
        if (retries < 0) throw new IllegalArgumentException("retries < 0");
    }

    /** The configuration of this process's environment. */
    public static HubConfig fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The configuration given environment variables {@code env} and home folder {@code home}. */
    public static HubConfig fromEnvironment(Map<String, String> env, Path home) {
        String xdg = nonEmpty(env.get("XDG_CACHE_HOME"));
        Path cacheHome = xdg != null ? Path.of(xdg) : home.resolve(".cache");
        Path hfHome = nonEmpty(env.get("HF_HOME")) != null ? Path.of(env.get("HF_HOME")) : cacheHome.resolve("huggingface");
        Path hubCache = nonEmpty(env.get("HF_HUB_CACHE")) != null ? Path.of(env.get("HF_HUB_CACHE"))
                : nonEmpty(env.get("HUGGINGFACE_HUB_CACHE")) != null ? Path.of(env.get("HUGGINGFACE_HUB_CACHE"))
                : hfHome.resolve("hub");
        Path urlCache = nonEmpty(env.get("QUANTA_CACHE")) != null ? Path.of(env.get("QUANTA_CACHE")) : cacheHome.resolve("quanta");
        String endpoint = nonEmpty(env.get("HF_ENDPOINT")) != null ? env.get("HF_ENDPOINT").trim() : DEFAULT_ENDPOINT;
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException ex) {
            throw new HubException("HF_ENDPOINT '" + endpoint + "' is not a URL");
        }
        if (uri.getScheme() == null || uri.getHost() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http")))
            throw new HubException("HF_ENDPOINT '" + endpoint + "' is not an http(s) URL");
        String token = nonEmpty(env.get("HF_TOKEN"));
        if (token == null) token = nonEmpty(env.get("HUGGING_FACE_HUB_TOKEN"));
        if (token == null) {
            Path tokenFile = nonEmpty(env.get("HF_TOKEN_PATH")) != null ? Path.of(env.get("HF_TOKEN_PATH")) : hfHome.resolve("token");
            try {
                if (Files.isRegularFile(tokenFile) && Files.size(tokenFile) < 4096)
                    token = nonEmpty(Files.readString(tokenFile, StandardCharsets.UTF_8).trim());
            } catch (IOException ignored) {
                // an unreadable token file is the same as none
            }
        }
        String off = env.getOrDefault("HF_HUB_OFFLINE", "").trim().toLowerCase(Locale.ROOT);
        boolean offline = off.equals("1") || off.equals("true") || off.equals("yes") || off.equals("on");
        return new HubConfig(uri, hubCache, urlCache, token, offline, 5, Duration.ofMillis(500), Duration.ofSeconds(30), FreeSpace.FILE_STORE);
    }

    public HubConfig withOffline(boolean off) {
        return new HubConfig(endpoint, hubCache, urlCache, token, off, retries, retryWait, timeout, freeSpace);
    }

    public HubConfig withToken(String t) {
        return new HubConfig(endpoint, hubCache, urlCache, t, offline, retries, retryWait, timeout, freeSpace);
    }

    public HubConfig withRetries(int n, Duration wait) {
        return new HubConfig(endpoint, hubCache, urlCache, token, offline, n, wait, timeout, freeSpace);
    }

    public HubConfig withFreeSpace(FreeSpace f) {
        return new HubConfig(endpoint, hubCache, urlCache, token, offline, retries, retryWait, timeout, f);
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
