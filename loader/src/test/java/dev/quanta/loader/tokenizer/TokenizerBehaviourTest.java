package dev.quanta.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.loader.gguf.GgufValue;
import dev.quanta.loader.gguf.GgufValueType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Special tokens, BOS/EOS, end-of-generation, streaming decode, WordPiece and bad metadata. */
class TokenizerBehaviourTest {
    static Tokenizer load(String rel) {
        Path p = TestData.require(rel);
        try (GgufFile f = GgufFile.open(p)) {
            return Tokenizer.fromGguf(f.metadata());
        }
    }

    @Test
    void llama3ChatTokensAreSingleTokensOnlyWithParseSpecial() {
        Tokenizer t = load("vocab/ggml-vocab-llama-bpe.gguf");
        String chat = "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>";
        int start = t.tokenId("<|start_header_id|>"), end = t.tokenId("<|end_header_id|>"), eot = t.tokenId("<|eot_id|>");
        int[] on = t.encode(chat, true, true);
        assertEquals(t.bos(), on[0]);
        assertEquals(start, on[1]);
        assertEquals(end, on[3]);
        assertEquals(eot, on[on.length - 1]);
        int[] off = t.encode(chat, false, false);
        for (int id : off) assertFalse(t.isControl(id), "control token " + id + " from plain text");
        assertEquals(chat, t.decode(off));
        assertEquals("user\n\nHi there", t.decode(Arrays.copyOfRange(on, 1, on.length))); // control tokens decode to nothing
        assertEquals(chat, t.detokenize(Arrays.copyOfRange(on, 1, on.length), false, true));
        assertTrue(t.isEndOfGeneration(eot));
        assertTrue(t.isEndOfGeneration(t.eos()));
        assertTrue(t.isEndOfGeneration(t.tokenId("<|end_of_text|>")));
        assertTrue(t.isEndOfGeneration(t.tokenId("<|eom_id|>")));
        assertFalse(t.isEndOfGeneration(start));
        assertEquals(eot, t.eot());
        assertTrue(t.addBos());
        assertEquals(t.encode("\n", false, false)[0], t.newline());
    }

    @Test
    void spmAddsBosAndSpacePrefix() {
        Tokenizer t = load("stories260K/stories260K.gguf");
        int[] ids = t.encode("Once upon a time", true, false);
        assertEquals(1, ids[0]);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, ids);
        assertEquals("Once upon a time", t.decode(Arrays.copyOfRange(ids, 1, ids.length)));
        assertEquals(" Once upon a time", t.decode(ids)); // after BOS the prefix space stays, as llama.cpp's detokenize
        assertEquals("Once upon a time", t.detokenize(ids, true, false).stripLeading());
        assertEquals("<s>", t.piece(1));
        assertEquals(0, t.pieceBytes(1, false).length);
        assertTrue(t.isEndOfGeneration(2));
        assertEquals(13, t.newline()); // <0x0A>
        // parse_special matches the control token text
        int[] sp = t.encode("a</s>b", false, true);
        assertTrue(Arrays.stream(sp).anyMatch(i -> i == 2));
        assertFalse(Arrays.stream(t.encode("a</s>b", false, false)).anyMatch(i -> i == 2));
    }

    @Test
    void streamingDecoderNeverSplitsACharacter() {
        Tokenizer t = load("vocab/ggml-vocab-llama-bpe.gguf");
        String text = "Grüße 🦙🚀 — 我想在apple工作 кириллица";
        int[] ids = t.encode(text, false, false);
        StreamingDecoder d = t.newDecoder();
        StringBuilder sb = new StringBuilder();
        int partial = 0;
        for (int id : ids) {
            String s = d.accept(id);
            if (s.isEmpty()) partial++;
            assertFalse(s.contains("\uFFFD"), "half a character was given out");
            sb.append(s);
        }
        sb.append(d.flush());
        assertEquals(text, sb.toString());
        assertTrue(partial > 0, "the text should contain tokens that end inside a character");

        Tokenizer spm = load("stories260K/stories260K.gguf");
        StreamingDecoder sd = spm.newDecoder();
        int[] gen = spm.encode("Once upon a time", false, false);
        StringBuilder out = new StringBuilder();
        for (int id : gen) out.append(sd.accept(id));
        assertEquals("Once upon a time", out.toString());
        StreamingDecoder afterBos = spm.newDecoder();
        StringBuilder o2 = new StringBuilder();
        for (int id : spm.encode("Once upon", true, false)) o2.append(afterBos.accept(id));
        assertEquals(" Once upon", o2.toString());
        // byte-fallback tokens of an emoji arrive one byte at a time
        StreamingDecoder bd = spm.newDecoder();
        StringBuilder o3 = new StringBuilder();
        for (int id : spm.encode("🦙", false, false)) o3.append(bd.accept(id));
        assertEquals("🦙", o3.toString());
    }

    static GgufMetadata meta(Map<String, GgufValue> kv) {
        return new GgufMetadata(Path.of("synthetic.gguf"), new LinkedHashMap<>(kv));
    }

    static GgufValue strings(String... s) {
        return GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, s));
    }

    @Test
    void unknownPreTokenizerIsOneClearError() {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"));
        kv.put("tokenizer.ggml.pre", GgufValue.ofString("no-such-pre"));
        kv.put("tokenizer.ggml.tokens", strings("a", "b", "ab"));
        kv.put("tokenizer.ggml.merges", strings("a b"));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(meta(kv)));
        assertTrue(e.getMessage().contains("'no-such-pre'") && e.getMessage().contains("llama-bpe") && e.getMessage().contains("qwen2"), e.getMessage());
        kv.put("tokenizer.ggml.model", GgufValue.ofString("rwkv-ish"));
        assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(meta(kv)));
        kv.remove("tokenizer.ggml.model");
        assertTrue(assertThrows(TokenizerException.class, () -> Tokenizer.fromGguf(meta(kv))).getMessage().contains("tokenizer.ggml.model"));
    }

    @Test
    void byteLevelBpeOnASyntheticVocabulary() {
        // GPT-2 alphabet: space is Ġ (U+0120)
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"));
        kv.put("tokenizer.ggml.pre", GgufValue.ofString("gpt-2"));
        kv.put("tokenizer.ggml.tokens", strings("h", "e", "l", "o", "Ġ", "he", "ll", "hell", "hello", "Ġhello", "<|endoftext|>"));
        kv.put("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT32, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3})));
        kv.put("tokenizer.ggml.merges", strings("h e", "l l", "he ll", "hell o", "Ġ hello"));
        kv.put("tokenizer.ggml.eos_token_id", GgufValue.ofU32(10));
        Tokenizer t = Tokenizer.fromGguf(meta(kv));
        assertArrayEquals(new int[] {8, 9}, t.encode("hello hello", false, false));
        assertArrayEquals(new int[] {8, 10}, t.encode("hello<|endoftext|>", false, true));
        assertEquals("hello hello", t.decode(new int[] {8, 9}));
        assertTrue(t.isEndOfGeneration(10));
    }

    @Test
    void wordPieceOnASyntheticVocabulary() {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("tokenizer.ggml.model", GgufValue.ofString("bert"));
        String[] toks = new String[110];
        for (int i = 0; i < toks.length; i++) toks[i] = "[unused" + i + "]";
        toks[0] = "[PAD]";
        toks[100] = "[UNK]";
        toks[101] = "[CLS]";
        toks[102] = "[SEP]";
        toks[103] = "[MASK]";
        toks[104] = "\u2581hello";
        toks[105] = "\u2581play";
        toks[106] = "ing";
        toks[107] = "\u2581,";
        toks[108] = "\u2581cafe";
        toks[109] = "\u2581!";
        kv.put("tokenizer.ggml.tokens", strings(toks));
        Tokenizer t = Tokenizer.fromGguf(meta(kv));
        assertEquals(Tokenizer.Kind.WPM, t.kind());
        assertArrayEquals(new int[] {101, 104, 107, 105, 106, 108, 100, 109, 102}, t.encode("Hello, PLAYING Café xyz!", true, false));
    }
}
