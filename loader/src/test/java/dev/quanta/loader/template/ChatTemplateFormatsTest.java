package dev.quanta.loader.template;

import dev.quanta.loader.template.ChatMessage.ContentPart;
import dev.quanta.loader.template.ChatMessage.ToolCall;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Templates we wrote from each family's published prompt format (test resources), rendered and
 * compared with the prompt strings of those formats written out by hand.
 */
class ChatTemplateFormatsTest {
    static final List<Map<String, Object>> TOOLS = List.of(ordered(
            "type", "function",
            "function", ordered("name", "get_weather", "description", "Get the current weather",
                    "parameters", ordered("type", "object",
                            "properties", Map.of("city", Map.of("type", "string")),
                            "required", List.of("city")))));

    /** A map that keeps the order given (templates print keys in insertion order). */
    static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static ChatTemplate load(String file, String bos, String eos) {
        try (InputStream in = ChatTemplateFormatsTest.class.getResourceAsStream(file)) {
            return ChatTemplate.of(file, new String(in.readAllBytes(), StandardCharsets.UTF_8), bos, eos);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static final ChatMessage CALL = ChatMessage.assistant(null, List.of(ToolCall.ofJson("call_1", "get_weather", "{\"city\": \"Paris\"}")));
    static final ChatMessage RESULT = ChatMessage.tool("call_1", "get_weather", "{\"temp_c\": 21}");

    @Test
    void llama31Chat() {
        ChatTemplate t = load("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>");
        String out = t.render(List.of(ChatMessage.system("You are terse. "), ChatMessage.user("Hi!")), true);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
                + "Hi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", out);
    }

    @Test
    void llama31WithToolsCallAndResult() {
        ChatTemplate t = load("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>");
        String out = t.render(List.of(ChatMessage.user("Weather in Paris?"), CALL, RESULT), true, TOOLS,
                Map.of("date_string", "03 Sep 2024"));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Environment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 03 Sep 2024\n\n"
                + "You have access to the following functions. To call a function, respond with JSON of the form "
                + "{\"name\": function name, \"parameters\": dictionary of argument name and its value}.\n\n"
                + "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n"
                + "        \"description\": \"Get the current weather\",\n        \"parameters\": {\n"
                + "            \"type\": \"object\",\n            \"properties\": {\n                \"city\": {\n"
                + "                    \"type\": \"string\"\n                }\n            },\n"
                + "            \"required\": [\n                \"city\"\n            ]\n        }\n    }\n}\n\n"
                + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>"
                + "<|start_header_id|>ipython<|end_header_id|>\n\n{\"temp_c\": 21}<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", out);
    }

    @Test
    void mistralInst() {
        ChatTemplate t = load("mistral.jinja", "<s>", "</s>");
        String out = t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi"),
                ChatMessage.assistant(" Hello! "), ChatMessage.user("Bye")), true);
        assertEquals("<s>[INST] Be brief.\n\nHi[/INST] Hello!</s>[INST] Bye[/INST]", out);
    }

    @Test
    void mistralRaiseExceptionIsOneClearLine() {
        ChatTemplate t = load("mistral.jinja", "<s>", "</s>");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertTrue(e.raisedByTemplate());
        assertEquals("chat template rejected the conversation: Conversation roles must alternate "
                + "user/assistant/user/assistant/... (mistral.jinja line 11, column 13)", e.getMessage());
    }

    @Test
    void qwen25WithTools() {
        ChatTemplate t = load("qwen25.jinja", "", "<|im_end|>");
        String out = t.render(List.of(ChatMessage.user("Weather in Paris?"), CALL, RESULT), true, TOOLS, null);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.\n\n# Tools\n\n"
                + "You may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the current weather\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n"
                + "</tools>\n\nFor each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
                + "</tool_call><|im_end|>\n<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temp_c\": 21}\n</tool_response><|im_end|>\n<|im_start|>assistant\n", out);
    }

    @Test
    void qwen25WithoutToolsUsesDefaultSystem() {
        ChatTemplate t = load("qwen25.jinja", "", "<|im_end|>");
        String out = t.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello.")), false);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n", out);
    }

    @Test
    void phi3UsesTrimAndLstripBlocks() {
        ChatTemplate t = load("phi3.jinja", "<s>", "<|endoftext|>");
        assertEquals("<|system|>\nSys<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n<|user|>\n2+2?<|end|>\n<|assistant|>\n",
                t.render(List.of(ChatMessage.system("Sys"), ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                        ChatMessage.user("2+2?")), true));
        assertEquals("<|user|>\nHi<|end|>\n<|endoftext|>", t.render(List.of(ChatMessage.user("Hi")), false));
    }

    @Test
    void gemmaSystemPrefixAndContentParts() {
        ChatTemplate t = load("gemma.jinja", "<bos>", "<eos>");
        String out = t.render(List.of(ChatMessage.system("Answer in French."), ChatMessage.user(" Hello "),
                ChatMessage.assistant("Bonjour"),
                ChatMessage.user(List.of(ContentPart.text("Look:"), new ContentPart("image", null), ContentPart.text(" What is it? ")))), true);
        assertEquals("<bos><start_of_turn>user\nAnswer in French.\n\nHello<end_of_turn>\n<start_of_turn>model\nBonjour<end_of_turn>\n"
                + "<start_of_turn>user\nLook:<start_of_image>What is it?<end_of_turn>\n<start_of_turn>model\n", out);
    }

    @Test
    void deepseekV3ToolCallsOutputsAndThinkStripping() {
        ChatTemplate t = load("deepseek3.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        String out = t.render(List.of(ChatMessage.system("You are helpful."), ChatMessage.user("Weather?"),
                ChatMessage.assistant(null, List.of(new ToolCall("a", "get_weather", Map.of("city", "Paris")),
                        new ToolCall("b", "get_weather", Map.of("city", "Rome")))),
                ChatMessage.tool("a", null, "21C"), ChatMessage.tool("b", null, "25C"),
                ChatMessage.assistant("<think>compare</think>Rome is warmer."), ChatMessage.user("Thanks")), true);
        assertEquals("<｜begin▁of▁sentence｜>You are helpful.<｜User｜>Weather?<｜Assistant｜><｜tool▁calls▁begin｜>"
                + "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>\n"
                + "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Rome\"}\n```<｜tool▁call▁end｜>"
                + "<｜tool▁calls▁end｜><｜end▁of▁sentence｜><｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>21C<｜tool▁output▁end｜>\n"
                + "<｜tool▁output▁begin｜>25C<｜tool▁output▁end｜><｜tool▁outputs▁end｜><｜Assistant｜>Rome is warmer.<｜end▁of▁sentence｜>"
                + "<｜User｜>Thanks<｜Assistant｜>", out);
    }
}
