package dev.quanta.runtime.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Token-level masks on a small synthetic vocabulary: multi-character tokens, tokens spanning
 * grammar elements, tokens ending mid-UTF-8 character, byte tokens, and end-of-generation.
 * The mask is checked against brute force (try every token on a copy of the matcher).
 */
class GrammarTokenTest {
    static final int EOS = 0;

    /** Token texts as bytes; id 0 = EOS, id 1 = a control token (null), the rest real text. */
    static byte[][] vocabulary() {
        List<byte[]> t = new ArrayList<>();
        t.add(new byte[0]); // EOS (text irrelevant)
        t.add(null);        // a control token that is not end-of-generation
        for (int c = 0x20; c < 0x7F; c++) t.add(new byte[] {(byte) c});
        t.add(new byte[] {'\n'});
        for (String s : new String[] {"{\"", "\":", "\",", "\"}", "\":\"", "true", "false", "null", "12", "3.", ".5", "e+",
                "\"a", "ab", "abc", "bc", " \"", ", \"", "},", "}]", "[{", "[[", "]]", "\n  ", "\\n", "\\\"", "\\u00", "1,2", "+1",
                "é", "中", "😀", "中文", "é\"", "ro", "root"}) {
            t.add(s.getBytes(StandardCharsets.UTF_8));
        }
        byte[] zh = "中".getBytes(StandardCharsets.UTF_8); // E4 B8 AD
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8); // F0 9F 98 80
        t.add(new byte[] {zh[0], zh[1]});          // first two bytes of 中
        t.add(new byte[] {zh[2]});                 // its last byte
        t.add(new byte[] {zh[2], '"'});            // last byte of 中 then a quote
        t.add(new byte[] {emoji[0]});              // byte tokens like <0xF0>
        t.add(new byte[] {emoji[1]});
        t.add(new byte[] {emoji[2], emoji[3]});
        for (int b = 0x80; b < 0x100; b += 7) t.add(new byte[] {(byte) b}); // more lone bytes
        t.add(new byte[] {(byte) 0xC0, (byte) 0x80}); // overlong encoding: never valid UTF-8
        t.add(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}); // encoded surrogate: never valid
        return t.toArray(byte[][]::new);
    }

    static final GrammarVocabulary VOCAB = GrammarVocabulary.of(vocabulary(), EOS);

    static int id(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < VOCAB.size(); i++) if (VOCAB.tokenBytes(i) != null && java.util.Arrays.equals(VOCAB.tokenBytes(i), b)) return i;
        throw new AssertionError("no token " + s);
    }

    static int idBytes(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        for (int i = 0; i < VOCAB.size(); i++) if (VOCAB.tokenBytes(i) != null && java.util.Arrays.equals(VOCAB.tokenBytes(i), b)) return i;
        throw new AssertionError("no such byte token");
    }

    static BitSet bruteForce(GrammarMatcher m) {
        BitSet b = new BitSet();
        for (int i = 0; i < VOCAB.size(); i++) if (m.copy().tryAccept(i)) b.set(i);
        return b;
    }

    static BitSet mask(GrammarMatcher m) {
        BitSet b = new BitSet();
        m.fillMask(b);
        return b;
    }

    @Test
    void multiCharAndSpanningTokens() {
        Grammar g = Grammar.parse(JsonSchemaGrammar.JSON_VALUE_GBNF);
        GrammarMatcher m = g.matcher(VOCAB);
        BitSet allowed = mask(m);
        assertTrue(allowed.get(id("{\"")), "'{\"' opens an object and a key");
        assertTrue(allowed.get(id("[{")));
        assertTrue(allowed.get(id("true")));
        assertTrue(allowed.get(id("12")));
        assertFalse(allowed.get(id("}]")));
        assertFalse(allowed.get(id("ab")));
        assertFalse(allowed.get(EOS), "nothing generated yet: not complete");
        assertFalse(allowed.get(1), "control tokens are never allowed");
        m.accept(id("{\""));
        m.accept(id("abc"));
        allowed = mask(m);
        assertTrue(allowed.get(id("\":")), "closing the key and the colon in one token");
        assertTrue(allowed.get(id("\":\"")), "spans key end, colon and the next string's opening quote");
        assertFalse(allowed.get(id("\",")), "a key cannot be followed by a comma");
        m.accept(id("\":"));
        m.accept(id("12"));
        allowed = mask(m);
        assertTrue(allowed.get(id("3.")));
        assertTrue(allowed.get(id("},")) == false, "'},' leaves no enclosing container for the comma");
        assertTrue(allowed.get(id("}")));
        assertTrue(allowed.get(id("e+")));
        assertFalse(allowed.get(EOS));
        m.accept(id("}"));
        allowed = mask(m);
        assertTrue(allowed.get(EOS), "complete: end of generation allowed");
        assertEquals(bruteForce(m), allowed);
        m.accept(EOS);
        assertTrue(m.isEnded());
        assertTrue(mask(m).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> m.accept(id("1")));
    }

    @Test
    void partialUtf8AndByteTokens() {
        Grammar g = Grammar.parse("root ::= \"\\\"\" [^\"]* \"\\\"\"");
        GrammarMatcher m = g.matcher(VOCAB);
        m.accept(id("\""));
        int firstTwo = idBytes(0xE4, 0xB8), last = idBytes(0xAD), lastQuote = idBytes(0xAD, '"');
        int f0 = idBytes(0xF0), x9f = idBytes(0x9F), tail = idBytes(0x98, 0x80);
        BitSet allowed = mask(m);
        assertTrue(allowed.get(firstTwo), "a token may end in the middle of a character");
        assertTrue(allowed.get(f0), "a lead byte alone");
        assertFalse(allowed.get(last), "a continuation byte cannot start a character");
        assertFalse(allowed.get(idBytes(0xC0, 0x80)), "overlong encodings are not UTF-8");
        assertFalse(allowed.get(idBytes(0xED, 0xA0, 0x80)), "encoded surrogates are not UTF-8");
        assertEquals(bruteForce(m), allowed);

        m.accept(firstTwo);
        allowed = mask(m);
        assertTrue(allowed.get(last));
        assertTrue(allowed.get(lastQuote), "finishing the character and closing the string in one token");
        assertFalse(allowed.get(id("a")), "mid-character: ASCII is not allowed");
        assertFalse(allowed.get(id("\"")), "mid-character: the closing quote is not allowed");
        assertFalse(allowed.get(EOS));
        assertEquals(bruteForce(m), allowed);
        allowed.stream().forEach(i -> {
            int b0 = VOCAB.tokenBytes(i)[0] & 0xFF;
            assertTrue(b0 >= 0x80 && b0 <= 0xBF, "every allowed token continues the character");
        });

        m.accept(last);
        m.accept(f0);
        allowed = mask(m);
        assertTrue(allowed.get(x9f));
        assertTrue(allowed.get(tail), "F0 98 80 is a valid prefix of a 4-byte character");
        assertFalse(allowed.get(idBytes(0x87)), "0x87 cannot follow F0 (that would be an overlong encoding)");
        m.accept(x9f);
        assertTrue(mask(m).get(tail));
        m.accept(tail);
        m.accept(id("\""));
        assertTrue(mask(m).get(EOS));
        assertTrue(m.isComplete());
    }

    @Test
    void endOfGenerationExactlyWhenComplete() {
        Grammar g = Grammar.parse("root ::= \"ab\" \"c\"?");
        GrammarMatcher m = g.matcher(VOCAB);
        assertFalse(mask(m).get(EOS));
        m.accept(id("ab"));
        BitSet allowed = mask(m);
        assertTrue(allowed.get(EOS));
        assertTrue(allowed.get(id("c")));
        assertEquals(2, allowed.cardinality());
        m.accept(id("c"));
        allowed = mask(m);
        assertEquals(1, allowed.cardinality(), "only EOS is left");
        assertTrue(allowed.get(EOS));
        assertFalse(m.canContinue());
    }

    @Test
    void booleanMaskMatchesBitSet() {
        GrammarMatcher m = Grammar.parse(GrammarCorpusTest.ARITH).matcher(VOCAB);
        m.accept(id("12"));
        boolean[] b = new boolean[VOCAB.size()];
        m.fillMask(b);
        BitSet bs = mask(m);
        for (int i = 0; i < b.length; i++) assertEquals(bs.get(i), b[i], "token " + i);
        assertTrue(b[id("+1")]);
        assertTrue(b[EOS]);
    }

    /** Random walks through several grammars: at every step the mask equals brute force. */
    @Test
    void maskEqualsBruteForceOnRandomWalks() {
        long seed = TestData.seed("GrammarTokenTest.maskEqualsBruteForceOnRandomWalks", 1234);
        Random rnd = new Random(seed);
        String[] grammars = {JsonSchemaGrammar.JSON_VALUE_GBNF, GrammarCorpusTest.ARITH, GrammarCorpusTest.CHESS,
                GrammarCorpusTest.C_LIKE, "root ::= ([^\"\\\\] | \"\\\\\" [n\"])* \"\\\"\"", "root ::= \"root\" | [a-z]+ (\", \" [a-z]+)*",
                JsonSchemaGrammar.fromSchema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLength\":3},"
                        + "\"b\":{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}}},\"required\":[\"a\"]}").gbnf()};
        int steps = 0;
        for (String gbnf : grammars) {
            Grammar g = Grammar.parse(gbnf);
            for (int walk = 0; walk < 6; walk++) {
                GrammarMatcher m = g.matcher(VOCAB);
                for (int step = 0; step < 40; step++) {
                    BitSet allowed = mask(m);
                    assertEquals(bruteForce(m), allowed, () -> "mask differs from brute force in\n" + gbnf);
                    steps++;
                    if (allowed.isEmpty()) break;
                    int[] ids = allowed.stream().toArray();
                    int pick = ids[rnd.nextInt(ids.length)];
                    m.accept(pick);
                    if (m.isEnded()) break;
                }
            }
        }
        assertTrue(steps > 100);
    }
}
