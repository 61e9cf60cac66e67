package dev.quanta.loader.template;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chat formats for models whose GGUF carries no {@code tokenizer.chat_template}, written by us as
 * Jinja templates that render what llama.cpp's built-in formats of the same names produce
 * ({@code llm_chat_apply_template}): no BOS text (the tokenizer adds BOS), llama.cpp's trimming
 * (llama3 and gemma trim message content), and typed content parts joined with "\n" as llama.cpp
 * does for templates that take plain strings.
 */
final class BuiltinTemplates {
    private BuiltinTemplates() { }

    /** Macro shared by all built-ins: a message's content as text (None → "", parts → text parts joined by "\n"). */
    private static final String TEXT_MACRO = """
            {%- macro text(content) -%}
                {%- if content is string -%}{{ content }}
                {%- elif content is sequence -%}
                    {%- for part in content if part.type == 'text' -%}
                        {{ '\\n' if not loop.first else '' }}{{ part.text }}
                    {%- endfor -%}
                {%- endif -%}
            {%- endmacro -%}
            """;

    static final Map<String, String> SOURCES = new LinkedHashMap<>();

    static {
        SOURCES.put("chatml", """
                {%- for message in messages -%}
                    {{ '<|im_start|>' + message.role + '\\n' + text(message.content) + '<|im_end|>\\n' }}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}
                """);
        SOURCES.put("llama2", llama2(false));
        SOURCES.put("llama2-sys", llama2(true));
        SOURCES.put("llama3", """
                {%- for message in messages -%}
                    {{ '<|start_header_id|>' + message.role + '<|end_header_id|>\\n\\n' + text(message.content) | trim + '<|eot_id|>' }}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif -%}
                """);
        SOURCES.put("mistral-v7", """
                {%- for message in messages -%}
                    {%- if message.role == 'system' -%}{{ '[SYSTEM_PROMPT] ' + text(message.content) + '[/SYSTEM_PROMPT]' }}
                    {%- elif message.role == 'user' -%}{{ '[INST] ' + text(message.content) + '[/INST]' }}
                    {%- else -%}{{ ' ' + text(message.content) + '</s>' }}
                    {%- endif -%}
                {%- endfor -%}
                """);
        SOURCES.put("phi3", """
                {%- for message in messages -%}
                    {{ '<|' + message.role + '|>\\n' + text(message.content) + '<|end|>\\n' }}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{ '<|assistant|>\\n' }}{%- endif -%}
                """);
        SOURCES.put("gemma", """
                {%- set ns = namespace(system='') -%}
                {%- for message in messages -%}
                    {%- if message.role == 'system' -%}
                        {%- set ns.system = text(message.content) | trim -%}
                    {%- else -%}
                        {%- set role = 'model' if message.role == 'assistant' else message.role -%}
                        {{ '<start_of_turn>' + role + '\\n' }}
                        {%- if ns.system and role != 'model' -%}
                            {{ ns.system + '\\n\\n' }}
                            {%- set ns.system = '' -%}
                        {%- endif -%}
                        {{ text(message.content) | trim + '<end_of_turn>\\n' }}
                    {%- endif -%}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{ '<start_of_turn>model\\n' }}{%- endif -%}
                """);
        SOURCES.put("zephyr", """
                {%- for message in messages -%}
                    {{ '<|' + message.role + '|>\\n' + text(message.content) + '<|endoftext|>\\n' }}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{ '<|assistant|>\\n' }}{%- endif -%}
                """);
        SOURCES.put("deepseek2", """
                {%- for message in messages -%}
                    {%- if message.role == 'system' -%}{{ text(message.content) + '\\n\\n' }}
                    {%- elif message.role == 'user' -%}{{ 'User: ' + text(message.content) + '\\n\\n' }}
                    {%- elif message.role == 'assistant' -%}{{ 'Assistant: ' + text(message.content) + '<｜end▁of▁sentence｜>' }}
                    {%- endif -%}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{ 'Assistant:' }}{%- endif -%}
                """);
        SOURCES.put("deepseek3", """
                {%- for message in messages -%}
                    {%- if message.role == 'system' -%}{{ text(message.content) + '\\n\\n' }}
                    {%- elif message.role == 'user' -%}{{ '<｜User｜>' + text(message.content) }}
                    {%- elif message.role == 'assistant' -%}{{ '<｜Assistant｜>' + text(message.content) + '<｜end▁of▁sentence｜>' }}
                    {%- endif -%}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{ '<｜Assistant｜>' }}{%- endif -%}
                """);
        SOURCES.replaceAll((name, body) -> TEXT_MACRO + body);
    }

    /**
     * llama.cpp's llama2 formats: one "[INST] " opens each turn; with {@code sys} a system
     * message is wrapped in &lt;&lt;SYS&gt;&gt; markers, without it it is written as a line;
     * an assistant reply closes the turn with "&lt;/s&gt;".
     */
    private static String llama2(boolean sys) {
        String system = sys ? "{{ '<<SYS>>\\n' + text(message.content) + '\\n<</SYS>>\\n\\n' }}" : "{{ text(message.content) + '\\n' }}";
        return """
                {%- set ns = namespace(inside_turn=true) -%}
                {{- '[INST] ' -}}
                {%- for message in messages -%}
                    {%- if not ns.inside_turn -%}{{ '[INST] ' }}{%- set ns.inside_turn = true -%}{%- endif -%}
                    {%- if message.role == 'system' -%}SYSTEM
                    {%- elif message.role == 'user' -%}{{ text(message.content) + ' [/INST]' }}
                    {%- else -%}{{ text(message.content) + '</s>' }}{%- set ns.inside_turn = false -%}
                    {%- endif -%}
                {%- endfor -%}
                """.replace("SYSTEM", system);
    }
}
