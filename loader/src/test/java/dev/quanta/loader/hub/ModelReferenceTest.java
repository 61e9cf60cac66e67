package dev.quanta.loader.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelReferenceTest {
    static final URI HF = URI.create("https://huggingface.co");

    @Test
    void hfForms() {
        assertEquals(new ModelReference.Hf("bartowski/Llama-3.2-1B-Instruct-GGUF", null, null, "main"),
                ModelReference.parse("hf:bartowski/Llama-3.2-1B-Instruct-GGUF", HF));
        assertEquals(new ModelReference.Hf("unsloth/phi-4-GGUF", "q4_k_m", null, "main"), ModelReference.parse("hf:unsloth/phi-4-GGUF:q4_k_m", HF));
        assertEquals(new ModelReference.Hf("a/b", null, "dir/x-Q8_0.gguf", "main"), ModelReference.parse("hf:a/b/dir/x-Q8_0.gguf", HF));
        assertEquals(new ModelReference.Hf("a/b", "Q8_0", null, "v1.0"), ModelReference.parse("HF:a/b:Q8_0@v1.0", HF));
        assertEquals("hf:a/b:Q8_0@v1.0", ModelReference.parse("hf:a/b:Q8_0@v1.0", HF).toString());
        for (String bad : new String[] {"hf:a", "hf:/b", "hf:a/b:Q4 K", "hf:a/b/x.gguf:Q4_0", "hf:a/b/../x.gguf", "hf:a/b@", "hf:a b/c"}) {
            HubException e = assertThrows(HubException.class, () -> ModelReference.parse(bad, HF), bad);
            assertTrue(e.getMessage().contains("invalid"), e.getMessage());
        }
    }

    @Test
    void urls() {
        assertEquals(new ModelReference.Hf("a/b", null, "sub/m Q8.gguf", "main"),
                ModelReference.parse("https://huggingface.co/a/b/resolve/main/sub/m%20Q8.gguf?download=true", HF));
        assertEquals(new ModelReference.Hf("a/b", null, "m.gguf", "refs/pr/1"),
                ModelReference.parse("https://huggingface.co/a/b/blob/refs%2Fpr%2F1/m.gguf", HF));
        ModelReference u = ModelReference.parse("https://example.com/models/m-Q4_0.gguf?x=1", HF);
        assertInstanceOf(ModelReference.Url.class, u);
        assertEquals("m-Q4_0.gguf", ((ModelReference.Url) u).fileName());
        assertTrue(ModelReference.isReference("hf:a/b"));
        assertTrue(ModelReference.isReference("https://x/y.gguf"));
        assertFalse(ModelReference.isReference("models/hf:x.gguf"));
        assertFalse(ModelReference.isReference("/tmp/m.gguf"));
    }

    @Test
    void configFollowsHuggingfaceHubEnvironment() {
        Path home = Path.of("/home/u");
        HubConfig d = HubConfig.fromEnvironment(Map.of(), home);
        assertEquals(URI.create("https://huggingface.co"), d.endpoint());
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), d.hubCache());
        assertEquals(Path.of("/home/u/.cache/quanta"), d.urlCache());
        assertEquals(null, d.token());
        assertFalse(d.offline());
        assertEquals(Path.of("/x/hub"), HubConfig.fromEnvironment(Map.of("HF_HOME", "/x"), home).hubCache());
        assertEquals(Path.of("/c/huggingface/hub"), HubConfig.fromEnvironment(Map.of("XDG_CACHE_HOME", "/c"), home).hubCache());
        assertEquals(Path.of("/y"), HubConfig.fromEnvironment(Map.of("HF_HOME", "/x", "HF_HUB_CACHE", "/y"), home).hubCache());
        HubConfig e = HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "http://127.0.0.1:8080/", "HF_TOKEN", "hf_x", "HF_HUB_OFFLINE", "1"), home);
        assertEquals(URI.create("http://127.0.0.1:8080"), e.endpoint());
        assertEquals("hf_x", e.token());
        assertTrue(e.offline());
        assertThrows(HubException.class, () -> HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x"), home));
    }

    @Test
    void progressLine() {
        assertEquals("m.gguf   50% [############------------]  1.00 MiB / 2.00 MiB  512.0 KiB/s  ETA 0:02",
                ProgressBar.line("m.gguf", 1 << 20, 2 << 20, 512 * 1024));
        assertEquals("m.gguf  100% [########################]  2.00 GiB / 2.00 GiB  1.00 GiB/s",
                ProgressBar.line("m.gguf", 2L << 30, 2L << 30, 1 << 30));
        assertEquals("m.gguf  12.0 KiB", ProgressBar.line("m.gguf", 12288, -1, 0));
        assertEquals("1:02:03", ProgressBar.duration(3723));
    }
}
