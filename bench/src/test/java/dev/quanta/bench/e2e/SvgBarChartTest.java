package dev.quanta.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SvgBarChartTest {
    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static List<BenchResult> results() {
        return List.of(
                Fixtures.result("a", "llama 1B Q4_0", "CPU", 512, 0, 1_000_000_000L, 1_100_000_000L),
                Fixtures.result("a", "llama 1B Q4_0", "CPU", 0, 128, 4_000_000_000L),
                Fixtures.result("b", "llama 1B <F16> & \"x\"", "CPU", 512, 0, 3_000_000_000L),
                Fixtures.result("b", "llama 1B <F16> & \"x\"", "CPU", 0, 128, 8_000_000_000L),
                Fixtures.result("a", "llama 1B Q4_0", "OpenCL", 512, 0, 2_000_000_000L),
                Fixtures.result("a", "llama 1B Q4_0", "OpenCL", 0, 128, 9_000_000_000L));
    }

    @Test
    void wellFormedSvgWithOneBarPerResult() throws Exception {
        String svg = SvgBarChart.render(results(), "t/s <test> & more");
        Document d = parse(svg);
        Element root = d.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        NodeList rects = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        int bars = 0;
        for (int i = 0; i < rects.getLength(); i++) if (rects.item(i).getFirstChild() != null) bars++; // bars carry a <title>
        assertEquals(results().size(), bars);
        assertTrue(svg.contains("pp512 (tokens/s)") && svg.contains("tg128 (tokens/s)"));
        assertTrue(svg.contains("&lt;F16&gt; &amp; &quot;x&quot;"), "model names are escaped");
        // bar heights are proportional to t/s within a panel: the title of each bar carries its figures
        assertTrue(svg.contains("llama 1B Q4_0 CPU pp512: 488.73 ± 32.91 t/s"), svg);
    }

    @Test
    void referencesNothingOutsideTheFile() {
        String svg = SvgBarChart.render(results(), "x");
        String withoutNs = svg.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assertFalse(withoutNs.contains("http"), "no external URL");
        assertFalse(svg.contains("href"), "no links or images");
        assertFalse(svg.contains("<script"), "no scripts");
    }

    @Test
    void emptyAndSingleResultsStillWellFormed() throws Exception {
        parse(SvgBarChart.render(List.of(), "none"));
        parse(SvgBarChart.render(List.of(Fixtures.result("a", "m", "CPU", 8, 0, 1)), "one"));
    }

    @Test
    void writesAtomically(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("chart.svg");
        SvgBarChart.write(results(), "t", f);
        parse(Files.readString(f));
        assertEquals(1, Files.list(dir).count(), "no temporary file left");
    }

    @Test
    void axisTopIsANiceNumber() {
        assertEquals(1, SvgBarChart.niceCeil(0));
        assertEquals(1000, SvgBarChart.niceCeil(522.05));
        assertEquals(500, SvgBarChart.niceCeil(450));
        assertEquals(250, SvgBarChart.niceCeil(240));
        assertEquals(200, SvgBarChart.niceCeil(180));
        assertEquals(100, SvgBarChart.niceCeil(100));
        assertEquals(0.5, SvgBarChart.niceCeil(0.42), 1e-12);
    }
}
