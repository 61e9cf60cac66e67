package dev.quanta.runtime.grammar;

import dev.quanta.runtime.grammar.GbnfParser.Cls;
import dev.quanta.runtime.grammar.GbnfParser.Group;
import dev.quanta.runtime.grammar.GbnfParser.Lit;
import dev.quanta.runtime.grammar.GbnfParser.Node;
import dev.quanta.runtime.grammar.GbnfParser.Ref;
import dev.quanta.runtime.grammar.GbnfParser.Rep;
import dev.quanta.runtime.grammar.GbnfParser.RuleDef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles the GBNF syntax tree to the byte-level form {@link Grammar} runs: every rule is a list
 * of alternatives, every alternative a sequence of byte sets (256-bit) and rule references.
 * Literals become one byte set per UTF-8 byte; character classes become UTF-8 byte-range
 * sequences (a generated rule when they reach beyond ASCII); groups and repetitions become
 * generated rules (x* as {@code s ::= x s | ε}, right recursive so the matcher's stack stays flat).
 *
 * <p>Checks: a {@code root} rule exists; every referenced rule is defined; no rule is defined
 * twice; alternatives that can never finish (unproductive) are pruned, and a root that can derive
 * nothing is an error; no left recursion (a rule reaching itself without consuming a byte).
 */
final class GrammarCompiler {
    private final String src;
    private final List<String> names = new ArrayList<>();
    private final List<List<int[]>> rules = new ArrayList<>(); // element >= 0: set index; < 0: ref -1-id
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final List<long[]> sets = new ArrayList<>();
    private final Map<String, Integer> setIndex = new HashMap<>();
    private final Map<String, Integer> classRules = new HashMap<>();
    private final Map<String, Integer> generatedCount = new HashMap<>();
    private long budget = 4_000_000; // elements, guards huge repetition counts

    private GrammarCompiler(String src) {
        this.src = src;
    }

    static Grammar compile(String src) {
        return new GrammarCompiler(src).run();
    }

    private Grammar run() {
        List<RuleDef> defs = GbnfParser.parse(src);
        Map<String, Integer> defAt = new HashMap<>();
        for (RuleDef d : defs) {
            if (defAt.containsKey(d.name())) {
                throw GrammarException.at(src, d.offset(), "rule '" + d.name() + "' is defined twice (first at "
                        + GrammarException.at(src, defAt.get(d.name()), "").getMessage().replace(": ", "") + ")");
            }
            defAt.put(d.name(), d.offset());
            ids.put(d.name(), newRule(d.name()));
        }
        if (!ids.containsKey("root")) throw new GrammarException("grammar has no rule named 'root' (the start rule)");
        for (RuleDef d : defs) rules.set(ids.get(d.name()), compileAlternates(d.alternates(), d.name()));
        return finish();
    }

    private int newRule(String name) {
        names.add(name);
        rules.add(List.of());
        return names.size() - 1;
    }

    private int generated(String owner) {
        int n = generatedCount.merge(owner, 1, Integer::sum);
        return newRule(owner + "-" + n);
    }

    private List<int[]> compileAlternates(List<List<Node>> alts, String owner) {
        List<int[]> out = new ArrayList<>();
        for (List<Node> seq : alts) {
            List<Integer> elems = new ArrayList<>();
            for (Node n : seq) compileNode(n, owner, elems);
            out.add(elems.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    private void compileNode(Node node, String owner, List<Integer> out) {
        switch (node) {
            case Lit l -> {
                for (int cp : l.codePoints()) {
                    for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) out.add(byteSet(b & 0xFF, b & 0xFF));
                }
            }
            case Cls c -> out.add(classElement(c.ranges()));
            case Ref r -> {
                Integer id = ids.get(r.name());
                if (id == null) throw GrammarException.at(src, r.offset(), "rule '" + r.name() + "' is referenced but not defined");
                out.add(-1 - id);
            }
            case Group g -> {
                if (g.alternates().size() == 1) {
                    for (Node n : g.alternates().getFirst()) compileNode(n, owner, out);
                } else {
                    int id = generated(owner);
                    rules.set(id, compileAlternates(g.alternates(), owner));
                    out.add(-1 - id);
                }
            }
            case Rep r -> compileRepetition(r, owner, out);
        }
        spend(out.size());
    }

    private void spend(long n) {
        budget -= n;
        if (budget < 0) throw new GrammarException("grammar too large after expanding repetitions (over 4M elements)");
    }

    private void compileRepetition(Rep r, String owner, List<Integer> out) {
        List<Integer> x = new ArrayList<>();
        compileNode(r.node(), owner, x);
        int[] xs = x.stream().mapToInt(Integer::intValue).toArray();
        spend((long) xs.length * Math.max(r.min(), 1));
        for (int i = 0; i < r.min(); i++) out.addAll(x);
        if (r.max() == -1) {
            int star = generated(owner);
            int[] rec = Arrays.copyOf(xs, xs.length + 1);
            rec[xs.length] = -1 - star;
            rules.set(star, List.of(rec, new int[0]));
            out.add(-1 - star);
        } else if (r.max() > r.min()) {
            int prev = -1;
            for (int k = 1; k <= r.max() - r.min(); k++) {
                int opt = generated(owner);
                int[] alt = prev < 0 ? xs : Arrays.copyOf(xs, xs.length + 1);
                if (prev >= 0) alt[xs.length] = -1 - prev;
                rules.set(opt, List.of(alt, new int[0]));
                prev = opt;
                spend(xs.length + 1);
            }
            out.add(-1 - prev);
        }
    }

    /** One element for a code point class: a byte set when it is ASCII-only, else a rule of UTF-8 sequences. */
    private int classElement(int[] ranges) {
        List<int[]> seqs = Utf8Ranges.sequences(ranges);
        long[] single = new long[4];
        boolean multi = false;
        for (int[] s : seqs) {
            if (s.length == 2) for (int b = s[0]; b <= s[1]; b++) single[b >> 6] |= 1L << (b & 63);
            else multi = true;
        }
        if (!multi) return setIndex(single);
        String key = Arrays.toString(ranges);
        Integer cached = classRules.get(key);
        if (cached != null) return -1 - cached;
        int id = generated("class");
        List<int[]> alts = new ArrayList<>();
        if (single[0] != 0 || single[1] != 0 || single[2] != 0 || single[3] != 0) alts.add(new int[] {setIndex(single)});
        for (int[] s : seqs) {
            if (s.length == 2) continue;
            int[] alt = new int[s.length / 2];
            for (int k = 0; k < alt.length; k++) alt[k] = byteSet(s[2 * k], s[2 * k + 1]);
            alts.add(alt);
        }
        rules.set(id, alts);
        classRules.put(key, id);
        return -1 - id;
    }

    private int byteSet(int lo, int hi) {
        long[] bits = new long[4];
        for (int b = lo; b <= hi; b++) bits[b >> 6] |= 1L << (b & 63);
        return setIndex(bits);
    }

    private int setIndex(long[] bits) {
        String key = Arrays.toString(bits);
        return setIndex.computeIfAbsent(key, k -> {
            sets.add(bits.clone());
            return sets.size() - 1;
        });
    }

    private static boolean isEmpty(long[] s) {
        return s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0;
    }

    private Grammar finish() {
        int n = rules.size();
        // 1. productive rules (can derive some finite byte string); prune alternatives that cannot finish
        boolean[] productive = new boolean[n];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < n; r++) {
                if (productive[r]) continue;
                for (int[] alt : rules.get(r)) {
                    if (altProductive(alt, productive)) { productive[r] = true; changed = true; break; }
                }
            }
        }
        int root = ids.get("root");
        if (!productive[root]) {
            throw new GrammarException("the grammar accepts nothing: rule 'root' cannot derive any finite string"
                    + " (every alternative needs an empty character class or recurses forever)");
        }
        for (int r = 0; r < n; r++) {
            List<int[]> kept = new ArrayList<>();
            for (int[] alt : rules.get(r)) if (altProductive(alt, productive)) kept.add(alt);
            rules.set(r, kept);
        }
        // 2. nullable rules, then left recursion = a cycle in "rule r can start with rule s"
        boolean[] nullable = new boolean[n];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < n; r++) {
                if (nullable[r]) continue;
                for (int[] alt : rules.get(r)) {
                    boolean all = true;
                    for (int e : alt) if (e >= 0 || !nullable[-1 - e]) { all = false; break; }
                    if (all) { nullable[r] = true; changed = true; break; }
                }
            }
        }
        List<List<Integer>> starts = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            List<Integer> s = new ArrayList<>();
            for (int[] alt : rules.get(r)) {
                for (int e : alt) {
                    if (e >= 0) break;
                    s.add(-1 - e);
                    if (!nullable[-1 - e]) break;
                }
            }
            starts.add(s);
        }
        checkLeftRecursion(starts);
        // 3. lay out: code[] = alternatives of each rule separated by ALT, ended by END
        List<Integer> code = new ArrayList<>();
        int[][] altStarts = new int[n][];
        for (int r = 0; r < n; r++) {
            List<int[]> alts = rules.get(r);
            altStarts[r] = new int[alts.size()];
            for (int a = 0; a < alts.size(); a++) {
                altStarts[r][a] = code.size();
                for (int e : alts.get(a)) code.add(e >= 0 ? e : Grammar.ref(-1 - e));
                code.add(a == alts.size() - 1 ? Grammar.END : Grammar.ALT);
            }
            if (alts.isEmpty()) code.add(Grammar.END);
        }
        long[] flat = new long[sets.size() * 4];
        for (int i = 0; i < sets.size(); i++) System.arraycopy(sets.get(i), 0, flat, 4 * i, 4);
        return new Grammar(src, code.stream().mapToInt(Integer::intValue).toArray(), altStarts, flat,
                names.toArray(String[]::new), root);
    }

    private boolean altProductive(int[] alt, boolean[] productive) {
        for (int e : alt) {
            if (e >= 0 ? isEmpty(sets.get(e)) : !productive[-1 - e]) return false;
        }
        return true;
    }

    private void checkLeftRecursion(List<List<Integer>> starts) {
        int n = starts.size();
        int[] color = new int[n]; // 0 new, 1 on path, 2 done
        int[] parent = new int[n];
        for (int s = 0; s < n; s++) {
            if (color[s] != 0) continue;
            // iterative DFS
            int[] stack = new int[n + 1];
            int[] next = new int[n];
            int sp = 0;
            stack[sp++] = s;
            color[s] = 1;
            parent[s] = -1;
            while (sp > 0) {
                int r = stack[sp - 1];
                if (next[r] < starts.get(r).size()) {
                    int t = starts.get(r).get(next[r]++);
                    if (color[t] == 1) {
                        List<String> path = new ArrayList<>();
                        for (int x = r; ; x = parent[x]) {
                            path.addFirst(names.get(x));
                            if (x == t) break;
                        }
                        path.add(names.get(t));
                        throw new GrammarException("left recursion: rule '" + names.get(t)
                                + "' can reach itself without consuming input (" + String.join(" -> ", path)
                                + "); rewrite it right-recursively, e.g. x ::= y (\"op\" y)*");
                    }
                    if (color[t] == 0) {
                        color[t] = 1;
                        parent[t] = r;
                        stack[sp++] = t;
                    }
                } else {
                    color[r] = 2;
                    sp--;
                }
            }
        }
    }
}
