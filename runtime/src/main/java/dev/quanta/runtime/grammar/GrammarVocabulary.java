package dev.quanta.runtime.grammar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A model's vocabulary as the grammar sees it: each token's text as raw bytes (already decoded
 * from the tokenizer's storage form: GPT-2 byte symbols mapped back to bytes, SentencePiece
 * {@code ▁} to a space, {@code <0xE2>} byte tokens to the single byte 0xE2), plus which tokens
 * end the generation. Tokens given as {@code null} or empty (control tokens that are not
 * end-of-generation) are never allowed by a grammar.
 *
 * <p>Builds a byte trie of all token texts once (in preorder, so a mask walk is a linear scan
 * that skips dead subtrees). Immutable; share one per model across requests: grammars cache
 * their token masks per vocabulary instance.
 */
public final class GrammarVocabulary {
    private final byte[][] tokens;
    private final boolean[] eog;
    private final int[] eogIds;

    // trie, nodes in preorder; node 0 is the root (empty prefix)
    final int nodeCount;
    final byte[] nodeByte;
    final int[] nodeDepth;
    final int[] nodeParent;
    final int[] subtreeEnd;
    final int[] tokOffset; // tokens ending at node n: tokIds[tokOffset[n] .. tokOffset[n+1])
    final int[] tokIds;
    final int maxDepth;

    private GrammarVocabulary(byte[][] tokens, int[] eogIds) {
        this.tokens = tokens;
        this.eog = new boolean[tokens.length];
        for (int id : eogIds) {
            if (id < 0 || id >= tokens.length) {
                throw new IllegalArgumentException("end-of-generation token id " + id + " outside the vocabulary (size " + tokens.length + ")");
            }
            eog[id] = true;
        }
        this.eogIds = Arrays.stream(eogIds).distinct().sorted().toArray();

        Integer[] order = new Integer[tokens.length];
        int n = 0;
        for (int i = 0; i < tokens.length; i++) if (!eog[i] && tokens[i] != null && tokens[i].length > 0) order[n++] = i;
        Integer[] ids = Arrays.copyOf(order, n);
        Arrays.sort(ids, (a, b) -> Arrays.compareUnsigned(tokens[a], tokens[b]));

        int cap = 1024;
        byte[] nb = new byte[cap];
        int[] nd = new int[cap], np = new int[cap], se = new int[cap], tokNode = new int[n];
        int count = 1; // root
        int[] path = new int[1]; // node ids by depth along the current path
        path[0] = 0;
        int pathLen = 1;
        byte[] prev = new byte[0];
        int maxD = 0;
        for (int t = 0; t < n; t++) {
            byte[] s = tokens[ids[t]];
            int lcp = 0;
            int lim = Math.min(prev.length, s.length);
            while (lcp < lim && prev[lcp] == s[lcp]) lcp++;
            while (pathLen > lcp + 1) se[path[--pathLen]] = count; // close nodes off the shared prefix
            for (int d = lcp; d < s.length; d++) {
                if (count == cap) {
                    cap *= 2;
                    nb = Arrays.copyOf(nb, cap); nd = Arrays.copyOf(nd, cap); np = Arrays.copyOf(np, cap); se = Arrays.copyOf(se, cap);
                }
                nb[count] = s[d];
                nd[count] = d + 1;
                np[count] = path[pathLen - 1];
                if (pathLen == path.length) path = Arrays.copyOf(path, path.length * 2);
                path[pathLen++] = count;
                count++;
            }
            tokNode[t] = path[pathLen - 1];
            maxD = Math.max(maxD, s.length);
            prev = s;
        }
        while (pathLen > 0) se[path[--pathLen]] = count;
        this.nodeCount = count;
        this.nodeByte = Arrays.copyOf(nb, count);
        this.nodeDepth = Arrays.copyOf(nd, count);
        this.nodeParent = Arrays.copyOf(np, count);
        this.subtreeEnd = Arrays.copyOf(se, count);
        this.maxDepth = maxD;
        this.tokOffset = new int[count + 1];
        for (int t = 0; t < n; t++) tokOffset[tokNode[t] + 1]++;
        for (int i = 0; i < count; i++) tokOffset[i + 1] += tokOffset[i];
        this.tokIds = new int[n];
        int[] fill = Arrays.copyOf(tokOffset, count);
        for (int t = 0; t < n; t++) tokIds[fill[tokNode[t]]++] = ids[t];
    }

    /**
     * A vocabulary from raw token bytes (index = token id; null or empty = never allowed).
     *
     * @param eogTokenIds the end-of-generation tokens (EOS, EOT, ...): allowed exactly when the
     *     grammar is complete
     */
    public static GrammarVocabulary of(byte[][] tokenBytes, int... eogTokenIds) {
        return new GrammarVocabulary(tokenBytes.clone(), eogTokenIds);
    }

    /** A vocabulary from token texts, encoded as UTF-8 (null = never allowed). */
    public static GrammarVocabulary ofStrings(List<String> texts, int... eogTokenIds) {
        byte[][] b = new byte[texts.size()][];
        for (int i = 0; i < b.length; i++) b[i] = texts.get(i) == null ? null : texts.get(i).getBytes(StandardCharsets.UTF_8);
        return new GrammarVocabulary(b, eogTokenIds);
    }

    /**
     * A vocabulary from GGUF tokenizer metadata ({@code tokenizer.ggml.model}, {@code .tokens},
     * {@code .token_type}): for {@code gpt2} (byte-level BPE) each token's GPT-2 byte symbols are
     * mapped back to bytes; otherwise (SentencePiece) {@code ▁} becomes a space and byte tokens
     * {@code <0xNN>} the byte NN. Control (3), unknown (2) and unused (5) tokens are never allowed,
     * except those listed in {@code eogTokenIds}.
     */
    public static GrammarVocabulary fromGgufTokens(String model, String[] tokens, int[] tokenTypes, int... eogTokenIds) {
        int[] byteOf = gpt2ByteDecoder();
        byte[][] bytes = new byte[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            int type = tokenTypes == null ? 1 : tokenTypes[i];
            if (type == 2 || type == 3 || type == 5) continue;
            String t = tokens[i];
            if ("gpt2".equals(model)) {
                byte[] b = new byte[t.length()];
                boolean ok = true;
                for (int k = 0; k < t.length() && ok; k++) {
                    char c = t.charAt(k);
                    ok = c < byteOf.length && byteOf[c] >= 0;
                    if (ok) b[k] = (byte) byteOf[c];
                }
                bytes[i] = ok ? b : t.getBytes(StandardCharsets.UTF_8); // user-defined tokens are plain text
            } else if (type == 6 && t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
                bytes[i] = new byte[] {(byte) Integer.parseInt(t.substring(3, 5), 16)};
            } else {
                bytes[i] = t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            }
        }
        return new GrammarVocabulary(bytes, eogTokenIds);
    }

    /** GPT-2's bytes_to_unicode table inverted: symbol char -> byte, -1 where a char is no byte symbol. */
    private static int[] gpt2ByteDecoder() {
        int[] inv = new int[324];
        Arrays.fill(inv, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (printable) inv[b] = b;
            else inv[256 + n++] = b;
        }
        return inv;
    }

    /** Number of token ids (the mask length). */
    public int size() {
        return tokens.length;
    }

    /** The bytes of a token (null for control tokens). */
    public byte[] tokenBytes(int id) {
        return tokens[id];
    }

    public boolean isEndOfGeneration(int id) {
        return eog[id];
    }

    int[] eogIds() {
        return eogIds;
    }

    /** Number of trie nodes (for reports). */
    public int trieNodes() {
        return nodeCount;
    }
}
