package dev.quanta.loader.template;

import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Built-in formats (expected strings are what llama.cpp's formats of the same names print), the
 * choice by architecture, and the templates stored in real GGUF files of the shared test data.
 */
class ChatTemplateModelsTest {
    static final List<ChatMessage> CHAT = List.of(ChatMessage.system("You are helpful."), ChatMessage.user("Hello"),
            ChatMessage.assistant("Hi"), ChatMessage.user("Bye"));

    static String builtin(String name) {
        return ChatTemplate.builtin(name).render(CHAT, true);
    }

    @Test
    void builtinFormatsMatchLlamaCpp() {
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\nHi<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", builtin("chatml"));
        assertEquals("[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHello [/INST]Hi</s>[INST] Bye [/INST]", builtin("llama2-sys"));
        assertEquals("[INST] You are helpful.\nHello [/INST]Hi</s>[INST] Bye [/INST]", builtin("llama2"));
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", builtin("llama3"));
        assertEquals("<|system|>\nYou are helpful.<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n",
                builtin("phi3"));
        assertEquals("<start_of_turn>user\nYou are helpful.\n\nHello<end_of_turn>\n<start_of_turn>model\nHi<end_of_turn>\n"
                + "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n", builtin("gemma"));
        assertEquals("You are helpful.\n\nUser: Hello\n\nAssistant: Hi<｜end▁of▁sentence｜>User: Bye\n\nAssistant:", builtin("deepseek2"));
        assertEquals("You are helpful.\n\n<｜User｜>Hello<｜Assistant｜>Hi<｜end▁of▁sentence｜><｜User｜>Bye<｜Assistant｜>", builtin("deepseek3"));
        assertEquals("[SYSTEM_PROMPT] You are helpful.[/SYSTEM_PROMPT][INST] Hello[/INST] Hi</s>[INST] Bye[/INST]", builtin("mistral-v7"));
        assertEquals("<|system|>\nYou are helpful.<|endoftext|>\n<|user|>\nHello<|endoftext|>\n<|assistant|>\nHi<|endoftext|>\n"
                + "<|user|>\nBye<|endoftext|>\n<|assistant|>\n", builtin("zephyr"));
    }

    @Test
    void builtinsTrimLikeLlamaCppAndJoinTextParts() {
        List<ChatMessage> msgs = List.of(ChatMessage.user(List.of(ChatMessage.ContentPart.text(" a "), ChatMessage.ContentPart.text("b "))));
        assertEquals("<|start_header_id|>user<|end_header_id|>\n\na \nb<|eot_id|>", ChatTemplate.builtin("llama3").render(msgs, false));
        assertEquals("<|im_start|>user\n a \nb <|im_end|>\n", ChatTemplate.builtin("chatml").render(msgs, false));
    }

    @Test
    void resolveNamesFilesAndUnknowns(@TempDir Path dir) throws IOException {
        assertEquals(ChatTemplate.builtin("chatml").source(), ChatTemplate.resolve("chatml").source());
        Path f = dir.resolve("t.jinja");
        Files.writeString(f, "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{{ eos_token }}\n");
        assertEquals("<user>Hello<assistant>Hi</s>", ChatTemplate.resolve(f.toString()).withSpecialTokens("<s>", "</s>")
                .render(List.of(ChatMessage.user("Hello"), ChatMessage.assistant("Hi")), false));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.resolve("no-such-format"));
        assertTrue(e.getMessage().startsWith("chat template 'no-such-format' is neither a built-in (chatml, "), e.getMessage());
        Path bad = dir.resolve("bad.jinja");
        Files.writeString(bad, "line one\n{% if messages %}\n{{ messages[0].content }\n{% endif %}");
        e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.resolve(bad.toString()));
        assertEquals("bad chat template: " + bad + " line 3, column 24: unbalanced '}'", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void realLlama3VocabCarriesItsTemplate() {
        Path p = TestData.require("vocab/ggml-vocab-llama-bpe.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            ChatTemplate t = ChatTemplate.forModel(f.metadata())
                    .withClock(() -> ZonedDateTime.of(2024, 9, 3, 12, 0, 0, 0, ZoneOffset.UTC));
            assertEquals(ChatTemplate.GGUF_KEY, t.name());
            assertEquals("<|begin_of_text|>", t.bosToken());
            assertEquals("llama3", ChatTemplate.builtinNameFor(f.metadata()));
            assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
                    + "Today Date: 03 Sep 2024\n\nYou are helpful.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                    + "<|start_header_id|>assistant<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                    + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(CHAT, true));
        }
    }

    @Test
    void realPhi3VocabCarriesItsTemplate() {
        Path p = TestData.require("vocab/ggml-vocab-phi-3.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            ChatTemplate t = ChatTemplate.fromGguf(f.metadata());
            assertEquals("<s><|user|>\nHello<|end|>\n<|assistant|>\nHi<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n", t.render(CHAT, true));
        }
    }

    @Test
    void modelsWithoutTemplateGetBuiltinByArchitecture() {
        String[][] cases = {
                {"vocab/ggml-vocab-llama-spm.gguf", "llama2-sys"},
                {"stories260K/stories260K.gguf", "llama2-sys"},
                {"reference/llama3-bpe-f16/model.gguf", "llama3"},
                {"reference/qwen2-f16/model.gguf", "chatml"},
                {"reference/phi3-f16/model.gguf", "phi3"},
                {"reference/gemma2-f16/model.gguf", "gemma"},
        };
        for (String[] c : cases) {
            Path p = TestData.require(c[0]);
            try (GgufFile f = GgufFile.open(p)) {
                assertFalse(f.metadata().has(ChatTemplate.GGUF_KEY), c[0]);
                ChatTemplate t = ChatTemplate.forModel(f.metadata());
                assertEquals("built-in chat template '" + c[1] + "'", t.name(), c[0]);
                assertEquals(ChatTemplate.builtin(c[1]).render(CHAT, true), t.render(CHAT, true), c[0]);
                ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.fromGguf(f.metadata()));
                assertEquals("model has no chat template (metadata key 'tokenizer.chat_template' is absent)", e.getMessage());
            }
        }
        try (GgufFile f = GgufFile.open(TestData.require("vocab/ggml-vocab-llama-spm.gguf"))) {
            assertEquals("<s>", ChatTemplate.forModel(f.metadata()).bosToken());
            assertEquals("</s>", ChatTemplate.forModel(f.metadata()).eosToken());
        }
    }
}
