package dev.quanta.backend.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenCL C program of the backend: the {@code .cl} files under {@code kernels/opencl/} of the
 * kernels module's resources, with their {@code #include "..."} of the shared headers
 * ({@code kernels/common.h}, {@code kernels/quants.h}) expanded once each, into one source.
 */
public final class KernelSources {
    /** The kernel files, in the order they are concatenated. */
    public static final List<String> FILES = List.of("elementwise.cl", "norm.cl", "rope.cl", "copy.cl", "mul_mat.cl",
            "attention.cl");
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#include\\s+\"([^\"]+)\"\\s*$", Pattern.MULTILINE);

    private KernelSources() {}

    /** The whole program source. */
    public static String program() {
        StringBuilder sb = new StringBuilder();
        Set<String> included = new HashSet<>();
        for (String f : FILES) append(sb, "kernels/opencl/" + f, included);
        return sb.toString();
    }

    private static void append(StringBuilder sb, String path, Set<String> included) {
        if (!included.add(path)) return;
        String text = read(path);
        Matcher m = INCLUDE.matcher(text);
        int last = 0;
        while (m.find()) {
            sb.append(text, last, m.start());
            append(sb, resolve(path, m.group(1)), included);
            last = m.end();
        }
        sb.append(text, last, text.length()).append('\n');
    }

    private static String resolve(String from, String rel) {
        String dir = from.substring(0, from.lastIndexOf('/'));
        String p = rel;
        while (p.startsWith("../")) {
            dir = dir.substring(0, dir.lastIndexOf('/'));
            p = p.substring(3);
        }
        return dir + "/" + p;
    }

    static String read(String path) {
        ClassLoader cl = KernelSources.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("kernel source " + path + " not on the class path (quanta-kernels jar)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + path, e);
        }
    }
}
