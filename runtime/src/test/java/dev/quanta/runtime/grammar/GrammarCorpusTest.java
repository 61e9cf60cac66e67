package dev.quanta.runtime.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A corpus of grammars with strings each must accept (as complete sentences) or refuse; no model involved. */
class GrammarCorpusTest {

    static boolean accepts(Grammar g, String s) {
        GrammarMatcher m = g.matcher();
        return m.acceptString(s) && m.isComplete();
    }

    static void check(String gbnf, List<String> good, List<String> bad) {
        Grammar g = Grammar.parse(gbnf);
        for (String s : good) assertTrue(accepts(g, s), () -> "should accept " + show(s) + "\n" + gbnf);
        for (String s : bad) assertFalse(accepts(g, s), () -> "should refuse " + show(s) + "\n" + gbnf);
    }

    static String show(String s) {
        return "'" + s.replace("\n", "\\n") + "'";
    }

    static final String ARITH = """
            # arithmetic with precedence, right-recursive repetition
            root   ::= expr
            expr   ::= term (ws [-+] ws term)*
            term   ::= factor (ws [*/] ws factor)*
            factor ::= number | "(" ws expr ws ")" | "-" factor
            number ::= [0-9]+ ("." [0-9]+)?
            ws     ::= [ \\t]*
            """;

    @Test
    void arithmetic() {
        check(ARITH, List.of("1", "1+2*3", "(1 + 2) * 3.5", "-(4/2)", "--1", "((((7))))", "1 +\t2"),
                List.of("", "1+", "+1", "(1", "1)", "1..2", "1 2", "a", "1+2*", "()"));
    }

    @Test
    void jsonGrammar() {
        check(JsonSchemaGrammar.JSON_VALUE_GBNF,
                List.of("{}", "[]", "\"\"", "0", "-0.5e+10", "true", "null", "{\"a\": [1, 2, {\"b\": null}]}",
                        "[\"é中😀\", \"\\u00e9\\n\\\"\"]", "{\n  \"k\": false\n}", "123"),
                List.of("{", "[1,]", "{\"a\"}", "{'a': 1}", "01", "\"\\x\"", "tru", "[1 2]", "\"a\nb\"", "{\"a\":1,}", "1.", "\"\\ud800\""));
    }

    @Test
    void listsAndRepetitionCounts() {
        check("""
                root ::= item ("," item){2,4}
                item ::= [a-z]{1,3} | [0-9]{3}
                """,
                List.of("a,b,c", "abc,123,x,yz", "a,b,c,d,e"),
                List.of("a,b", "a,b,c,d,e,f", "abcd,b,c", "12,b,c", "a,,b"));
        check("root ::= \"x\"{3} \"y\"{2,} \"z\"{,2}", List.of("xxxyy", "xxxyyyyz", "xxxyyzz"), List.of("xxyy", "xxxy", "xxxyyzzz"));
        check("root ::= (\"ab\" | \"c\")? \"d\"+", List.of("d", "abd", "cddd"), List.of("", "abcd", "ab"));
    }

    static final String CHESS = """
            root   ::= move (" " move)*
            move   ::= castle check? | piece? disamb? capture? square promo? check?
            castle ::= "O-O" "-O"?
            piece  ::= [KQRBN]
            disamb ::= [a-h] | [1-8] | [a-h] [1-8]
            capture ::= "x"
            square ::= [a-h] [1-8]
            promo  ::= "=" [QRBN]
            check  ::= [+#]
            """;

    @Test
    void chessMoves() {
        check(CHESS, List.of("e4", "e4 e5 Nf3 Nc6", "Bxe5+", "O-O", "O-O-O#", "exd8=Q+", "Nbd7", "R1a3"),
                List.of("e9", "Ki1", "O-O-O-O", "e4  e5", "Px", "e8=K", "xe4x"));
    }

    static final String C_LIKE = """
            root      ::= (ws decl)* ws
            decl      ::= type ws ident ws "(" ws params? ws ")" ws block
            params    ::= type ws ident (ws "," ws type ws ident)*
            type      ::= "int" | "void" | "char" ws "*"
            block     ::= "{" (ws stmt)* ws "}"
            stmt      ::= "return" (ws1 expr)? ws ";" | type ws ident (ws "=" ws expr)? ws ";" | ident ws "=" ws expr ws ";" | block
            expr      ::= operand (ws [-+*<] ws operand)*
            operand   ::= ident | [0-9]+ | ident ws "(" ws (expr (ws "," ws expr)*)? ws ")"
            ident     ::= [a-zA-Z_] [a-zA-Z_0-9]*
            ws        ::= ([ \\t\\n] | "//" [^\\n]* "\\n")*
            ws1       ::= [ \\t\\n]+
            """;

    @Test
    void cLike() {
        check(C_LIKE,
                List.of("int main() { return 0; }", "void f(int a, char *s) {\n  int x = a + 1; // note\n  x = g(x, 2);\n  { return; }\n}\n",
                        "", "int f(){}"),
                List.of("int main() { return 0 }", "int 1x() {}", "int f() { x = ; }", "float f() {}", "int f() {"));
    }

    @Test
    void classesEscapesAndUnicode() {
        check("root ::= [^\"\\\\]+", List.of("abc", "é", "中文", "😀x"), List.of("a\"", "\\", ""));
        check("root ::= \"\\x41\\u00e9\\U0001F600\\t\"", List.of("Aé😀\t"), List.of("A", "Aé😀"));
        check("root ::= [a-c\\]-] [\\x00-\\x1F]", List.of("a\n", "]\t", "-\u0000"), List.of("d\n", "aa"));
        check("root ::= . .", List.of("ab", "é中", "😀😀"), List.of("a", "abc"));
        check("root ::= [α-ω]+ \"!\"", List.of("αβγ!", "ω!"), List.of("a!", "Α!"));
    }

    @Test
    void commentsNewlinesAndContinuations() {
        check("""
                # a comment line
                root ::= ( "a"   # inside a group, newlines are fine
                         | "b" ) "c"    # trailing comment
                  | "d"
                other ::=
                  "x" | # after '::=' and '|' a line may break
                  "y"
                """, List.of("ac", "bc", "d"), List.of("a", "c", "dc"));
        fails("root ::= \"a\"\n  \"b\"", "line 2, column 3: expected a rule name");
    }

    @Test
    void ambiguousAndNullableRulesStayExact() {
        check("""
                root ::= a a a
                a ::= "x"? | "x" "y"?
                """, List.of("", "x", "xx", "xxx", "xyxyxy", "xxy"), List.of("xxxx", "yy", "xyy"));
        check("root ::= (\"a\"? \"b\"?)\"c\"", List.of("c", "ac", "bc", "abc"), List.of("bac", "abbc"));
    }

    static void fails(String gbnf, String fragment) {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.parse(gbnf), gbnf);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void malformedGrammarsNameLineAndColumn() {
        fails("root ::= \"abc", "line 1, column 10: unterminated string literal");
        fails("root ::= \"a\"\nx ::= [a-", "line 2, column 7: unterminated character class");
        fails("root ::= (\"a\" | \"b\"", "expected ')'");
        fails("root ::= \"a\" )", "line 1, column 14: unmatched ')'");
        fails("root := \"a\"", "line 1, column 6: expected '::=' after rule name 'root'");
        fails("root ::= *", "line 1, column 10: repetition operator '*' has nothing before it");
        fails("root ::= \"a\"{2,1}", "max below min");
        fails("root ::= \"a\"{x}", "expected a number");
        fails("root ::= [z-a]", "reversed");
        fails("root ::= \"\\q\"", "unknown escape");
        fails("root ::= \"\\x4\"", "2 hex digits");
        fails("::= \"a\"", "line 1, column 1: expected a rule name");
        fails("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule 'root' is defined twice");
        fails("root ::= \"a\"{200000}", "repetition count above");
    }

    @Test
    void semanticErrors() {
        fails("start ::= \"a\"", "no rule named 'root'");
        fails("root ::= \"a\" item\n", "line 1, column 14: rule 'item' is referenced but not defined");
        fails("root ::= expr\nexpr ::= expr \"+\" num | num\nnum ::= [0-9]", "left recursion: rule 'expr'");
        fails("root ::= a\na ::= b \"x\" | \"y\"\nb ::= \"\"? a", "left recursion: rule 'a' can reach itself without consuming input (a -> b -> a)");
        fails("root ::= \"a\" root", "accepts nothing");
        fails("root ::= [^\\x00-\\U0010FFFF]", "accepts nothing");
        fails("root ::= a | b\na ::= \"x\" a\nb ::= b2\nb2 ::= \"y\" b", "accepts nothing");
    }

    @Test
    void unproductiveAlternativesArePruned() {
        // 'loop' can never finish: a matcher must not wander into it
        Grammar g = Grammar.parse("root ::= \"a\" | loop\nloop ::= \"b\" loop");
        GrammarMatcher m = g.matcher();
        assertFalse(m.acceptString("b"));
        assertTrue(m.acceptString("a"));
        assertTrue(m.isComplete());
        assertFalse(m.canContinue());
    }

    @Test
    void matcherStateApi() {
        Grammar g = Grammar.parse(ARITH);
        GrammarMatcher m = g.matcher();
        assertFalse(m.isComplete());
        assertTrue(m.acceptString("1+"));
        assertFalse(m.isComplete());
        assertFalse(m.acceptString(")"), "refused input leaves the state unchanged");
        assertTrue(m.acceptString("2"));
        assertTrue(m.isComplete());
        assertTrue(m.canContinue());
        m.reset();
        assertFalse(m.isComplete());
        assertTrue(m.acceptString("7"));
        assertEquals(true, m.isComplete());
        assertThrows(IllegalStateException.class, () -> m.fillMask(new boolean[1]));
    }
}
