package dev.quanta.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Tokens/s per model type and backend as an SVG bar chart: one panel per test (pp512, tg128, ...)
 * with its own scale, one group of bars per model type, one bar colour per backend, a whisker for
 * ± one standard deviation and the mean written above each bar. Plain SVG 1.1 with inline styles;
 * it references nothing outside the file (no fonts, scripts or images).
 */
public final class SvgBarChart {
    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948"};
    private static final int BAR = 34, BAR_GAP = 4, GROUP_GAP = 28, LEFT = 70, RIGHT = 20, PANEL_H = 240, TOP = 40,
            LABEL_H = 58;

    private SvgBarChart() {}

    /** The chart of {@code results} as an SVG document. */
    public static String render(List<BenchResult> results, String title) {
        Set<String> tests = new LinkedHashSet<>(), models = new LinkedHashSet<>(), backends = new LinkedHashSet<>();
        Map<String, BenchResult> cell = new LinkedHashMap<>();
        for (BenchResult r : results) {
            tests.add(r.testName());
            models.add(r.modelType());
            backends.add(r.backends());
            cell.put(r.testName() + "\u0000" + r.modelType() + "\u0000" + r.backends(), r);
        }
        int groupW = backends.size() * (BAR + BAR_GAP) - BAR_GAP;
        int plotW = Math.max(240, models.size() * (groupW + GROUP_GAP) + GROUP_GAP);
        int width = LEFT + plotW + RIGHT;
        int legendH = 28;
        int height = TOP + legendH + tests.size() * (PANEL_H + LABEL_H) + 10;

        StringBuilder s = new StringBuilder(4096);
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n",
                width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, esc(title)));

        // legend: one swatch per backend
        int lx = LEFT, ly = TOP;
        int bi = 0;
        for (String b : backends) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", lx, ly - 10, COLORS[bi % COLORS.length]));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 16, ly, esc(b)));
            lx += 24 + 7 * b.length() + 20;
            bi++;
        }

        int y0 = TOP + legendH;
        for (String test : tests) {
            double max = 0;
            for (BenchResult r : results)
                if (r.testName().equals(test)) max = Math.max(max, r.avgTs() + r.stddevTs());
            double top = niceCeil(max);
            int baseY = y0 + PANEL_H;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">%s (tokens/s)</text>%n", LEFT, y0 + 4, esc(test)));
            int plotTop = y0 + 16, plotH = baseY - plotTop;
            // y axis with 5 ticks
            for (int k = 0; k <= 4; k++) {
                double v = top * k / 4;
                double y = baseY - plotH * (v / top);
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#dddddd\"/>", LEFT, y, LEFT + plotW, y));
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, y + 4, num(v)));
            }
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>%n", LEFT, baseY, LEFT + plotW, baseY));
            int gx = LEFT + GROUP_GAP;
            for (String m : models) {
                int bx = gx;
                bi = 0;
                for (String b : backends) {
                    BenchResult r = cell.get(test + "\u0000" + m + "\u0000" + b);
                    if (r != null) {
                        double h = plotH * (r.avgTs() / top);
                        double y = baseY - h;
                        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>",
                                bx, y, BAR, h, COLORS[bi % COLORS.length],
                                esc(String.format(Locale.ROOT, "%s %s %s: %.2f ± %.2f t/s", m, b, test, r.avgTs(), r.stddevTs()))));
                        if (r.stddevTs() > 0) {
                            double yHi = baseY - plotH * ((r.avgTs() + r.stddevTs()) / top);
                            double yLo = baseY - plotH * (Math.max(0, r.avgTs() - r.stddevTs()) / top);
                            int cx = bx + BAR / 2;
                            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#222222\"/>", cx, yHi, cx, yLo));
                            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#222222\"/>", cx - 4, yHi, cx + 4, yHi));
                        }
                        double labelY = baseY - plotH * ((r.avgTs() + r.stddevTs()) / top) - 4;
                        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%s</text>%n",
                                bx + BAR / 2, labelY, num(r.avgTs())));
                    }
                    bx += BAR + BAR_GAP;
                    bi++;
                }
                // model label under the group, split into at most two lines
                List<String> lines = twoLines(m, Math.max(10, (groupW + GROUP_GAP) / 6));
                for (int i = 0; i < lines.size(); i++)
                    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                            gx + groupW / 2, baseY + 16 + 13 * i, esc(lines.get(i))));
                gx += groupW + GROUP_GAP;
            }
            y0 += PANEL_H + LABEL_H;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /** Writes the chart to {@code file} (through a temporary file, so a failed write leaves no half file). */
    public static void write(List<BenchResult> results, String title, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, render(results, title), StandardCharsets.UTF_8);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The smallest 1, 2, 2.5 or 5 × 10^k at or above {@code v} (1 for v ≤ 0). */
    static double niceCeil(double v) {
        if (!(v > 0)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * p >= v * (1 - 1e-12)) return m * p;
        return 10 * p;
    }

    static String num(double v) {
        if (v >= 100 || v == Math.rint(v)) return String.format(Locale.ROOT, "%.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static List<String> twoLines(String s, int max) {
        if (s.length() <= max) return List.of(s);
        int cut = s.lastIndexOf(' ', max);
        if (cut <= 0) cut = Math.min(max, s.length());
        List<String> l = new ArrayList<>();
        l.add(s.substring(0, cut).trim());
        l.add(s.substring(cut).trim());
        return l;
    }

    /** XML text/attribute escaping; characters XML 1.0 forbids become U+FFFD. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }
}
