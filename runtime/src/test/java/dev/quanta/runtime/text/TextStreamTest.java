package dev.quanta.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {
    @Test
    void utf8CharactersSplitOverTokensAreHeldUntilComplete() {
        byte[] e = "é€😀".getBytes(StandardCharsets.UTF_8); // 2 + 3 + 4 bytes
        Utf8Stream u = new Utf8Stream();
        StringBuilder out = new StringBuilder();
        for (byte b : e) {
            String s = u.push(new byte[] {b});
            for (char c : s.toCharArray()) assertTrue(c != '\uFFFD');
            out.append(s);
        }
        assertEquals("é€😀", out.toString());
        assertEquals("", u.flush());
        assertEquals("a", u.push(new byte[] {'a', (byte) 0xE2}));
        assertEquals("\uFFFD", u.flush());
    }

    @Test
    void stopStringsAreHeldBackAndCut() {
        StopMatcher m = new StopMatcher(List.of("User:", "###"));
        StringBuilder out = new StringBuilder();
        for (String piece : new String[] {"Hello", " Us", "ually", " fine.", "\nUs", "er", ": next"}) out.append(m.push(piece));
        assertTrue(m.stopped());
        assertEquals("User:", m.matched());
        assertEquals("Hello Usually fine.\n", out.toString());
        StopMatcher n = new StopMatcher(List.of("###"));
        assertEquals("a", n.push("a#"));
        assertEquals("", n.push("#"));
        assertEquals("##", n.flush());
    }

    @Test
    void gpt2ByteLevelPiecesDecodeToBytes() {
        assertEquals(" hello", new String(GgufVocab.byteLevelDecode("Ġhello"), StandardCharsets.UTF_8));
        assertEquals("\n", new String(GgufVocab.byteLevelDecode("Ċ"), StandardCharsets.UTF_8));
    }
}
