package dev.quanta.kernels.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Outcomes of the catalogue on one device, printable as the op × type table of docs/ops.md. */
public final class ConformanceReport {
    /** What happened to one case. */
    public enum Outcome { PASS, SKIP, FAIL }

    private final String backend;
    private final Map<String, Map<String, int[]>> counts = new LinkedHashMap<>(); // op -> type -> [pass, skip, fail]
    private final Set<String> types = new LinkedHashSet<>();
    private final List<String> notes = new ArrayList<>();

    public ConformanceReport(String backend) {
        this.backend = backend;
    }

    public synchronized void record(ConformanceCase c, Outcome o, String note) {
        types.add(c.type());
        counts.computeIfAbsent(c.op(), k -> new LinkedHashMap<>()).computeIfAbsent(c.type(), k -> new int[3])[o.ordinal()]++;
        if (o != Outcome.PASS && note != null) notes.add(o + " " + c.name() + ": " + note);
    }

    public synchronized int count(Outcome o) {
        int n = 0;
        for (Map<String, int[]> byType : counts.values()) for (int[] v : byType.values()) n += v[o.ordinal()];
        return n;
    }

    /** A markdown table: one row per op, one column per type; cells say how many cases passed, skipped or failed. */
    public synchronized String markdown() {
        List<String> cols = types.stream().sorted(ConformanceReport::typeOrder).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("| op (").append(backend).append(") |");
        for (String t : cols) sb.append(' ').append(t).append(" |");
        sb.append("\n|---|");
        for (int i = 0; i < cols.size(); i++) sb.append("---|");
        sb.append('\n');
        for (var e : counts.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            for (String t : cols) sb.append(' ').append(cell(e.getValue().get(t))).append(" |");
            sb.append('\n');
        }
        sb.append("\n").append(count(Outcome.PASS)).append(" passed, ").append(count(Outcome.SKIP)).append(" skipped, ")
                .append(count(Outcome.FAIL)).append(" failed\n");
        for (String n : notes) sb.append("- ").append(n).append('\n');
        return sb.toString();
    }

    private static int typeOrder(String a, String b) {
        try {
            return Integer.compare(dev.quanta.kernels.GgmlType.valueOf(a).id, dev.quanta.kernels.GgmlType.valueOf(b).id);
        } catch (IllegalArgumentException e) {
            return a.compareTo(b);
        }
    }

    private static String cell(int[] v) {
        if (v == null) return "";
        int pass = v[0], skip = v[1], fail = v[2];
        if (fail > 0) return "FAIL " + fail + "/" + (pass + skip + fail);
        if (skip == 0) return "ok " + pass;
        if (pass == 0) return "skip " + skip;
        return "ok " + pass + ", skip " + skip;
    }
}
