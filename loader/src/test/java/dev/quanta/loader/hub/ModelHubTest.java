package dev.quanta.loader.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quanta.loader.gguf.GgufFile;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pulls against {@link FakeHub} on loopback: layout, resume, checksums, errors, quant choice, splits, offline. */
@Timeout(60)
class ModelHubTest {
    static final String REPO = "acme/tiny-GGUF";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final byte[] Q4 = TinyGguf.bytes("llama", "tiny", 60_000, 1); // ~240 KB: several socket writes
    static final byte[] Q8 = TinyGguf.bytes("llama", "tiny", 20_000, 2);
    static final byte[] F16 = TinyGguf.bytes("llama", "tiny", 10_000, 3);
    static final byte[] Q5 = TinyGguf.bytes("qwen2", "tiny", 5_000, 4);
    static final byte[] README = "# tiny\n".getBytes(StandardCharsets.UTF_8);

    @TempDir Path tmp;
    FakeHub hub;
    List<String> notes = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        hub.repo(REPO, COMMIT)
                .git("README.md", README)
                .lfs("tiny-Q4_K_M.gguf", Q4)
                .lfs("tiny-Q8_0.gguf", Q8)
                .lfs("tiny-f16.gguf", F16)
                .lfs("sub/dir/tiny-Q5_K_M.gguf", Q5);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    HubConfig config(int retries) {
        return new HubConfig(URI.create(hub.base()), tmp.resolve("hub"), tmp.resolve("quanta"), null, false, retries,
                Duration.ofMillis(5), Duration.ofSeconds(10), HubConfig.FreeSpace.FILE_STORE);
    }

    ModelHub open(HubConfig cfg) {
        return new ModelHub(cfg, new DownloadListener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        });
    }

    ModelHub.Model pull(String ref) {
        return pull(config(0), ref);
    }

    ModelHub.Model pull(HubConfig cfg, String ref) {
        try (ModelHub h = open(cfg)) {
            return h.pull(h.parse(ref));
        }
    }

    Path repoFolder() {
        return tmp.resolve("hub").resolve("models--acme--tiny-GGUF");
    }

    /** Every file and link under a folder, as "relative/path" or "relative/path -> target". */
    static TreeSet<String> tree(Path root) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        if (!Files.exists(root)) return out;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) out.add(rel + " -> " + Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) out.add(rel);
            }
        }
        return out;
    }

    @Test
    void defaultQuantIsQ4KMAndTheCacheIsLaidOutAsHuggingfaceHubDoes() throws IOException {
        ModelHub.Model m = pull("hf:" + REPO);
        String sha = FakeHub.sha256(Q4);
        Path link = repoFolder().resolve("snapshots").resolve(COMMIT).resolve("tiny-Q4_K_M.gguf");
        assertEquals(link, m.primary());
        assertEquals("Q4_K_M", m.quant());
        assertEquals(new TreeSet<>(List.of("blobs/" + sha, "refs/main",
                "snapshots/" + COMMIT + "/tiny-Q4_K_M.gguf -> ../../blobs/" + sha)), tree(repoFolder()));
        assertArrayEquals(COMMIT.getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(repoFolder().resolve("refs/main")));
        assertArrayEquals(Q4, Files.readAllBytes(link));
        try (GgufFile g = GgufFile.open(m.primary())) {
            assertEquals("llama", g.metadata().getString("general.architecture"));
        }
        assertEquals(List.of("GET /api/models/" + REPO + "/revision/main"), hub.requests("GET /api/"));
        assertEquals(List.of("GET /" + REPO + "/resolve/" + COMMIT + "/tiny-Q4_K_M.gguf"), hub.requests("GET /" + REPO + "/resolve"));
        assertEquals(List.of("GET /cdn/" + sha), hub.requests("GET /cdn/"));
        assertTrue(tree(tmp.resolve("hub").resolve(".locks")).isEmpty(), "lock files are removed");

        // A second pull asks the API but downloads nothing; resolve (cache first) does not touch the network.
        int before = hub.log.size();
        assertEquals(link, pull("hf:" + REPO).primary());
        assertEquals(before + 1, hub.log.size());
        try (ModelHub h = open(config(0))) {
            assertEquals(link, h.resolve("hf:" + REPO).primary());
            assertEquals(link, h.resolve("hf:" + REPO + ":q4_k_m").primary());
        }
        assertEquals(before + 1, hub.log.size());
    }

    @Test
    void explicitQuantIsCaseInsensitiveAndSubfolderLinksStayRelative() throws IOException {
        ModelHub.Model q8 = pull("hf:" + REPO + ":q8_0");
        assertEquals("tiny-Q8_0.gguf", q8.primary().getFileName().toString());
        assertArrayEquals(Q8, Files.readAllBytes(q8.primary()));
        assertEquals("F16", pull("hf:" + REPO + ":F16").quant());

        ModelHub.Model q5 = pull("hf:" + REPO + ":Q5_K_M");
        assertEquals(Path.of("../../../../blobs/" + FakeHub.sha256(Q5)), Files.readSymbolicLink(q5.primary()));
        assertEquals(repoFolder().resolve("snapshots").resolve(COMMIT).resolve("sub/dir/tiny-Q5_K_M.gguf"), q5.primary());
        assertArrayEquals(Q5, Files.readAllBytes(q5.primary()));
        assertEquals(q5.primary(), pull("hf:" + REPO + "/sub/dir/tiny-Q5_K_M.gguf").primary());
    }

    @Test
    void absentAndAmbiguousQuantsListTheChoicesAndDownloadNothing() {
        HubException e = assertThrows(HubException.class, () -> pull("hf:" + REPO + ":Q5_K_S"));
        assertTrue(e.getMessage().startsWith("no Q5_K_S GGUF in hf:" + REPO + "; available: "), e.getMessage());
        for (String s : new String[] {"Q4_K_M (tiny-Q4_K_M.gguf)", "Q8_0 (tiny-Q8_0.gguf)", "F16 (tiny-f16.gguf)", "Q5_K_M (sub/dir/tiny-Q5_K_M.gguf)"})
            assertTrue(e.getMessage().contains(s), e.getMessage());

        hub.repo("acme/two", "1111111111111111111111111111111111111111")
                .lfs("base-Q4_K_M.gguf", Q8).lfs("instruct-Q4_K_M.gguf", F16).lfs("instruct-Q8_0.gguf", Q8);
        HubException a = assertThrows(HubException.class, () -> pull("hf:acme/two"));
        assertEquals("hf:acme/two:Q4_K_M is ambiguous: it matches base-Q4_K_M.gguf, instruct-Q4_K_M.gguf; "
                + "name one file with hf:acme/two/FILE.gguf", a.getMessage());
        assertEquals("instruct-Q8_0.gguf", pull("hf:acme/two:Q8_0").primary().getFileName().toString());
        assertEquals(List.of("GET /cdn/" + FakeHub.sha256(Q8)), hub.requests("GET /cdn/"));
    }

    @Test
    void withoutQ4KMTheDefaultFallsBackAsLlamaCppDoesAndSaysSo() {
        hub.repo("acme/noq4km", "2222222222222222222222222222222222222222")
                .lfs("m-Q8_0.gguf", Q8).lfs("m-Q4_0.gguf", F16).lfs("mmproj-m-f16.gguf", Q5);
        assertEquals("m-Q4_0.gguf", pull("hf:acme/noq4km").primary().getFileName().toString());
        assertTrue(notes.getFirst().contains("no Q4_K_M file; using m-Q4_0.gguf"), notes.toString());
        assertFalse(notes.getFirst().contains("mmproj"), "projector files are not models: " + notes);
    }

    @Test
    void splitModelsAreFetchedWhole() throws IOException {
        byte[] all = TinyGguf.bytes("llama", "big", 30_000, 9);
        int third = all.length / 3;
        byte[][] parts = {java.util.Arrays.copyOfRange(all, 0, third), java.util.Arrays.copyOfRange(all, third, 2 * third),
                java.util.Arrays.copyOfRange(all, 2 * third, all.length)};
        hub.repo("acme/big", "3333333333333333333333333333333333333333")
                .lfs("Q4_K_M/big-Q4_K_M-00002-of-00003.gguf", parts[1])
                .lfs("Q4_K_M/big-Q4_K_M-00001-of-00003.gguf", parts[0])
                .lfs("Q4_K_M/big-Q4_K_M-00003-of-00003.gguf", parts[2])
                .lfs("big-Q8_0.gguf", Q8);
        ModelHub.Model m = pull("hf:acme/big");
        assertEquals(3, m.files().size());
        assertTrue(m.primary().toString().endsWith("big-Q4_K_M-00001-of-00003.gguf"), m.primary().toString());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(parts[i], Files.readAllBytes(m.files().get(i)));
            assertEquals(Path.of("../../../blobs/" + FakeHub.sha256(parts[i])), Files.readSymbolicLink(m.files().get(i)));
        }
        assertEquals(3, hub.requests("GET /cdn/").size());
        // naming any one part fetches (here: finds) the whole set, primary first
        ModelHub.Model byPart = pull("hf:acme/big/Q4_K_M/big-Q4_K_M-00003-of-00003.gguf");
        assertEquals(m.files(), byPart.files());
        assertEquals(3, hub.requests("GET /cdn/").size());
    }

    @Test
    void aCutDownloadResumesWithARangeRequestOnTheNextRun() throws IOException {
        String sha = FakeHub.sha256(Q4);
        hub.cutAfter = 100_000;
        hub.cuts = 1;
        HubException e = assertThrows(HubException.class, () -> pull("hf:" + REPO));
        assertTrue(e.getMessage().contains("interrupted") && e.getMessage().contains("run the command again to resume"), e.getMessage());
        Path part = repoFolder().resolve("blobs").resolve(sha + ".incomplete");
        assertEquals(100_000, Files.size(part));
        assertFalse(Files.exists(repoFolder().resolve("blobs").resolve(sha)));
        assertFalse(Files.exists(repoFolder().resolve("snapshots")), "no snapshot link before the file is complete");

        ModelHub.Model m = pull("hf:" + REPO);
        assertArrayEquals(Q4, Files.readAllBytes(m.primary()));
        assertEquals(List.of("GET /cdn/" + sha, "GET /cdn/" + sha + " range=bytes=100000-"), hub.requests("GET /cdn/"));
        assertFalse(Files.exists(part));
    }

    @Test
    void interruptionsAreResumedWithinOnePull() throws IOException {
        hub.cutAfter = 50_000;
        hub.cuts = 2;
        ModelHub.Model m = pull(config(3), "hf:" + REPO);
        assertArrayEquals(Q4, Files.readAllBytes(m.primary()));
        String sha = FakeHub.sha256(Q4);
        assertEquals(List.of("GET /cdn/" + sha, "GET /cdn/" + sha + " range=bytes=50000-", "GET /cdn/" + sha + " range=bytes=100000-"),
                hub.requests("GET /cdn/"));
        assertEquals(2, notes.size(), notes.toString());
    }

    @Test
    void aStalledConnectionIsAbandonedAndResumed() throws IOException {
        pull("hf:" + REPO + ":Q8_0"); // warm both ends up, so that only the stall takes a second
        hub.log.clear();
        hub.cutAfter = 70_000;
        hub.stalls = 1;
        HubConfig cfg = new HubConfig(URI.create(hub.base()), tmp.resolve("hub"), tmp.resolve("quanta"), null, false, 1,
                Duration.ofMillis(5), Duration.ofMillis(1000), HubConfig.FreeSpace.FILE_STORE);
        ModelHub.Model m = pull(cfg, "hf:" + REPO);
        assertArrayEquals(Q4, Files.readAllBytes(m.primary()));
        String sha = FakeHub.sha256(Q4);
        assertEquals(List.of("GET /cdn/" + sha, "GET /cdn/" + sha + " range=bytes=70000-"), hub.requests("GET /cdn/"));
        assertTrue(notes.getFirst().contains("no data for 1.0 s"), notes.toString());
    }

    @Test
    void aWrongChecksumLeavesNothingInTheCache() throws IOException {
        hub.corrupt = true;
        HubException e = assertThrows(HubException.class, () -> pull("hf:" + REPO));
        assertTrue(e.getMessage().startsWith("checksum mismatch for " + REPO + "/tiny-Q4_K_M.gguf: expected sha256 " + FakeHub.sha256(Q4)), e.getMessage());
        assertTrue(e.getMessage().contains("partial download was deleted"), e.getMessage());
        assertEquals(new TreeSet<>(), tree(tmp.resolve("hub")), "no blob, no link, no .incomplete, no ref, no lock");

        hub.corrupt = false;
        assertArrayEquals(Q4, Files.readAllBytes(pull("hf:" + REPO).primary()));
    }

    @Test
    void smallGitFilesAreVerifiedByTheirGitBlobId() throws IOException {
        ModelHub.Model m = pull("hf:" + REPO + "/README.md");
        String oid = FakeHub.gitSha1(README);
        assertEquals(Path.of("../../blobs/" + oid), Files.readSymbolicLink(m.primary()));
        assertArrayEquals(README, Files.readAllBytes(m.primary()));
    }

    @Test
    void gatedRepositoriesNeedAToken() throws IOException {
        hub.repos.get(REPO).gated = true;
        HubException e401 = assertThrows(HubException.class, () -> pull("hf:" + REPO));
        assertEquals(REPO + " is gated or private (HTTP 401): accept its license at " + hub.base() + "/" + REPO
                + " and set HF_TOKEN to an access token of that account", e401.getMessage());
        HubException e403 = assertThrows(HubException.class, () -> pull(config(0).withToken("hf_wrong"), "hf:" + REPO));
        assertTrue(e403.getMessage().startsWith("your HF_TOKEN has no access to " + REPO + " (HTTP 403)"), e403.getMessage());

        ModelHub.Model m = pull(config(0).withToken(FakeHub.TOKEN), "hf:" + REPO);
        assertArrayEquals(Q4, Files.readAllBytes(m.primary()));
        assertEquals(List.of("GET /" + REPO + "/resolve/" + COMMIT + "/tiny-Q4_K_M.gguf auth=Bearer " + FakeHub.TOKEN),
                hub.requests("GET /" + REPO + "/resolve").stream().filter(s -> s.contains(FakeHub.TOKEN)).toList());
    }

    @Test
    void missingRepositoriesAndFilesAreNamed() {
        HubException repo = assertThrows(HubException.class, () -> pull("hf:acme/nope"));
        assertEquals("repository acme/nope not found on " + hub.base() + " (HTTP 404); if it is private or gated, set HF_TOKEN", repo.getMessage());
        HubException file = assertThrows(HubException.class, () -> pull("hf:" + REPO + "/missing-Q2_K.gguf"));
        assertTrue(file.getMessage().startsWith("file missing-Q2_K.gguf not found in " + REPO + " at revision main; its GGUF models: "), file.getMessage());
        HubException rev = assertThrows(HubException.class, () -> pull("hf:" + REPO + "@v9"));
        assertEquals("revision 'v9' not found in " + REPO + " (HTTP 404)", rev.getMessage());
    }

    @Test
    void aFullDiskIsReportedBeforeDownloading() {
        HubConfig cfg = config(0).withFreeSpace(folder -> 1000);
        HubException e = assertThrows(HubException.class, () -> pull(cfg, "hf:" + REPO));
        assertEquals("not enough disk space in " + repoFolder().resolve("blobs") + " for " + REPO + "/tiny-Q4_K_M.gguf: needs "
                + Q4.length + " bytes (" + ProgressBar.human(Q4.length) + "), 1000 bytes (1000 B) available; "
                + "free some space or set HF_HUB_CACHE to a bigger disk", e.getMessage());
        assertTrue(hub.requests("GET /cdn/").isEmpty());
    }

    @Test
    void offlineResolvesFromTheCacheWithoutTheNetwork() throws IOException {
        Path link = pull("hf:" + REPO + ":Q8_0").primary();
        int before = hub.log.size();
        try (ModelHub h = open(config(0).withOffline(true))) {
            assertEquals(link, h.resolve("hf:" + REPO + ":Q8_0").primary());
            assertEquals(link, h.pull(h.parse("hf:" + REPO + ":q8_0")).primary());
            // offline, the default rule picks among what is cached (no Q4_K_M here) and says so
            assertEquals(link, h.resolve("hf:" + REPO).primary());
            HubException e = assertThrows(HubException.class, () -> h.resolve("hf:" + REPO + ":F16"));
            assertEquals("hf:" + REPO + ":F16 is not in the cache (" + tmp.resolve("hub") + ") and offline mode is on; "
                    + "cached from that repository: hf:" + REPO + ":Q8_0", e.getMessage());
        }
        assertEquals(before, hub.log.size(), "offline never touches the network");
        // online, hf:REPO (Q4_K_M by default) is not satisfied by the cached Q8_0: it is pulled
        try (ModelHub h = open(config(0))) {
            assertEquals("tiny-Q4_K_M.gguf", h.resolve("hf:" + REPO).primary().getFileName().toString());
        }
    }

    @Test
    void aCacheWrittenByHuggingfaceHubIsReused() throws IOException {
        String sha = FakeHub.sha256(Q4);
        Path f = repoFolder();
        Files.createDirectories(f.resolve("blobs"));
        Files.write(f.resolve("blobs").resolve(sha), Q4);
        Files.createDirectories(f.resolve("snapshots").resolve(COMMIT));
        Files.createSymbolicLink(f.resolve("snapshots").resolve(COMMIT).resolve("tiny-Q4_K_M.gguf"), Path.of("../../blobs/" + sha));
        Files.createDirectories(f.resolve("refs"));
        Files.writeString(f.resolve("refs/main"), COMMIT);
        TreeSet<String> before = tree(f);
        try (ModelHub h = open(config(0))) {
            assertArrayEquals(Q4, Files.readAllBytes(h.resolve("hf:" + REPO).primary()));
        }
        assertTrue(hub.log.isEmpty(), hub.log.toString());
        pull("hf:" + REPO);
        assertTrue(hub.requests("GET /cdn/").isEmpty());
        assertEquals(before, tree(f));
        // a blob already there under another commit's snapshot is linked, not downloaded again
        hub.repo(REPO, "4444444444444444444444444444444444444444").lfs("tiny-Q4_K_M.gguf", Q4);
        pull("hf:" + REPO);
        assertTrue(hub.requests("GET /cdn/").isEmpty());
        assertEquals("4444444444444444444444444444444444444444", Files.readString(f.resolve("refs/main")));
        assertEquals(Path.of("../../blobs/" + sha),
                Files.readSymbolicLink(f.resolve("snapshots/4444444444444444444444444444444444444444/tiny-Q4_K_M.gguf")));
    }

    @Test
    void listAndRemove() throws IOException {
        pull("hf:" + REPO);
        pull("hf:" + REPO + ":Q8_0");
        pull("hf:" + REPO + ":Q5_K_M");
        try (ModelHub h = open(config(0))) {
            List<ModelHub.CachedModel> l = h.list();
            assertEquals(List.of("hf:" + REPO + ":Q5_K_M", "hf:" + REPO + ":Q4_K_M", "hf:" + REPO + ":Q8_0"),
                    l.stream().map(ModelHub.CachedModel::ref).toList());
            assertEquals(List.of("qwen2", "llama", "llama"), l.stream().map(ModelHub.CachedModel::arch).toList());
            assertEquals(List.of((long) Q5.length, (long) Q4.length, (long) Q8.length), l.stream().map(ModelHub.CachedModel::size).toList());

            HubException several = assertThrows(HubException.class, () -> h.remove(h.parse("hf:" + REPO), false));
            assertTrue(several.getMessage().startsWith("hf:" + REPO + " has 3 models cached"), several.getMessage());

            ModelHub.Removed r = h.remove(h.parse("hf:" + REPO + ":q8_0"), false);
            assertEquals(Q8.length, r.freedBytes());
            assertFalse(Files.exists(repoFolder().resolve("blobs").resolve(FakeHub.sha256(Q8))));
            assertFalse(Files.exists(repoFolder().resolve("snapshots").resolve(COMMIT).resolve("tiny-Q8_0.gguf"), LinkOption.NOFOLLOW_LINKS));
            h.remove(h.parse("hf:" + REPO + "/sub/dir/tiny-Q5_K_M.gguf"), false);
            assertFalse(Files.exists(repoFolder().resolve("snapshots").resolve(COMMIT).resolve("sub")), "empty folders go");
            assertEquals(List.of("hf:" + REPO + ":Q4_K_M"), h.list().stream().map(ModelHub.CachedModel::ref).toList());
            h.remove(h.parse("hf:" + REPO), false); // the only one left
            assertFalse(Files.exists(repoFolder()), "a repository with no files left goes entirely");
            HubException gone = assertThrows(HubException.class, () -> h.remove(h.parse("hf:" + REPO), false));
            assertTrue(gone.getMessage().contains("is not in the cache"), gone.getMessage());
        }
    }

    @Test
    void plainUrlsAreVerifiedAgainstTheirEtagAndListed() throws IOException {
        hub.plainFiles.put("model-Q6_K.gguf", Q8);
        String url = hub.base() + "/files/model-Q6_K.gguf";
        ModelHub.Model m = pull(url);
        assertArrayEquals(Q8, Files.readAllBytes(m.primary()));
        assertTrue(m.primary().startsWith(tmp.resolve("quanta").resolve("url")), m.primary().toString());
        try (ModelHub h = open(config(0))) {
            assertEquals(m.primary(), h.resolve(url).primary());
            assertEquals(List.of(url), h.list().stream().map(ModelHub.CachedModel::ref).toList());
            assertEquals("Q6_K", h.list().getFirst().quant());
        }
        assertEquals(1, hub.requests("GET /files/").size());
        // a hub resolve URL is the hf: reference it names, and shares the Hugging Face cache
        ModelHub.Model viaUrl = pull(hub.base() + "/" + REPO + "/resolve/main/tiny-Q8_0.gguf");
        assertEquals(repoFolder().resolve("snapshots").resolve(COMMIT).resolve("tiny-Q8_0.gguf"), viaUrl.primary());
    }
}
