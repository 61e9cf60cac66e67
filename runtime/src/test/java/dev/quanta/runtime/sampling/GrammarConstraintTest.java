package dev.quanta.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.runtime.grammar.Grammar;
import dev.quanta.runtime.grammar.GrammarVocabulary;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Masking logits, accepting tokens, end tokens and the end of a grammar, on a small vocabulary. */
class GrammarConstraintTest {
    // 0 = EOS, 1 = control (never allowed), then texts
    static final GrammarVocabulary VOCAB = GrammarVocabulary.ofStrings(
            Arrays.asList("</s>", null, "a", "b", "ab", "c", "abc", " "), 0);

    static float[] ones(int n) {
        float[] l = new float[n];
        Arrays.fill(l, 1f);
        return l;
    }

    static List<Integer> allowed(float[] l) {
        return java.util.stream.IntStream.range(0, l.length).filter(i -> l[i] != Float.NEGATIVE_INFINITY).boxed().toList();
    }

    @Test
    void masksExactlyTheForbiddenTokensAndEndsWhenComplete() {
        GrammarConstraint g = new GrammarConstraint(Grammar.parse("root ::= \"a\" \"b\"? \"c\""), VOCAB);
        float[] l = ones(10); // wider than the vocabulary: the extra ids are masked too
        g.applyMask(l);
        assertEquals(List.of(2, 4, 6), allowed(l)); // a, ab, abc
        assertEquals(3, g.allowedCount());
        g.accept(2);
        l = ones(8);
        g.applyMask(l);
        assertEquals(List.of(3, 5), allowed(l)); // b, c; no EOS yet
        assertFalse(g.isComplete());
        g.accept(5);
        assertTrue(g.isComplete());
        assertTrue(g.isDone(), "complete and nothing can follow");
        l = ones(8);
        g.applyMask(l);
        assertEquals(List.of(0), allowed(l)); // only EOS
        g.accept(0);
        assertTrue(g.isDone());
        assertThrows(IllegalStateException.class, () -> g.applyMask(ones(8)));
    }

    @Test
    void endTokenAllowedExactlyWhenComplete() {
        GrammarConstraint g = new GrammarConstraint(Grammar.parse("root ::= \"a\"+"), VOCAB);
        assertFalse(g.allows(0));
        g.accept(2);
        assertTrue(g.isComplete());
        assertFalse(g.isDone(), "more a's may follow");
        assertTrue(g.allows(0) && g.allows(2) && !g.allows(3) && !g.allows(1));
        assertThrows(IllegalArgumentException.class, () -> g.accept(3));
        assertEquals(1, g.acceptedTokens());
    }

    @Test
    void textTheVocabularyCannotSpellIsAnError() {
        GrammarConstraint g = new GrammarConstraint(Grammar.parse("root ::= \"x\""), VOCAB);
        assertEquals(0, g.allowedCount());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.applyMask(ones(8)));
        assertTrue(e.getMessage().contains("no token"), e.getMessage());
    }

    @Test
    void specsConvert() {
        assertTrue(GrammarSpec.jsonObject().toGbnf().gbnf().contains("root ::= object"));
        assertEquals("root ::= \"a\"", GrammarSpec.gbnf("root ::= \"a\"").toGbnf().gbnf());
        assertTrue(GrammarSpec.jsonSchema("{\"type\": \"integer\"}").toGbnf().gbnf().startsWith("root ::= "));
        assertThrows(IllegalArgumentException.class, () -> GrammarSpec.gbnf(" "));
    }
}
