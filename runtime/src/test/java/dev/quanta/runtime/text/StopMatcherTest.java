package dev.quanta.runtime.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {
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
}
