package dev.quanta.loader.tokenizer;

import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.loader.gguf.GgufValue;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A tokenizer built from a GGUF file's {@code tokenizer.ggml.*} metadata that produces the same
 * token ids as llama.cpp (src/llama-vocab.cpp): SentencePiece-style BPE ({@code llama}),
 * byte-level BPE with the pre-tokenizer of each {@code tokenizer.ggml.pre} ({@code gpt2}) and
 * WordPiece ({@code bert}).
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.fromGguf(file.metadata());
 * int[] ids = tok.encode("Hello world", true, true);   // BOS as the model wants, chat tokens parsed
 * String text = tok.decode(ids);
 * }</pre>
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Tokenizer {

    /** The tokenizer algorithm, from {@code tokenizer.ggml.model}. */
    public enum Kind {
        /** SentencePiece-style BPE with byte fallback ({@code llama}). */
        SPM,
        /** Byte-level BPE ({@code gpt2}). */
        BPE,
        /** WordPiece ({@code bert}). */
        WPM
    }

    // token attributes (llama_token_attr)
    static final int ATTR_UNKNOWN = 1, ATTR_UNUSED = 1 << 1, ATTR_NORMAL = 1 << 2, ATTR_CONTROL = 1 << 3,
            ATTR_USER_DEFINED = 1 << 4, ATTR_BYTE = 1 << 5, ATTR_LSTRIP = 1 << 7, ATTR_RSTRIP = 1 << 8;

    private static final String KEY = "tokenizer.ggml.";

    private final Kind kind;
    private final String pre;
    private final String[] tokens;
    private final float[] scores;
    private final int[] attrs;
    private final TokenMap map;
    private final int bos, eos, eot, eom, unk, sep, pad, mask, nl;
    private final int fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep;
    private final boolean addBos, addEos, addSpacePrefix, cleanSpaces, removeExtraWhitespaces;
    private final BitSet eog = new BitSet();
    private final int[] specialTokens; // control / user-defined / unknown, longest text first
    private final Map<Character, int[]> specialByFirst = new java.util.HashMap<>(); // first char -> indexes into specialTokens
    private final long[] specialFirstBits = new long[1024];                           // the chars that start a special token
    private final byte[][] pieces;      // token_to_piece(special = true)
    private final int[] byteTokens = new int[256];
    private final SpmModel spm;
    private final BpeModel bpe;
    private final WpmModel wpm;

    /**
     * Builds the tokenizer of a GGUF file (a model or a vocabulary-only file).
     *
     * @throws TokenizerException if the tokenizer keys are missing, malformed or of an unknown kind
     */
    public static Tokenizer fromGguf(GgufMetadata m) {
        return new Tokenizer(m);
    }

    /**
     * Builds the tokenizer with some metadata keys replaced or added, like llama.cpp's
     * {@code --override-kv}; e.g. {@code tokenizer.ggml.remove_extra_whitespaces = true} for a
     * SentencePiece model whose normalizer strips and collapses spaces but whose GGUF conversion
     * did not record it.
     */
    public static Tokenizer fromGguf(GgufMetadata m, Map<String, GgufValue> overrides) {
        LinkedHashMap<String, GgufValue> kv = new LinkedHashMap<>(m.asMap());
        kv.putAll(overrides);
        return new Tokenizer(new GgufMetadata(Path.of("(overridden metadata)"), kv));
    }

    private Tokenizer(GgufMetadata m) {
        if (!m.has(KEY + "model")) throw new TokenizerException("no tokenizer: metadata key '" + KEY + "model' is missing");
        String model = m.getString(KEY + "model");
        String preName = m.has(KEY + "pre") ? m.getString(KEY + "pre") : "";
        int bosId, eosId, unkId, sepId = -1, padId = -1, maskId = -1;
        boolean addBosD = false, addEosD = false, spacePrefixD = false, clean = false, ignoreMerges = false;
        switch (model) {
            case "llama" -> {
                kind = Kind.SPM;
                bosId = 1;
                eosId = 2;
                unkId = 0;
                spacePrefixD = true;
                addBosD = true;
            }
            case "gpt2" -> {
                kind = Kind.BPE;
                bosId = 11;
                eosId = 11;
                unkId = -1;
                clean = true;
            }
            case "bert" -> {
                kind = Kind.WPM;
                bosId = 101;
                eosId = -1;
                unkId = 100;
                sepId = 102;
                padId = 0;
                maskId = 103;
                clean = true;
                addBosD = true;
            }
            default -> throw new TokenizerException("unsupported tokenizer model '" + model + "' in key '" + KEY
                    + "model' (supported: llama, gpt2, bert)");
        }
        PreTokenizer preTok = null;
        if (kind == Kind.BPE) {
            String p = preName.isEmpty() ? "default" : preName;
            preTok = PreTokenizer.forPre(p);
            if (preTok == null) {
                throw new TokenizerException("unknown pre-tokenizer '" + preName + "' in key '" + KEY + "pre' (known: "
                        + String.join(", ", PreTokenizer.knownPreValues()) + ")");
            }
            switch (p) {
                case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2" -> {
                    ignoreMerges = true;
                    addBosD = true;
                }
                case "tekken" -> {
                    ignoreMerges = true;
                    addBosD = true;
                    clean = false;
                }
                case "chatglm-bpe", "glm4" -> bosId = -1;
                case "deepseek-llm", "deepseek-coder", "deepseek-v3", "command-r", "qwen2", "deepseek-r1-qwen", "kormo",
                     "poro-chat", "viking", "smollm", "gpt-4o", "llama4", "minimax-m2", "seed-coder", "hunyuan",
                     "hunyuan-dense", "grok-2" -> clean = false;
                default -> { }
            }
        }
        this.pre = kind == Kind.BPE ? (preName.isEmpty() ? "default" : preName) : null;
        boolean spacePrefix = m.getBool(KEY + "add_space_prefix", spacePrefixD);

        if (!m.has(KEY + "tokens")) throw new TokenizerException("metadata key '" + KEY + "tokens' is missing");
        String[] toks = m.getStringArray(KEY + "tokens").clone();
        int n = toks.length;
        if (n == 0) throw new TokenizerException("metadata key '" + KEY + "tokens' is empty");
        float[] sc = m.has(KEY + "scores") ? m.getFloatArray(KEY + "scores") : new float[n];
        if (sc.length != n) throw new TokenizerException("metadata key '" + KEY + "scores' has " + sc.length + " entries, expected " + n);
        int[] types = m.has(KEY + "token_type") ? m.getIntArray(KEY + "token_type") : null;
        if (types != null && types.length != n)
            throw new TokenizerException("metadata key '" + KEY + "token_type' has " + types.length + " entries, expected " + n);
        int[] at = new int[n];
        for (int i = 0; i < n; i++) {
            if (toks[i].isEmpty()) toks[i] = "[EMPTY_" + i + "]";
            at[i] = types == null ? ATTR_NORMAL : switch (types[i]) {
                case 1 -> ATTR_NORMAL;
                case 2 -> ATTR_UNKNOWN;
                case 3 -> ATTR_CONTROL;
                case 4 -> ATTR_USER_DEFINED;
                case 5 -> ATTR_UNUSED;
                case 6 -> ATTR_BYTE;
                default -> 0;
            };
        }
        this.tokens = toks;
        this.scores = sc;
        this.attrs = at;
        this.map = new TokenMap(toks);

        int[] ids = {bosId, eosId, -1, -1, unkId, sepId, padId, maskId, -1, -1, -1, -1, -1, -1};
        String[] keys = {"bos_token_id", "eos_token_id", "eot_token_id", "eom_token_id", "unknown_token_id", "seperator_token_id",
                "padding_token_id", "mask_token_id", "fim_pre_token_id", "fim_suf_token_id", "fim_mid_token_id", "fim_pad_token_id",
                "fim_rep_token_id", "fim_sep_token_id"};
        for (int k = 0; k < keys.length; k++) ids[k] = specialId(m, keys[k], ids[k], n);
        ids[8] = specialId(m, "prefix_token_id", ids[8], n);
        ids[9] = specialId(m, "suffix_token_id", ids[9], n);
        ids[10] = specialId(m, "middle_token_id", ids[10], n);
        this.addBos = m.getBool(KEY + "add_bos_token", addBosD);
        this.addEos = m.getBool(KEY + "add_eos_token", addEosD);
        this.addSpacePrefix = spacePrefix;
        this.cleanSpaces = clean;
        this.removeExtraWhitespaces = m.getBool(KEY + "remove_extra_whitespaces", false);

        // special tokens found by their text, as llama.cpp does
        if (ids[2] < 0) ids[2] = findText(List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                "<|end_of_text|>", "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>"));
        if (ids[3] < 0) ids[3] = findText(List.of("<|eom_id|>"));
        if (ids[8] < 0) ids[8] = findText(List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>"));
        if (ids[9] < 0) ids[9] = findText(List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>"));
        if (ids[10] < 0) ids[10] = findText(List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>"));
        if (ids[11] < 0) ids[11] = findText(List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>"));
        if (ids[12] < 0) ids[12] = findText(List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"));
        if (ids[13] < 0) ids[13] = findText(List.of("<|file_sep|>"));
        for (int k : new int[] {2, 3, 8, 9, 10, 11, 12, 13}) if (ids[k] >= 0) at[ids[k]] |= ATTR_CONTROL;
        this.bos = ids[0];
        this.eos = ids[1];
        this.eot = ids[2];
        this.eom = ids[3];
        this.unk = ids[4];
        this.sep = ids[5];
        this.pad = ids[6];
        this.mask = ids[7];
        this.fimPre = ids[8];
        this.fimSuf = ids[9];
        this.fimMid = ids[10];
        this.fimPad = ids[11];
        this.fimRep = ids[12];
        this.fimSep = ids[13];

        // end-of-generation set
        for (int id : new int[] {fimPad, fimRep, fimSep}) if (id >= 0) eog.set(id);
        Set<String> eogTexts = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
                "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>");
        for (String t : eogTexts) {
            int id = map.get(t);
            if (id >= 0) {
                eog.set(id);
                at[id] |= ATTR_CONTROL;
            }
        }
        for (int id : new int[] {eos, eot, eom}) if (id >= 0) eog.set(id);
        int endId = map.get("<|end|>"), returnId = map.get("<|return|>"), callId = map.get("<|call|>");
        if (endId >= 0 && returnId >= 0 && callId >= 0 && eog.get(endId) && eog.get(returnId) && eog.get(callId)) {
            eog.clear(endId); // gpt-oss: <|end|> ends a message, not the generation
            at[endId] = ATTR_USER_DEFINED;
        }

        // tokens matched before tokenization: control, user-defined and unknown, longest first
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < n; i++) if ((at[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0) special.add(i);
        int[] byteLen = new int[n];
        for (int id : special) byteLen[id] = toks[id].getBytes(StandardCharsets.UTF_8).length;
        special.sort((a, b) -> Integer.compare(byteLen[b], byteLen[a]));
        this.specialTokens = special.stream().mapToInt(Integer::intValue).toArray();
        Map<Character, List<Integer>> byFirst = new java.util.HashMap<>();
        for (int k = 0; k < specialTokens.length; k++) byFirst.computeIfAbsent(toks[specialTokens[k]].charAt(0), c -> new ArrayList<>()).add(k);
        for (Map.Entry<Character, List<Integer>> e : byFirst.entrySet()) {
            specialByFirst.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).toArray());
            char c = e.getKey();
            specialFirstBits[c >>> 6] |= 1L << c;
        }

        // per-model attribute quirks (llama.cpp sets these after the caches)
        String name = m.has("general.name") ? m.getString("general.name").toLowerCase(Locale.ROOT) : "";
        if (preName.contains("jina-v2-de") || preName.contains("jina-v2-es") || preName.contains("jina-v2-code")) {
            int id = map.get("<mask>");
            if (id >= 0) at[id] |= ATTR_LSTRIP;
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : specialTokens) at[id] |= ATTR_RSTRIP;
            int id = map.get("</s>");
            if (id >= 0) at[id] |= ATTR_RSTRIP;
            for (String t : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
                id = map.get(t);
                if (id >= 0) at[id] &= ~ATTR_RSTRIP;
            }
        }

        // byte tokens
        for (int b = 0; b < 256; b++) {
            if (kind == Kind.SPM) {
                int id = map.get(String.format("<0x%02X>", b));
                if (id < 0) id = map.get(String.valueOf((char) b));
                byteTokens[b] = id >= 0 ? id : unk;
            } else {
                byteTokens[b] = map.get(new String(Character.toChars(Unicode.byteToCodepoint(b))));
            }
        }

        // the tokenizer proper
        switch (kind) {
            case SPM -> {
                spm = new SpmModel(this, map, toks, sc);
                bpe = null;
                wpm = null;
            }
            case BPE -> {
                if (!m.has(KEY + "merges")) throw new TokenizerException("metadata key '" + KEY + "merges' is missing (needed by gpt2 tokenizers)");
                bpe = new BpeModel(toks, map, m.getStringArray(KEY + "merges"), preTok, ignoreMerges);
                spm = null;
                wpm = null;
            }
            default -> {
                int maxLen = 0;
                for (String t : toks) maxLen = Math.max(maxLen, t.getBytes(StandardCharsets.UTF_8).length);
                wpm = new WpmModel(map, maxLen, unk);
                spm = null;
                bpe = null;
            }
        }

        // pieces (token_to_piece with special = true)
        this.pieces = new byte[n][];
        for (int i = 0; i < n; i++) pieces[i] = makePiece(i);

        int nlId;
        if (kind == Kind.SPM) nlId = byteTokens['\n'];
        else if (kind == Kind.WPM) nlId = pad;
        else {
            int[] t = encode("\n", false, false);
            nlId = t.length > 0 ? t[0] : pad;
        }
        this.nl = nlId;
    }

    private static int specialId(GgufMetadata m, String key, int dflt, int n) {
        String k = KEY + key;
        if (!m.has(k)) return dflt;
        GgufValue v = m.get(k);
        if (!v.type().isInteger()) throw new TokenizerException("metadata key '" + k + "' is " + v.type() + ", expected an integer");
        long id = ((Number) v.value()).longValue();
        if (v.value() instanceof Integer i) id = Integer.toUnsignedLong(i); // UINT32 -1 means "none": out of range
        return id >= 0 && id < n ? (int) id : dflt;
    }

    /**
     * The first of {@code texts} (in llama.cpp's list order) that is a token. llama.cpp takes
     * whichever its hash map yields first; list order makes the choice deterministic (for
     * Llama 3, {@code <|eot_id|>} rather than {@code <|end_of_text|>}).
     */
    private int findText(List<String> texts) {
        for (String t : texts) {
            int id = map.get(t);
            if (id >= 0) return id;
        }
        return -1;
    }

    private byte[] makePiece(int id) {
        int a = attrs[id];
        String t = tokens[id];
        if ((a & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) != 0) return t.getBytes(StandardCharsets.UTF_8);
        if (kind == Kind.BPE) {
            if ((a & ATTR_NORMAL) == 0) return new byte[0];
            ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
            for (int i = 0; i < t.length(); ) {
                int cp = t.codePointAt(i);
                i += Character.charCount(cp);
                int b = Unicode.codepointToByte(cp);
                if (b >= 0) {
                    out.write(b);
                } else {
                    // not in the GPT-2 alphabet: llama.cpp writes a marker with the character's bytes
                    StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                    for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", x & 0xFF));
                    sb.append(t).append(']');
                    out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
                }
            }
            return out.toByteArray();
        }
        if ((a & ATTR_NORMAL) != 0) return t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        if ((a & ATTR_BYTE) != 0 && kind == Kind.SPM) {
            int b = parseByteToken(t);
            return b >= 0 ? new byte[] {(byte) b} : new byte[0];
        }
        return new byte[0];
    }

    private static int parseByteToken(String t) {
        if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
            try {
                return Integer.parseInt(t.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /** The SentencePiece model (null unless {@link Kind#SPM}); for tests. */
    SpmModel spmModel() {
        return spm;
    }

    int byteToToken(int b) {
        return byteTokens[b];
    }

    // ---- encoding ----------------------------------------------------------------------------

    /**
     * Text to token ids, as llama.cpp's {@code llama_tokenize}.
     *
     * @param addSpecial   add BOS/EOS (or CLS/SEP) as the vocabulary asks ({@code add_bos_token},
     *                     {@code add_eos_token})
     * @param parseSpecial match control tokens such as {@code <|eot_id|>} in the text; user-defined
     *                     tokens are always matched
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(Math.max(16, text.length() / 3));
        List<Object> frags = partition(text, parseSpecial);
        switch (kind) {
            case SPM -> {
                boolean prevSpecial = true;
                if (addSpecial && addBos && bos >= 0) out.add(bos);
                for (Object f : frags) {
                    if (f instanceof String s) {
                        if (removeExtraWhitespaces) {
                            s = squeezeSpaces(s);
                            if (s.isEmpty()) continue;
                        }
                        String t = (addSpacePrefix && prevSpecial ? " " : "") + s;
                        spm.encode(t.replace(' ', '\u2581'), out);
                        prevSpecial = false;
                    } else {
                        out.add((Integer) f);
                        prevSpecial = true;
                    }
                }
                if (addSpecial && addEos && eos >= 0) out.add(eos);
            }
            case BPE -> {
                if (addSpecial && addBos && bos >= 0) out.add(bos);
                for (Object f : frags) {
                    if (f instanceof String s) bpe.encode(s, out);
                    else out.add((Integer) f);
                }
                if (addSpecial && addEos && eos >= 0) out.add(eos);
            }
            case WPM -> {
                if (addSpecial && bos >= 0) out.add(bos);
                for (Object f : frags) {
                    if (f instanceof String s) wpm.encode(s, out);
                    else out.add((Integer) f);
                }
                if (addSpecial && sep >= 0) out.add(sep);
            }
        }
        return out.toArray();
    }

    /**
     * SentencePiece's {@code remove_extra_whitespaces} normalization: no leading or trailing
     * spaces, and runs of spaces become one. (llama.cpp reads the key but applies it only to
     * Unigram vocabularies; we apply it to SPM too when a file or an override asks for it.)
     */
    static String squeezeSpaces(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevSpace = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ') {
                if (!prevSpace) sb.append(c);
                prevSpace = true;
            } else {
                sb.append(c);
                prevSpace = false;
            }
        }
        int e = sb.length();
        while (e > 0 && sb.charAt(e - 1) == ' ') e--;
        sb.setLength(e);
        return sb.toString();
    }

    /**
     * Splits the text at special-token texts (llama.cpp's tokenizer_st_partition): each special
     * token, longest first, is searched in every stretch of text not yet claimed. Control and
     * unknown tokens take part only when {@code parseSpecial}; user-defined ones always do.
     * Returns String (text) and Integer (token) fragments.
     */
    private List<Object> partition(String text, boolean parseSpecial) {
        List<Object> frags = new ArrayList<>();
        if (text.isEmpty()) return frags;
        // fragments as [start, end) of text, or a token: (-1 - id, 0)
        List<int[]> fr = new ArrayList<>();
        fr.add(new int[] {0, text.length()});
        BitSet present = specialPresent(text, parseSpecial);
        for (int k = 0; k < specialTokens.length; k++) {
            if (!present.get(k)) continue;
            int id = specialTokens[k];
            int a = attrs[id];
            String t = tokens[id];
            List<int[]> next = new ArrayList<>(fr.size() + 4);
            for (int[] f : fr) {
                if (f[0] < 0) {
                    next.add(f);
                    continue;
                }
                int start = f[0], end = f[1];
                while (true) {
                    int at = text.indexOf(t, start, end);
                    if (at < 0 || at + t.length() > end) {
                        if (start < end) next.add(new int[] {start, end});
                        break;
                    }
                    int leftEnd = at;
                    if ((a & ATTR_LSTRIP) != 0) while (leftEnd > start && isCSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > start) next.add(new int[] {start, leftEnd});
                    next.add(new int[] {-1 - id, 0});
                    start = at + t.length();
                    if ((a & ATTR_RSTRIP) != 0) while (start < end && isCSpace(text.charAt(start))) start++;
                    if (start >= end) break;
                }
            }
            fr = next;
        }
        for (int[] f : fr) frags.add(f[0] < 0 ? (Object) (-1 - f[0]) : text.substring(f[0], f[1]));
        return frags;
    }

    /**
     * Which special tokens (by index into {@link #specialTokens}) occur anywhere in the text, in
     * one pass over it: at each character that starts some special token, the tokens starting
     * with it are compared in place. Control and unknown tokens count only with {@code parseSpecial}.
     */
    private BitSet specialPresent(String text, boolean parseSpecial) {
        BitSet present = new BitSet(specialTokens.length);
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if ((specialFirstBits[c >>> 6] & (1L << c)) == 0) continue;
            int[] cands = specialByFirst.get(c);
            for (int k : cands) {
                if (present.get(k)) continue;
                int id = specialTokens[k];
                if (!parseSpecial && (attrs[id] & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) continue;
                if (text.startsWith(tokens[id], i)) present.set(k);
            }
        }
        return present;
    }

    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= 9 && c <= 13);
    }

    // ---- decoding ----------------------------------------------------------------------------

    /**
     * The bytes of one token as llama.cpp's {@code llama_token_to_piece}: control and unknown
     * tokens give nothing unless {@code special}; a byte-level BPE piece may be part of a UTF-8
     * character.
     */
    public byte[] pieceBytes(int id, boolean special) {
        checkId(id);
        if (!special && (attrs[id] & (ATTR_UNKNOWN | ATTR_CONTROL)) != 0) return new byte[0];
        return pieces[id].clone();
    }

    /** The text of one token with special tokens shown (invalid UTF-8 shows as U+FFFD). */
    public String piece(int id) {
        checkId(id);
        return new String(pieces[id], StandardCharsets.UTF_8);
    }

    /** The raw vocabulary entry of a token (e.g. {@code ▁Hello} or {@code ĠHello}). */
    public String tokenText(int id) {
        checkId(id);
        return tokens[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokens.length) throw new IllegalArgumentException("token id " + id + " is out of range [0, " + tokens.length + ")");
    }

    /**
     * Token ids to text, the inverse of {@code encode(text, false, false)}: special tokens give
     * nothing, and the leading space that SentencePiece vocabularies add is removed from the first
     * token (as llama.cpp's detokenize). No clean-up of spaces is done; see {@link #detokenize}.
     */
    public String decode(int[] ids) {
        return new String(decodeBytes(ids, false, false), StandardCharsets.UTF_8);
    }

    /**
     * llama.cpp's {@code llama_detokenize}: with {@code removeSpecial}, a leading BOS and a
     * trailing EOS that the vocabulary adds are dropped; with {@code unparseSpecial}, control
     * tokens are written as their text; the vocabulary's clean-up of spaces before punctuation
     * ({@code clean_up_tokenization_spaces}) is applied where it has one.
     */
    public String detokenize(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        byte[] b = decodeBytes(ids, removeSpecial, unparseSpecial);
        if (cleanSpaces) b = cleanUp(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private byte[] decodeBytes(int[] ids, boolean removeSpecial, boolean special) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean removeSpace = addSpacePrefix;
        int from = 0, to = ids.length;
        if (removeSpecial && addBos && to > 0 && ids[0] == bos) {
            removeSpace = false;
            from++;
        }
        if (removeSpecial && addEos && to > from && ids[to - 1] == eos) to--;
        for (int i = from; i < to; i++) {
            byte[] p = pieceBytes(ids[i], special);
            int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            removeSpace = false;
        }
        return out.toByteArray();
    }

    private static byte[] cleanUp(byte[] t) {
        int n = t.length;
        if (n == 0) return t;
        t = t.clone();
        int total = 1;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            t[total++] = x;
        }
        n = total;
        total = 1;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < n && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0;
            }
            t[total++] = x;
        }
        n = total;
        total = 1;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') total--;
                else if (i + 2 < n && ((x1 == 'r' && t[i + 2] == 'e') || (x1 == 'v' && t[i + 2] == 'e'))) total--;
            }
            t[total++] = x;
        }
        return Arrays.copyOf(t, total);
    }

    /**
     * A decoder for a stream of generated tokens that only ever returns whole UTF-8 characters.
     * Control tokens give nothing; the leading space of a SentencePiece vocabulary is removed from
     * the first token unless it follows BOS, as in {@link #decode}.
     */
    public StreamingDecoder newDecoder() {
        return new StreamingDecoder(this, false, addSpacePrefix);
    }

    /** A streaming decoder with explicit choices (see {@link StreamingDecoder}). */
    public StreamingDecoder newDecoder(boolean special, boolean stripLeadingSpace) {
        return new StreamingDecoder(this, special, stripLeadingSpace);
    }

    // ---- facts -------------------------------------------------------------------------------

    public Kind kind() {
        return kind;
    }

    /** The {@code tokenizer.ggml.pre} value in use for byte-level BPE ("default" when absent), else null. */
    public String pre() {
        return pre;
    }

    public int vocabSize() {
        return tokens.length;
    }

    /** Beginning-of-sequence id, or -1. */
    public int bos() {
        return bos;
    }

    /** End-of-sequence id, or -1. */
    public int eos() {
        return eos;
    }

    /** End-of-turn id (e.g. {@code <|eot_id|>}, {@code <|im_end|>}), or -1. */
    public int eot() {
        return eot;
    }

    /** End-of-message id ({@code <|eom_id|>}), or -1. */
    public int eom() {
        return eom;
    }

    public int pad() {
        return pad;
    }

    public int unk() {
        return unk;
    }

    public int sep() {
        return sep;
    }

    public int mask() {
        return mask;
    }

    /** The newline token, as llama.cpp's token_nl. */
    public int newline() {
        return nl;
    }

    public int fimPrefix() {
        return fimPre;
    }

    public int fimSuffix() {
        return fimSuf;
    }

    public int fimMiddle() {
        return fimMid;
    }

    public boolean addBos() {
        return addBos;
    }

    public boolean addEos() {
        return addEos;
    }

    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /** Whether generation stops at this token: EOS, EOT, EOM and the end-of-turn tokens llama.cpp knows by their text. */
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && eog.get(id);
    }

    /** All end-of-generation ids, ascending. */
    public int[] endOfGenerationIds() {
        return eog.stream().toArray();
    }

    /** Whether the token is a control token (BOS, EOS, chat markers). */
    public boolean isControl(int id) {
        checkId(id);
        return (attrs[id] & ATTR_CONTROL) != 0;
    }

    /** Whether the token is user-defined (always matched in text, even without special parsing). */
    public boolean isUserDefined(int id) {
        checkId(id);
        return (attrs[id] & ATTR_USER_DEFINED) != 0;
    }

    /** The id of the token whose vocabulary text is {@code text}, or -1. */
    public int tokenId(String text) {
        return map.get(text);
    }

    @Override
    public String toString() {
        return "Tokenizer[" + kind + (pre != null ? " pre=" + pre : "") + ", " + tokens.length + " tokens, bos=" + bos + ", eos=" + eos + "]";
    }
}
