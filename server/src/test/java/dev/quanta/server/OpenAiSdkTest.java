package dev.quanta.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.quanta.kernels.testing.TestData;
import dev.quanta.loader.template.ChatMessage;
import dev.quanta.runtime.serving.EngineOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server driven by the official OpenAI Java SDK (a client no one here wrote) against stories260K:
 * chat and text completions, streaming and not, usage, stop, logprobs, embeddings, models, errors.
 */
class OpenAiSdkTest {
    static final String ID = "stories260k";
    static TestServer ts;
    static OpenAIClient client;
    static JsonNode reference;

    @BeforeAll
    static void start() throws Exception {
        ts = new TestServer(TestData.require("stories260K/stories260K.gguf"), ID,
                EngineOptions.defaults().withParallel(2).withSlotContext(128), null);
        client = ts.openAi();
        reference = new ObjectMapper().readTree(TestData.require("stories260K/greedy_prompt_once_upon_a_time.json").toFile());
    }

    @AfterAll
    static void stop() {
        if (ts != null) ts.close();
    }

    /** The text of the published greedy continuation's first {@code n} tokens. */
    static String publishedText(int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) b.writeBytes(ts.engine.tokenizer().pieceBytes(reference.get("generated_ids").get(i).asInt(), false));
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void completionMatchesThePublishedGreedyContinuation() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(ID).prompt("Once upon a time")
                .maxTokens(24).temperature(0.0).build());
        assertEquals(publishedText(24), c.choices().get(0).text());
        assertEquals(Completion.class, c.getClass());
        assertEquals("length", c.choices().get(0).finishReason().asString());
        assertEquals(5, c.usage().orElseThrow().promptTokens());
        assertEquals(24, c.usage().orElseThrow().completionTokens());
        assertEquals(29, c.usage().orElseThrow().totalTokens());
        assertEquals(ID, c.model());
    }

    @Test
    void streamingCompletionGivesTheSameText() {
        StringBuilder text = new StringBuilder();
        AtomicReference<String> finish = new AtomicReference<>();
        try (StreamResponse<Completion> s = client.completions().createStreaming(CompletionCreateParams.builder().model(ID)
                .prompt("Once upon a time").maxTokens(24).temperature(0.0).build())) {
            s.stream().forEach(c -> {
                if (c.choices().isEmpty()) return;
                text.append(c.choices().get(0).text());
                c.choices().get(0)._finishReason().asKnown().ifPresent(f -> finish.set(f.asString()));
            });
        }
        assertEquals(publishedText(24), text.toString());
        assertEquals("length", finish.get());
    }

    @Test
    void chatStreamingAndNotAgreeAndCountUsage() {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model(ID).addSystemMessage("You tell stories.")
                .addUserMessage("Tell me about a cat.").maxCompletionTokens(30).temperature(0.0)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        ChatCompletion c = client.chat().completions().create(p.toBuilder().streamOptions(java.util.Optional.empty()).build());
        String content = c.choices().get(0).message().content().orElseThrow();
        assertFalse(content.isEmpty());
        int promptTokens = Generations.chatPrompt(ts.engine, List.of(ChatMessage.system("You tell stories."), ChatMessage.user("Tell me about a cat."))).length;
        var usage = c.usage().orElseThrow();
        assertEquals(promptTokens, usage.promptTokens());
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        String finish = c.choices().get(0).finishReason().asString();
        assertTrue(finish.equals("stop") && usage.completionTokens() < 30 || finish.equals("length") && usage.completionTokens() == 30, finish + " " + usage);
        assertEquals("assistant", c.choices().get(0).message()._role().asString().orElseThrow());

        StringBuilder streamed = new StringBuilder();
        AtomicReference<com.openai.models.completions.CompletionUsage> streamedUsage = new AtomicReference<>();
        AtomicReference<String> streamedFinish = new AtomicReference<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
            s.stream().forEach(ch -> {
                ch.usage().ifPresent(streamedUsage::set);
                for (ChatCompletionChunk.Choice choice : ch.choices()) {
                    choice.delta().content().ifPresent(streamed::append);
                    choice.finishReason().ifPresent(f -> streamedFinish.set(f.asString()));
                }
            });
        }
        assertEquals(content, streamed.toString());
        assertEquals(finish, streamedFinish.get());
        assertEquals(usage.completionTokens(), streamedUsage.get().completionTokens());
        assertEquals(usage.promptTokens(), streamedUsage.get().promptTokens());
    }

    @Test
    void stopStringsAndLogprobs() {
        String full = client.completions().create(CompletionCreateParams.builder().model(ID).prompt("Once upon a time")
                .maxTokens(24).temperature(0.0).build()).choices().get(0).text();
        String stop = full.substring(12, 16);
        Completion cut = client.completions().create(CompletionCreateParams.builder().model(ID).prompt("Once upon a time")
                .maxTokens(24).temperature(0.0).stop(stop).build());
        assertEquals(full.substring(0, full.indexOf(stop)), cut.choices().get(0).text());
        assertEquals("stop", cut.choices().get(0).finishReason().asString());

        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(ID)
                .addUserMessage("Hello").maxCompletionTokens(5).temperature(0.0).logprobs(true).topLogprobs(2).build());
        var content = c.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
        assertEquals(c.usage().orElseThrow().completionTokens(), content.size());
        for (var t : content) {
            assertEquals(2, t.topLogprobs().size());
            assertEquals(t.token(), t.topLogprobs().get(0).token(), "greedy takes the most likely token");
            assertTrue(t.logprob() <= 0);
        }
        Completion lc = client.completions().create(CompletionCreateParams.builder().model(ID).prompt("Once upon a time")
                .maxTokens(4).temperature(0.0).logprobs(3).build());
        var lp = lc.choices().get(0).logprobs().orElseThrow();
        assertEquals(4, lp.tokens().orElseThrow().size());
        assertEquals(lc.choices().get(0).text(), String.join("", lp.tokens().orElseThrow()));
    }

    @Test
    void seededSamplingRepeats() {
        CompletionCreateParams p = CompletionCreateParams.builder().model(ID).prompt("The little dog").maxTokens(16)
                .temperature(1.0).seed(1234).build();
        assertEquals(client.completions().create(p).choices().get(0).text(), client.completions().create(p).choices().get(0).text());
    }

    @Test
    void embeddingsAndModels() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model(ID)
                .input("Lily went to the park").build());
        List<Float> v = r.data().get(0).embedding();
        assertEquals(ts.model.config().nEmbd(), v.size());
        double n = 0;
        for (float x : v) n += x * x;
        assertEquals(1.0, Math.sqrt(n), 1e-4);
        assertTrue(r.usage().promptTokens() > 0);
        var models = client.models().list().data();
        assertEquals(1, models.size());
        assertEquals(ID, models.get(0).id());
    }

    @Test
    void errorsComeBackAsTheSdkExpects() {
        NotFoundException nf = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("hi").build()));
        assertEquals(404, nf.statusCode());
        assertEquals("model_not_found", nf.code().orElseThrow());
        BadRequestException n2 = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model(ID).addUserMessage("hi").n(2).build()));
        assertTrue(n2.getMessage().contains("'n' must be 1"), n2.getMessage());
        BadRequestException temp = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model(ID).addUserMessage("hi").temperature(7.0).build()));
        assertEquals("temperature", temp.param().orElseThrow());
        BadRequestException tooLong = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model(ID).prompt("Once upon a time ".repeat(40)).maxTokens(4).build()));
        assertEquals("context_length_exceeded", tooLong.code().orElseThrow());
        BadRequestException parts = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model(ID).addUserMessage("hi")
                        .putAdditionalBodyProperty("logit_bias", JsonValue.from(java.util.Map.of("99999", 5))).build()));
        assertEquals("logit_bias", parts.param().orElseThrow());
    }

    @Test
    void aServerWithAKeyRefusesOthers() throws Exception {
        try (TestServer keyed = new TestServer(TestData.require("stories260K/stories260K.gguf"), ID,
                EngineOptions.defaults().withParallel(1).withSlotContext(64), "sk-test-123")) {
            UnauthorizedException u = assertThrows(UnauthorizedException.class, () -> keyed.openAi("sk-wrong").models().list());
            assertEquals(401, u.statusCode());
            assertEquals(ID, keyed.openAi().models().list().data().get(0).id());
            var health = keyed.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(keyed.base() + "/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), "health is public");
        }
    }
}
