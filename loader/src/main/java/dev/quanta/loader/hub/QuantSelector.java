package dev.quanta.loader.hub;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the GGUF model of a repository that a quantization tag names, with the rules of llama.cpp's
 * {@code -hf OWNER/REPO[:QUANT]}: the tag is case-insensitive; without one, Q4_K_M is taken, or else a Q4 file,
 * or else the first GGUF of the repository. Unlike llama.cpp (which asks the hub to choose), the choice is made
 * here from the file list, so it works offline from the cache too, and a tag that matches no file or several
 * different files is an error that lists the choices.
 *
 * <p>A model is one GGUF file or one complete set of split files {@code NAME-00001-of-0000N.gguf} (llama.cpp's
 * {@code gguf-split} naming), which is fetched whole. Multimodal projector files ({@code mmproj*}) are not models.
 */
public final class QuantSelector {
    private QuantSelector() {}

    /** The tag used when none is given, as in llama.cpp. */
    public static final String DEFAULT_QUANT = "Q4_K_M";

    /** {@code NAME-00001-of-00003.gguf}: prefix, part number (1-based), part count. */
    static final Pattern SPLIT = Pattern.compile("(?i)^(.*)-(\\d{5})-of-(\\d{5})\\.gguf$");

    /** A quantization label inside a file name: Q4_K_M, IQ4_XS, Q8_0, Q4_0_4_4, TQ1_0, MXFP4, BF16, F16, F32... */
    static final Pattern QUANT = Pattern.compile(
            "(?i)(?<![a-z0-9])(I?Q[1-8](?:_[a-z0-9]{1,4})*|TQ[12]_0|MXFP4(?:_MOE)?|BF16|FP16|F16|FP32|F32)(?![a-z0-9])");

    /**
     * One model in a repository: a single GGUF file or all the parts of a split one (in part order).
     *
     * @param quant the quantization read off the file name, upper-case, or null when the name has none
     * @param parts repository paths; the first is the file a loader opens
     * @param partCount the number of parts the split naming announces (1 for a single file)
     */
    public record ModelFiles(String quant, List<String> parts, int partCount) {
        public ModelFiles {
            parts = List.copyOf(parts);
        }

        public String primary() { return parts.getFirst(); }

        public boolean complete() { return parts.size() == partCount; }

        /** The primary file's name with a split suffix shown as {@code -0000N-of-0000N} folded in. */
        public String label() {
            return partCount > 1 ? primary() + " (+" + (partCount - 1) + " parts)" : primary();
        }
    }

    /** The choice made, and a note for the user when it was not the tag asked for (null otherwise). */
    public record Selection(ModelFiles model, String note) {}

    /** The quantization label of a repository path, upper-case, or null. The file name wins over folder names. */
    public static String quantOf(String path) {
        String[] segs = path.split("/");
        for (int i = segs.length - 1; i >= 0; i--) {
            String s = segs[i];
            if (i == segs.length - 1) {
                Matcher sp = SPLIT.matcher(s);
                s = sp.matches() ? sp.group(1) : s.replaceAll("(?i)\\.gguf$", "");
            }
            Matcher m = QUANT.matcher(s);
            String last = null;
            while (m.find()) last = m.group(1);
            if (last != null) return last.toUpperCase(Locale.ROOT);
        }
        return null;
    }

    /** Whether a repository path is a model GGUF (not a projector, not some other file). */
    public static boolean isModelGguf(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return name.endsWith(".gguf") && !name.startsWith("mmproj") && !name.contains("-mmproj") && !name.contains(".mmproj");
    }

    /** The models among repository paths: split parts grouped, projectors and non-GGUF files left out, sorted. */
    public static List<ModelFiles> models(Collection<String> paths) {
        Map<String, TreeMap<Integer, String>> splits = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        List<ModelFiles> out = new ArrayList<>();
        for (String p : new LinkedHashSet<>(paths)) {
            if (!isModelGguf(p)) continue;
            Matcher m = SPLIT.matcher(p);
            if (m.matches()) {
                int part = Integer.parseInt(m.group(2)), count = Integer.parseInt(m.group(3));
                if (count > 1 && part >= 1 && part <= count) {
                    String key = m.group(1) + "\u0000" + count;
                    splits.computeIfAbsent(key, k -> new TreeMap<>()).put(part, p);
                    counts.put(key, count);
                    continue;
                }
            }
            out.add(new ModelFiles(quantOf(p), List.of(p), 1));
        }
        for (var e : splits.entrySet()) {
            List<String> parts = new ArrayList<>(e.getValue().values());
            out.add(new ModelFiles(quantOf(parts.getFirst()), parts, counts.get(e.getKey())));
        }
        out.sort(Comparator.comparing(ModelFiles::primary));
        return out;
    }

    /** The model holding repository path {@code file} (all parts when it is one part of a split model), or null. */
    public static ModelFiles forFile(Collection<String> paths, String file) {
        for (ModelFiles m : models(paths))
            if (m.parts().contains(file)) return m;
        if (paths.contains(file)) return new ModelFiles(quantOf(file), List.of(file), 1);
        return null;
    }

    /**
     * Chooses the model for {@code quant} (null: the default rule) among {@code models}.
     *
     * @param what how to name the repository in messages, e.g. {@code hf:OWNER/REPO}
     * @throws HubException when the tag matches nothing or several models; the message lists the choices
     */
    public static Selection select(List<ModelFiles> models, String quant, String what) {
        if (models.isEmpty()) throw new HubException(what + " has no GGUF model files");
        if (quant == null) {
            List<ModelFiles> exact = matching(models, DEFAULT_QUANT, false);
            if (exact.size() == 1) return new Selection(exact.getFirst(), null);
            if (exact.size() > 1) throw ambiguous(what, DEFAULT_QUANT, exact);
            List<ModelFiles> q4 = matching(models, "Q4", true);
            ModelFiles pick = q4.isEmpty() ? models.getFirst() : q4.getFirst();
            return new Selection(pick, what + " has no " + DEFAULT_QUANT + " file; using " + pick.primary()
                    + " (choices: " + choices(models) + ")");
        }
        ModelFiles m = find(models, quant, what);
        if (m != null) return new Selection(m, null);
        throw new HubException("no " + quant.toUpperCase(Locale.ROOT) + " GGUF in " + what + "; available: " + choices(models));
    }

    /**
     * The model whose quant is {@code quant} (ignoring case), or else the one whose quant starts with it
     * ({@code q4} → Q4_K_M when that is the only Q4); null when none.
     *
     * @throws HubException when several models match
     */
    public static ModelFiles find(List<ModelFiles> models, String quant, String what) {
        List<ModelFiles> exact = matching(models, quant, false);
        if (exact.size() == 1) return exact.getFirst();
        if (exact.size() > 1) throw ambiguous(what, quant, exact);
        List<ModelFiles> prefix = matching(models, quant, true);
        if (prefix.size() == 1) return prefix.getFirst();
        if (prefix.size() > 1) throw ambiguous(what, quant, prefix);
        return null;
    }

    /** Models whose quant equals {@code q} (or, with {@code prefix}, starts with {@code q_}), ignoring case. */
    private static List<ModelFiles> matching(List<ModelFiles> models, String q, boolean prefix) {
        String u = q.toUpperCase(Locale.ROOT);
        List<ModelFiles> out = new ArrayList<>();
        for (ModelFiles m : models) {
            if (m.quant() == null) continue;
            if (prefix ? m.quant().startsWith(u + "_") : m.quant().equals(u)) out.add(m);
        }
        return out;
    }

    private static HubException ambiguous(String what, String quant, List<ModelFiles> ms) {
        List<String> names = new ArrayList<>();
        for (ModelFiles m : ms) names.add(m.label());
        return new HubException(what + ":" + quant + " is ambiguous: it matches " + String.join(", ", names)
                + "; name one file with " + what + "/FILE.gguf");
    }

    /** "Q4_K_M (a.gguf), Q8_0 (b.gguf), ?(c.gguf)" — every model with its quant. */
    static String choices(List<ModelFiles> models) {
        Set<String> out = new LinkedHashSet<>();
        for (ModelFiles m : models) out.add((m.quant() == null ? "?" : m.quant()) + " (" + m.label() + ")");
        return String.join(", ", out);
    }
}
