package dev.quanta.loader.hub;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A model named by where it comes from rather than by a local path:
 * <ul>
 *   <li>{@code hf:OWNER/REPO} — the Q4_K_M GGUF of a Hugging Face repository (see {@link QuantSelector});</li>
 *   <li>{@code hf:OWNER/REPO:QUANT} — the GGUF of that quantization, e.g. {@code hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0};</li>
 *   <li>{@code hf:OWNER/REPO/PATH/FILE.gguf} — one file of the repository;</li>
 *   <li>{@code hf:…@REVISION} — any of the above at a branch, tag or commit (default {@code main});</li>
 *   <li>an {@code http(s)://} URL. A Hugging Face {@code …/resolve/REV/FILE} or {@code …/blob/REV/FILE} URL of the
 *       configured endpoint is read as the {@code hf:} reference it names, so it shares the Hugging Face cache.</li>
 * </ul>
 */
public sealed interface ModelReference {

    /** A file (or quantization) of a Hugging Face model repository. Exactly one of quant and file may be set. */
    record Hf(String repo, String quant, String file, String revision) implements ModelReference {
        public Hf {
            if (!REPO.matcher(repo).matches())
                throw new HubException("invalid Hugging Face repository '" + repo + "': expected OWNER/REPO");
            if (quant != null && file != null) throw new IllegalArgumentException("both quant and file");
            if (revision == null || revision.isEmpty()) revision = "main";
        }

        public String owner() { return repo.substring(0, repo.indexOf('/')); }

        @Override
        public String toString() {
            return "hf:" + repo + (file != null ? "/" + file : "") + (quant != null ? ":" + quant : "")
                    + ("main".equals(revision) ? "" : "@" + revision);
        }
    }

    /** Any other download URL. */
    record Url(URI uri) implements ModelReference {
        /** The last path segment: the file name the download is stored under. */
        public String fileName() {
            String p = uri.getPath();
            String name = p == null ? "" : p.substring(p.lastIndexOf('/') + 1);
            return name.isEmpty() ? "model.gguf" : name;
        }

        @Override
        public String toString() { return uri.toString(); }
    }

    Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Whether {@code s} is written as a reference ({@code hf:} or a URL) rather than as a local path. */
    static boolean isReference(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        return l.startsWith("hf:") || l.startsWith("https://") || l.startsWith("http://");
    }

    /** Parses a reference; {@code endpoint} (the hub's base URL) decides which URLs are Hugging Face ones. */
    static ModelReference parse(String s, URI endpoint) {
        String l = s.toLowerCase(Locale.ROOT);
        if (l.startsWith("hf:")) return parseHf(s.substring(3), s);
        if (l.startsWith("https://") || l.startsWith("http://")) {
            URI u;
            try {
                u = new URI(s);
            } catch (URISyntaxException e) {
                throw new HubException("invalid URL '" + s + "': " + e.getReason());
            }
            if (u.getHost() == null) throw new HubException("invalid URL '" + s + "': no host");
            Hf hf = asHubUrl(u, endpoint);
            return hf != null ? hf : new Url(u);
        }
        throw new HubException("'" + s + "' is not a model reference (expected hf:OWNER/REPO[:QUANT], hf:OWNER/REPO/FILE.gguf or an https URL)");
    }

    private static Hf parseHf(String body, String whole) {
        String revision = "main";
        int at = body.lastIndexOf('@');
        if (at >= 0) {
            revision = body.substring(at + 1);
            body = body.substring(0, at);
            if (revision.isEmpty()) throw new HubException("invalid reference '" + whole + "': empty revision after '@'");
        }
        String quant = null;
        int colon = body.indexOf(':');
        if (colon >= 0) {
            quant = body.substring(colon + 1);
            body = body.substring(0, colon);
            if (!quant.matches("[A-Za-z0-9_]+"))
                throw new HubException("invalid quantization '" + quant + "' in '" + whole + "' (expected e.g. Q4_K_M, Q8_0, F16)");
        }
        String[] parts = body.split("/", 3);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty())
            throw new HubException("invalid reference '" + whole + "': expected hf:OWNER/REPO[:QUANT] or hf:OWNER/REPO/FILE.gguf");
        String repo = parts[0] + "/" + parts[1];
        String file = parts.length == 3 ? parts[2] : null;
        if (file != null) {
            if (quant != null) throw new HubException("invalid reference '" + whole + "': give a file or a quantization, not both");
            if (file.isEmpty() || file.startsWith("/") || file.contains("..") || file.contains("\\") || file.endsWith("/"))
                throw new HubException("invalid file path '" + file + "' in '" + whole + "'");
        }
        return new Hf(repo, quant, file, revision);
    }

    /** {@code ENDPOINT/OWNER/REPO/(resolve|blob)/REV/FILE} → the {@code hf:} reference; otherwise null. */
    private static Hf asHubUrl(URI u, URI endpoint) {
        if (endpoint == null || !u.getHost().equalsIgnoreCase(endpoint.getHost()) || u.getPort() != endpoint.getPort()) return null;
        String base = endpoint.getPath() == null ? "" : endpoint.getPath().replaceAll("/+$", "");
        String p = u.getRawPath();
        if (p == null || !p.startsWith(base + "/")) return null;
        String[] seg = p.substring(base.length() + 1).split("/", 5);
        if (seg.length < 5 || !(seg[2].equals("resolve") || seg[2].equals("blob"))) return null;
        String repo = seg[0] + "/" + seg[1];
        if (!REPO.matcher(repo).matches()) return null;
        String rev = URLDecoder.decode(seg[3], StandardCharsets.UTF_8);
        String file = URLDecoder.decode(seg[4], StandardCharsets.UTF_8);
        return new Hf(repo, null, file, rev);
    }
}
