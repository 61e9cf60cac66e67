package dev.quanta.loader.template;

import dev.quanta.loader.gguf.GgufException;
import dev.quanta.loader.gguf.GgufMetadata;
import dev.quanta.loader.template.jinja.JinjaException;
import dev.quanta.loader.template.jinja.JinjaTemplate;
import dev.quanta.loader.template.jinja.TemplateRaisedException;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Renders a model's chat prompt from its {@code tokenizer.chat_template} (Jinja2), as Hugging
 * Face's {@code apply_chat_template} and llama.cpp's minja do: the template sees
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token},
 * {@code tools} (when given), any extra variables, and the functions {@code raise_exception} and
 * {@code strftime_now}; blocks are trimmed with {@code trim_blocks} and {@code lstrip_blocks}.
 *
 * <p><b>Engine.</b> Templates run on our own Jinja2 engine ({@link JinjaTemplate}: lexer, parser,
 * interpreter with Python value semantics), not on a library. We tried
 * {@code com.hubspot.jinjava:jinjava} 2.7.4 on real templates first: it resolves methods on the
 * Java objects, so the Python string methods templates call ({@code .startswith()},
 * {@code .upper()}, {@code .split()}) fail; booleans print "true" instead of "True"; lists print
 * without Python quotes; {@code tojson} writes compact JSON instead of {@code json.dumps}'s
 * ", "/": "; and it brings in some twenty jars (Guava, Jackson, javassist, ...). Our engine was
 * checked against Python Jinja2 3.1.6 configured as Hugging Face configures it, on the 17
 * published templates in llama.cpp's collection (Llama 3.1/3.2/3.3, Qwen 2.5, Mistral Nemo,
 * Phi 3.5, Gemma 2, DeepSeek R1 distills, Hermes 2/3, Command R/R7B, Functionary, Firefunction)
 * and the two in the shared test vocabularies, each with five conversations (plain, multi-turn,
 * tools with a call and a result, tools only, content parts): all renderings are byte-identical
 * except two, which are known differences: Jinja2's {@code Markup} auto-escaping after
 * {@code |safe} is not modelled, and {@code map}/{@code select} return lists (Python returns
 * generators, which {@code tojson} rejects).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ChatTemplate {
    /** GGUF key of the default template; named variants live under {@code tokenizer.chat_template.NAME}. */
    public static final String GGUF_KEY = "tokenizer.chat_template";
    private static final long MAX_TEMPLATE_FILE_BYTES = 4L << 20;

    private final String name;
    private final String source;
    private final JinjaTemplate template;
    private final String bosToken;
    private final String eosToken;
    private final Supplier<ZonedDateTime> clock;

    private ChatTemplate(String name, String source, JinjaTemplate template, String bosToken, String eosToken,
                         Supplier<ZonedDateTime> clock) {
        this.name = name;
        this.source = source;
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.clock = clock;
    }

    /**
     * Compiles a template. {@code name} is used in error messages.
     *
     * @throws ChatTemplateException naming the line and column of a syntax error
     */
    public static ChatTemplate of(String name, String source, String bosToken, String eosToken) {
        Objects.requireNonNull(source, "template source");
        try {
            return new ChatTemplate(name, source, JinjaTemplate.compile(name, source),
                    bosToken == null ? "" : bosToken, eosToken == null ? "" : eosToken, ZonedDateTime::now);
        } catch (JinjaException e) {
            throw new ChatTemplateException("bad chat template: " + e.getMessage(), e, false);
        }
    }

    /**
     * The model's own template ({@code tokenizer.chat_template}) with its BOS/EOS token text.
     *
     * @throws ChatTemplateException when the file has no template, or it does not parse
     */
    public static ChatTemplate fromGguf(GgufMetadata md) {
        return fromGguf(md, null);
    }

    /** A named variant ({@code tokenizer.chat_template.NAME}, e.g. "tool_use"), or the default when {@code variant} is null. */
    public static ChatTemplate fromGguf(GgufMetadata md, String variant) {
        String key = variant == null ? GGUF_KEY : GGUF_KEY + "." + variant;
        if (!md.has(key)) throw new ChatTemplateException("model has no chat template (metadata key '" + key + "' is absent)");
        String[] tokens = specialTokens(md);
        return of(key, md.getString(key), tokens[0], tokens[1]);
    }

    /**
     * The model's template when it has one, else a built-in format chosen by architecture:
     * llama → "llama3" when the vocabulary has {@code <|start_header_id|>}, else "llama2-sys";
     * qwen2/qwen2moe/qwen3/qwen3moe → "chatml"; phi3 → "phi3"; gemma/gemma2/gemma3 → "gemma";
     * anything else → "chatml". Built-ins get the model's BOS/EOS text too.
     */
    public static ChatTemplate forModel(GgufMetadata md) {
        if (md.has(GGUF_KEY)) return fromGguf(md);
        String[] tokens = specialTokens(md);
        return builtin(builtinNameFor(md)).withSpecialTokens(tokens[0], tokens[1]);
    }

    /** The built-in format {@link #forModel} picks for a model without a template. */
    public static String builtinNameFor(GgufMetadata md) {
        String arch = md.has("general.architecture") ? md.getString("general.architecture") : "";
        return switch (arch) {
            case "llama" -> vocabHas(md, "<|start_header_id|>") ? "llama3" : "llama2-sys";
            case "qwen2", "qwen2moe", "qwen3", "qwen3moe" -> "chatml";
            case "phi3" -> "phi3";
            case "gemma", "gemma2", "gemma3" -> "gemma";
            default -> "chatml";
        };
    }

    /** Names accepted by {@link #builtin}. */
    public static Set<String> builtinNames() {
        return BuiltinTemplates.SOURCES.keySet();
    }

    /**
     * A built-in format: chatml, llama2, llama2-sys, llama3, mistral-v7, phi3, gemma, zephyr,
     * deepseek2, deepseek3 — rendering what llama.cpp's format of that name renders.
     */
    public static ChatTemplate builtin(String name) {
        String src = BuiltinTemplates.SOURCES.get(name);
        if (src == null) throw new ChatTemplateException("unknown built-in chat template '" + name + "' (known: " + String.join(", ", builtinNames()) + ")");
        return of("built-in chat template '" + name + "'", src, "", "");
    }

    /**
     * For {@code --chat-template NAME|FILE}: a built-in name, or a file holding Jinja template
     * text (UTF-8). BOS/EOS text is empty; see {@link #resolve(String, GgufMetadata)}.
     */
    public static ChatTemplate resolve(String nameOrFile) {
        if (BuiltinTemplates.SOURCES.containsKey(nameOrFile)) return builtin(nameOrFile);
        Path p = Path.of(nameOrFile);
        if (!Files.isRegularFile(p)) {
            throw new ChatTemplateException("chat template '" + nameOrFile + "' is neither a built-in ("
                    + String.join(", ", builtinNames()) + ") nor a readable file");
        }
        String text;
        try {
            long size = Files.size(p);
            if (size > MAX_TEMPLATE_FILE_BYTES) throw new ChatTemplateException("chat template file " + p + " is too large (" + size + " bytes)");
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(p))).toString();
        } catch (CharacterCodingException e) {
            throw new ChatTemplateException("chat template file " + p + " is not valid UTF-8");
        } catch (IOException e) {
            throw new ChatTemplateException("cannot read chat template file " + p + ": " + e.getMessage());
        }
        return of(p.toString(), text, "", "");
    }

    /** {@link #resolve(String)} with the model's BOS/EOS token text. */
    public static ChatTemplate resolve(String nameOrFile, GgufMetadata md) {
        String[] tokens = specialTokens(md);
        return resolve(nameOrFile).withSpecialTokens(tokens[0], tokens[1]);
    }

    /** A copy with other BOS/EOS token text. */
    public ChatTemplate withSpecialTokens(String bos, String eos) {
        return new ChatTemplate(name, source, template, bos == null ? "" : bos, eos == null ? "" : eos, clock);
    }

    /** A copy whose {@code strftime_now} reads this clock (tests, reproducible prompts). */
    public ChatTemplate withClock(Supplier<ZonedDateTime> now) {
        return new ChatTemplate(name, source, template, bosToken, eosToken, Objects.requireNonNull(now));
    }

    /** {@link #render(List, boolean, List, Map)} without tools or extra variables. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, null, null);
    }

    /**
     * Renders the prompt.
     *
     * @param messages            the conversation
     * @param addGenerationPrompt end with the header that starts the assistant's reply
     * @param tools               JSON-schema function list ({"type": "function", "function": {...}}), or null
     * @param extraContext        more template variables (e.g. "date_string", "enable_thinking"), or null
     * @throws ChatTemplateException one line: the template's own {@code raise_exception} message,
     *                               or an error with the template line and column
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, List<Map<String, Object>> tools,
                         Map<String, Object> extraContext) {
        List<Object> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) msgs.add(m.toTemplateValue());
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", msgs);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bosToken);
        ctx.put("eos_token", eosToken);
        if (tools != null) ctx.put("tools", tools);
        if (extraContext != null) ctx.putAll(extraContext);
        try {
            return template.render(ctx, clock);
        } catch (TemplateRaisedException e) {
            throw new ChatTemplateException("chat template rejected the conversation: " + e.raisedMessage()
                    + " (" + name + " line " + e.line() + ", column " + e.column() + ")", e, true);
        } catch (JinjaException e) {
            throw new ChatTemplateException("chat template error: " + e.getMessage(), e, false);
        }
    }

    /** Where the template came from: the GGUF key, "built-in chat template 'NAME'", or a file path. */
    public String name() { return name; }

    public String source() { return source; }

    public String bosToken() { return bosToken; }

    public String eosToken() { return eosToken; }

    /** BOS and EOS token text: {@code tokenizer.ggml.tokens} at the BOS/EOS ids ("" when absent). */
    static String[] specialTokens(GgufMetadata md) {
        String[] out = {"", ""};
        if (!md.has("tokenizer.ggml.tokens")) return out;
        try {
            String[] tokens = md.getStringArray("tokenizer.ggml.tokens");
            String[] keys = {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"};
            for (int i = 0; i < 2; i++) {
                if (!md.has(keys[i])) continue;
                long id = md.getLong(keys[i]);
                if (id < 0 || id >= tokens.length) {
                    throw new ChatTemplateException("metadata key '" + keys[i] + "' = " + id + " is outside the vocabulary (" + tokens.length + " tokens)");
                }
                out[i] = tokens[(int) id];
            }
        } catch (GgufException e) {
            throw new ChatTemplateException(e.getMessage(), e, false);
        }
        return out;
    }

    private static boolean vocabHas(GgufMetadata md, String token) {
        if (!md.has("tokenizer.ggml.tokens")) return false;
        for (String t : md.getStringArray("tokenizer.ggml.tokens")) if (t.equals(token)) return true;
        return false;
    }
}
