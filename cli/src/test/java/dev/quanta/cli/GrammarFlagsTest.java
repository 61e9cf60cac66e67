package dev.quanta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarMatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run/chat with --grammar-file, --json-schema and --json on stories260K. */
class GrammarFlagsTest {
    static String stories() {
        return TestData.require("stories260K/stories260K.gguf").toString();
    }

    @Test
    void grammarFileConstrainsRun(@TempDir Path dir) throws IOException {
        Path g = dir.resolve("g.gbnf");
        Files.writeString(g, "root ::= (\"cat\" | \"dog\") \" \" [0-9]{2}\n");
        CliHarness.Result r = CliHarness.run("run", "-m", stories(), "-p", "Pet:", "--no-echo", "--seed", "3",
                "--grammar-file", g.toString(), "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertTrue(Pattern.matches("(cat|dog) [0-9]{2}\\s*", r.out()), r.out());
    }

    @Test
    void jsonSchemaAsTextOrFile(@TempDir Path dir) throws IOException {
        String schema = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":9}},\"required\":[\"n\"],\"additionalProperties\":false}";
        Path f = dir.resolve("s.json");
        Files.writeString(f, schema);
        for (String arg : new String[] {schema, f.toString()}) {
            CliHarness.Result r = CliHarness.run("run", "-m", stories(), "-p", "Data:", "--no-echo", "--seed", "5", "--temp", "1",
                    "--json-schema", arg, "--backend", "reference");
            assertEquals(0, r.code(), r.err());
            assertTrue(Pattern.matches("\\{\\s*\"n\"\\s*:\\s*[1-9]\\s*}\\s*", r.out()), r.out());
        }
    }

    @Test
    void jsonFlagGivesAJsonObjectPrefix() {
        CliHarness.Result r = CliHarness.run("run", "-m", stories(), "-p", "x", "--no-echo", "-n", "30", "--seed", "2", "--json",
                "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        GrammarMatcher m = Grammar.parse(dev.quanta.runtime.grammar.JsonSchemaGrammar.JSON_OBJECT_GBNF).matcher();
        assertTrue(r.out().startsWith("{") && m.acceptString(r.out().stripTrailing()), r.out());
    }

    @Test
    void chatTakesTheFlagsToo() {
        CliHarness.Result r = CliHarness.runWithInput("hello\n/exit\n", "chat", "-m", stories(), "--seed", "1",
                "--json-schema", "{\"enum\": [\"yes\", \"no\"]}", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"yes\"") || r.out().contains("\"no\""), r.out());
    }

    @Test
    void badGrammarIsOneLine(@TempDir Path dir) throws IOException {
        Path g = dir.resolve("bad.gbnf");
        Files.writeString(g, "root ::= \"a\" (\n");
        RunCommandTest.assertOneLineError(CliHarness.run("run", "-m", stories(), "-p", "x", "--grammar-file", g.toString(),
                "--backend", "reference"), "invalid grammar", "line 1");
        RunCommandTest.assertOneLineError(CliHarness.run("run", "-m", stories(), "-p", "x", "--grammar-file",
                dir.resolve("none.gbnf").toString()), "--grammar-file", "no such file");
        RunCommandTest.assertOneLineError(CliHarness.run("run", "-m", stories(), "-p", "x", "--json", "--json-schema", "{}"),
                "exclusive");
        RunCommandTest.assertOneLineError(CliHarness.run("run", "-m", stories(), "-p", "x", "--json-schema", "{\"type\": \"object\", \"not\": {}}",
                "--backend", "reference"), "invalid JSON Schema", "'not'");
    }
}
