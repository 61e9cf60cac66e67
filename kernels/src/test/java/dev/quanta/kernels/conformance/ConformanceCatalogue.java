package dev.quanta.kernels.conformance;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.graph.Graph;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.OpParams.RopeMode;
import dev.quanta.kernels.graph.Tensor;
import dev.quanta.kernels.quant.QuantCodecs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every case of the conformance suite, in the spirit of llama.cpp's {@code test-backend-ops}: every
 * op × every type it accepts × awkward shapes (primes, block boundaries, one row, batch 1 and batch
 * > 1, strided views of fused tensors), plus whole mini-graphs (a llama-style layer).
 *
 * <p>MUL_MAT and GET_ROWS cover every type {@link QuantCodecs#supported}, so a new codec is tested
 * as soon as it is registered. Budgets (NMSE) allow what ggml's backends do: MUL_MAT may quantize
 * activations to Q8 (or F16/BF16) for non-F32 weights, GELU may come from an F16 table, ATTENTION
 * may compute in F16.
 */
public final class ConformanceCatalogue {
    private ConformanceCatalogue() {}

    /** Elementwise F32 ops, lookups and float conversions: only rounding of the last bit. */
    public static final double EXACT = 1e-7;
    /** F32 reductions (dot products, norms, softmax) whose summation order may differ. */
    public static final double F32_SUM = 1e-6;
    /** tanh/exp based activations that ggml reads from an F16 table. */
    public static final double TABLE = 1e-5;
    /** Quantized destinations: another quantizer may round a few values the other way. */
    public static final double QUANT_STORE = 1e-4;
    /** Non-F32 weights or caches: activations may be quantized to Q8_0/F16/BF16 as ggml does. */
    public static final double QUANT_ACT = 5e-4;
    /**
     * Quantized-weight MUL_MAT with activations on the 8-bit grid ({@link CaseContext#q8GridInput}):
     * a backend that quantizes activations to Q8 loses nothing, so only the order of float sums may
     * differ from the reference. Strict, one output or many (a single output near zero after
     * cancellation can still carry a ~1e-5 relative error from float summation).
     */
    public static final double QUANT_GRID = 1e-6;
    /** A whole layer with quantized weights and an F16 cache. */
    public static final double LAYER = 2e-3;

    /** The catalogue, in a fixed order. */
    public static List<ConformanceCase> cases() {
        List<ConformanceCase> c = new ArrayList<>();
        getRows(c);
        mulMat(c);
        binary(c);
        unary(c);
        norms(c);
        rope(c);
        softMax(c);
        attention(c);
        setRows(c);
        cpy(c);
        argmax(c);
        layers(c);
        return c;
    }

    /** Every type with a registered codec, in id order. */
    public static List<GgmlType> codecTypes() {
        return Arrays.stream(GgmlType.values()).filter(t -> !t.isRetired() && QuantCodecs.supported(t)).toList();
    }

    /** Types the contract names for the KV cache and SET_ROWS destinations. */
    public static final List<GgmlType> CACHE_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0);

    static String shape(long... ne) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ne.length; i++) sb.append(i == 0 ? "" : ",").append(ne[i]);
        return sb.append(']').toString();
    }

    private static void add(List<ConformanceCase> c, Op op, GgmlType type, String shape, double budget,
                            java.util.function.Function<CaseContext, List<Tensor>> build) {
        c.add(new ConformanceCase(op.name(), type.name(), shape, budget, build));
    }

    /** Row lengths that are awkward for {@code type}: one element or block, primes, a few blocks. */
    static long[] rowLengths(GgmlType type) {
        int bs = type.blockSize;
        return bs == 1 ? new long[] {1, 7, 67} : new long[] {bs, 3L * bs};
    }

    // ---- GET_ROWS, MUL_MAT ----------------------------------------------------------------------

    private static void getRows(List<ConformanceCase> c) {
        for (GgmlType t : codecTypes()) {
            for (long k : rowLengths(t)) {
                for (int m : new int[] {1, 5}) {
                    add(c, Op.GET_ROWS, t, "table" + shape(k, 11) + " ids" + shape(m), EXACT, ctx -> {
                        Tensor table = ctx.weights("table", t, 1f, k, 11);
                        int[] ids = ctx.ints(m, 11);
                        if (m > 1) ids[m - 1] = ids[0]; // a repeated id
                        ids[0] = 10;                    // the last row
                        return List.of(ctx.graph().getRows(table, ctx.inputInts("ids", ids)).markOutput());
                    });
                }
            }
        }
    }

    private static void mulMat(List<ConformanceCase> c) {
        for (GgmlType t : codecTypes()) {
            double budget = t == GgmlType.F32 ? F32_SUM : QUANT_ACT;
            for (long k : rowLengths(t)) {
                for (long n : new long[] {1, 13}) {
                    for (long m : new long[] {1, 5}) {
                        boolean grid = t.isQuantized();
                        add(c, Op.MUL_MAT, t, "W" + shape(k, n) + " x" + shape(k, m) + (grid ? " (x on the q8 grid)" : ""),
                                grid ? QUANT_GRID : budget, ctx -> {
                            Tensor w = ctx.weights("w", t, 1f, k, n);
                            Tensor x = grid ? ctx.q8GridInput("x", k, m) : ctx.input("x", k, m);
                            return List.of(ctx.graph().mulMat(w, x).markOutput());
                        });
                    }
                }
            }
            long k = rowLengths(t)[1];
            add(c, Op.MUL_MAT, t, "W" + shape(k, 7) + " x=strided cols of" + shape(k + 3, 4), budget, ctx -> {
                Tensor w = ctx.weights("w", t, 1f, k, 7);
                Tensor wide = ctx.input("wide", k + 3, 4);
                return List.of(ctx.graph().mulMat(w, ctx.graph().cols(wide, 2, k)).markOutput());
            });
            add(c, Op.MUL_MAT, t, "W" + shape(k, 6) + " x" + shape(k, 3, 2), budget, ctx -> {
                Tensor w = ctx.weights("w", t, 1f, k, 6);
                return List.of(ctx.graph().mulMat(w, ctx.input("x", k, 3, 2)).markOutput());
            });
        }
    }

    // ---- elementwise ----------------------------------------------------------------------------

    private static final long[][] EW_SHAPES = {{1, 1}, {7, 1}, {67, 3}, {33, 2, 3}};

    private static void binary(List<ConformanceCase> c) {
        for (Op op : new Op[] {Op.ADD, Op.MUL}) {
            for (long[] ne : EW_SHAPES) {
                for (boolean broadcast : new boolean[] {false, true}) {
                    add(c, op, GgmlType.F32, "a" + shape(ne) + (broadcast ? " b" + shape(ne[0]) : " b=a's shape"), EXACT, ctx -> {
                        Tensor a = ctx.input("a", ne);
                        Tensor b = broadcast ? ctx.input("b", ne[0]) : ctx.input("b", ne);
                        Graph g = ctx.graph();
                        return List.of((op == Op.ADD ? g.add(a, b) : g.mul(a, b)).markOutput());
                    });
                }
            }
            add(c, op, GgmlType.F32, "strided views a=cols of [40,3], b=rows of [37,5]", EXACT, ctx -> {
                Graph g = ctx.graph();
                Tensor a = g.cols(ctx.input("wa", 40, 3), 3, 37);
                Tensor b = g.rows(ctx.input("wb", 37, 5), 2, 3);
                return List.of((op == Op.ADD ? g.add(a, b) : g.mul(a, b)).markOutput());
            });
        }
    }

    private static void unary(List<ConformanceCase> c) {
        for (long[] ne : EW_SHAPES) {
            add(c, Op.SCALE, GgmlType.F32, shape(ne), EXACT, ctx -> List.of(ctx.graph().scale(ctx.input("a", ne), -0.37f).markOutput()));
            add(c, Op.SILU, GgmlType.F32, shape(ne), F32_SUM, ctx -> List.of(ctx.graph().silu(wide(ctx, ne)).markOutput()));
            add(c, Op.GELU, GgmlType.F32, shape(ne), TABLE, ctx -> List.of(ctx.graph().gelu(wide(ctx, ne)).markOutput()));
            add(c, Op.SOFTCAP, GgmlType.F32, shape(ne), F32_SUM,
                    ctx -> List.of(ctx.graph().softcap(wide(ctx, ne), 5f).markOutput()));
            add(c, Op.SWIGLU, GgmlType.F32, shape(ne), F32_SUM,
                    ctx -> List.of(ctx.graph().swiglu(wide(ctx, ne), ctx.input("up", ne)).markOutput()));
            add(c, Op.GEGLU, GgmlType.F32, shape(ne), TABLE,
                    ctx -> List.of(ctx.graph().geglu(wide(ctx, ne), ctx.input("up", ne)).markOutput()));
        }
        add(c, Op.SWIGLU, GgmlType.F32, "gate, up = strided halves of a fused [2*29, 3]", F32_SUM, ctx -> {
            Graph g = ctx.graph();
            Tensor gu = ctx.input("gate_up", 58, 3);
            return List.of(g.swiglu(g.cols(gu, 0, 29), g.cols(gu, 29, 29)).markOutput());
        });
    }

    /** Inputs spread over [-12, 12): both tails of the activations, not just the middle. */
    private static Tensor wide(CaseContext ctx, long[] ne) {
        long n = 1;
        for (long d : ne) n *= d;
        return ctx.input("a", ctx.uniform((int) n, -12f, 12f), ne);
    }

    private static void norms(List<ConformanceCase> c) {
        for (long[] ne : new long[][] {{1, 1}, {13, 1}, {96, 3}, {67, 2, 2}}) {
            for (boolean weighted : new boolean[] {false, true}) {
                String s = shape(ne) + (weighted ? " with weight" : "");
                add(c, Op.RMS_NORM, GgmlType.F32, s, F32_SUM, ctx -> List.of(ctx.graph()
                        .rmsNorm(ctx.input("x", ne), weighted ? ctx.input("w", ne[0]) : null, 1e-5f).markOutput()));
                add(c, Op.NORM, GgmlType.F32, s + (weighted ? " and bias" : ""), F32_SUM, ctx -> List.of(ctx.graph()
                        .norm(ctx.input("x", ne), weighted ? ctx.input("w", ne[0]) : null,
                                weighted ? ctx.input("b", ne[0]) : null, 1e-5f).markOutput()));
            }
        }
        add(c, Op.RMS_NORM, GgmlType.F32, "x=rows of a strided view, large values", F32_SUM, ctx -> {
            Graph g = ctx.graph();
            Tensor wide = ctx.input("wide", ctx.uniform(50 * 4, -1000f, 1000f), 50, 4);
            return List.of(g.rmsNorm(g.cols(wide, 1, 48), ctx.input("w", 48), 1e-6f).markOutput());
        });
    }

    // ---- rope -----------------------------------------------------------------------------------

    private static void rope(List<ConformanceCase> c) {
        for (RopeMode mode : RopeMode.values()) {
            // headDim, nRot, nHead, nTok
            for (int[] s : new int[][] {{8, 8, 1, 1}, {12, 6, 3, 4}, {64, 64, 2, 3}}) {
                int hd = s[0], nRot = s[1], nh = s[2], nt = s[3];
                add(c, Op.ROPE, GgmlType.F32, mode + " x" + shape(hd, nh, nt) + " nRot " + nRot, F32_SUM, ctx -> {
                    Tensor x = ctx.input("x", hd, nh, nt);
                    Tensor pos = ctx.inputInts("pos", ctx.ints(nt, 1000));
                    return List.of(ctx.graph().rope(x, pos, null, OpParams.Rope.plain(mode, nRot, 10000f)).markOutput());
                });
            }
            add(c, Op.ROPE, GgmlType.F32, mode + " freq factors, base 500000", F32_SUM, ctx -> {
                Tensor x = ctx.input("x", 16, 2, 3);
                Tensor pos = ctx.inputInts("pos", 0, 17, 4095);
                Tensor ff = ctx.input("ff", ctx.uniform(8, 1f, 8f), 8);
                return List.of(ctx.graph().rope(x, pos, ff, OpParams.Rope.plain(mode, 16, 500000f)).markOutput());
            });
            add(c, Op.ROPE, GgmlType.F32, mode + " YaRN (freqScale 1/4, nCtxOrig 256)", F32_SUM, ctx -> {
                Tensor x = ctx.input("x", 32, 2, 2);
                Tensor pos = ctx.inputInts("pos", 3, 900);
                var p = new OpParams.Rope(mode, 32, 256, 10000f, 0.25f, 1f, 1f, 32f, 1f);
                return List.of(ctx.graph().rope(x, pos, null, p).markOutput());
            });
            add(c, Op.ROPE, GgmlType.F32, mode + " x=strided view of a fused QKV", F32_SUM, ctx -> {
                Graph g = ctx.graph();
                Tensor qkv = ctx.input("qkv", 8 * 6, 3);          // per token: q (2 heads), k (2 heads), v (2 heads) of 8
                Tensor k = g.view("k", qkv, new long[] {8, 2, 3}, new long[] {4, 32, 48 * 4}, 16 * 4);
                return List.of(g.rope(k, ctx.inputInts("pos", 5, 6, 7), null, OpParams.Rope.plain(mode, 8, 10000f)).markOutput());
            });
        }
    }

    // ---- softmax, attention ---------------------------------------------------------------------

    private static float[] causalMask(int nKv, int nTok, int nPast) {
        float[] m = new float[nKv * nTok];
        for (int t = 0; t < nTok; t++)
            for (int j = 0; j < nKv; j++) m[t * nKv + j] = j <= nPast + t ? 0f : Float.NEGATIVE_INFINITY;
        return m;
    }

    private static void softMax(List<ConformanceCase> c) {
        for (long[] ne : new long[][] {{1, 1}, {7, 4}, {33, 5}}) {
            add(c, Op.SOFT_MAX, GgmlType.F32, shape(ne), F32_SUM,
                    ctx -> List.of(ctx.graph().softMax(ctx.input("a", ne), null, 1f).markOutput()));
            add(c, Op.SOFT_MAX, GgmlType.F32, shape(ne) + " scale 0.125, causal mask", F32_SUM, ctx -> {
                Tensor mask = ctx.input("mask", causalMask((int) ne[0], (int) ne[1], (int) ne[0] - (int) ne[1]), ne);
                return List.of(ctx.graph().softMax(ctx.input("a", ctx.uniform((int) (ne[0] * ne[1]), -40, 40), ne), mask, 0.125f)
                        .markOutput());
            });
        }
        add(c, Op.SOFT_MAX, GgmlType.F32, "[9,3] a fully masked row gives zeros", F32_SUM, ctx -> {
            float[] m = ctx.uniform(27, -2, 2);
            for (int j = 9; j < 18; j++) m[j] = Float.NEGATIVE_INFINITY;
            return List.of(ctx.graph().softMax(ctx.input("a", 9, 3), ctx.input("mask", m, 9, 3), 1f).markOutput());
        });
    }

    private static void attention(List<ConformanceCase> c) {
        // nHead, nKvHead, headDim, headDimV, nTok, nKv
        int[][] shapes = {{4, 4, 32, 32, 1, 1}, {4, 2, 32, 32, 5, 7}, {6, 1, 64, 64, 1, 37}, {2, 1, 32, 64, 3, 9}};
        for (GgmlType t : CACHE_TYPES) {
            double budget = t == GgmlType.F32 ? 1e-5 : QUANT_ACT;
            for (int[] s : shapes) {
                for (float softcap : new float[] {0f, 30f}) {
                    if (softcap != 0 && s[5] < 7) continue;
                    int nh = s[0], nkv = s[1], dk = s[2], dv = s[3], nt = s[4], nKv = s[5];
                    String name = "heads " + nh + "/" + nkv + " dk " + dk + " dv " + dv + " q" + shape(dk, nh, nt)
                            + " nKv " + nKv + " in a cache of " + (nKv + 5) + (softcap != 0 ? " softcap " + softcap : "");
                    add(c, Op.ATTENTION, t, name, budget, ctx -> {
                        Graph g = ctx.graph();
                        Tensor q = ctx.input("q", dk, nh, nt);
                        // caches hold nKv + 5 cells; attention reads the first nKv through row views
                        Tensor kc = ctx.weights("k_cache", t, 1f, (long) dk * nkv, nKv + 5);
                        Tensor vc = ctx.weights("v_cache", t, 1f, (long) dv * nkv, nKv + 5);
                        Tensor mask = ctx.input("mask", causalMask(nKv, nt, nKv - nt), nKv, nt);
                        var p = new OpParams.Attention(nh, nkv, dk, dv, 1f / (float) Math.sqrt(dk), softcap);
                        return List.of(g.attention(q, g.rows(kc, 0, nKv), g.rows(vc, 0, nKv), mask, p).markOutput());
                    });
                }
            }
            add(c, Op.ATTENTION, t, "a token whose mask is all -inf gives zeros", budget, ctx -> {
                Graph g = ctx.graph();
                float[] m = causalMask(8, 2, 6);
                Arrays.fill(m, 8, 16, Float.NEGATIVE_INFINITY);
                var p = new OpParams.Attention(2, 2, 32, 32, 0.2f, 0f);
                return List.of(g.attention(ctx.input("q", 32, 2, 2), ctx.weights("k", t, 1f, 64, 8), ctx.weights("v", t, 1f, 64, 8),
                        ctx.input("mask", m, 8, 2), p).markOutput());
            });
        }
    }

    // ---- writes ---------------------------------------------------------------------------------

    private static void setRows(List<ConformanceCase> c) {
        for (GgmlType t : CACHE_TYPES) {
            double budget = t == GgmlType.Q8_0 ? QUANT_STORE : EXACT;
            for (long n : new long[] {32, 96}) {
                for (int[] idx : new int[][] {{4}, {6, 0, 3}}) {
                    add(c, Op.SET_ROWS, t, "dst" + shape(n, 7) + " idx " + Arrays.toString(idx), budget, ctx -> {
                        Tensor dst = ctx.weights("dst", t, 1f, n, 7);
                        Tensor src = ctx.input("src", n, idx.length);
                        ctx.graph().setRows(dst, src, ctx.inputInts("idx", idx));
                        return List.of(dst); // the whole destination: written rows changed, the others intact
                    });
                }
            }
            add(c, Op.SET_ROWS, t, "src=strided cols of a fused [160,2] into dst[64,5]", budget, ctx -> {
                Graph g = ctx.graph();
                Tensor dst = ctx.weights("dst", t, 1f, 64, 5);
                Tensor fused = ctx.input("fused", 160, 2);
                g.setRows(dst, g.cols(fused, 32, 64), ctx.inputInts("idx", 1, 4));
                return List.of(dst);
            });
        }
    }

    private static void cpy(List<ConformanceCase> c) {
        for (GgmlType t : codecTypes()) {
            double budget = t.isQuantized() ? QUANT_STORE : EXACT;
            long n = t.blockSize == 1 ? 67 : 2L * t.blockSize;
            add(c, Op.CPY, t, t + shape(n, 2) + " -> F32", EXACT,
                    ctx -> List.of(ctx.graph().cpy(ctx.weights("w", t, 1f, n, 2), GgmlType.F32).markOutput()));
            if (!QuantCodecs.of(t).canQuantize()) continue;
            add(c, Op.CPY, t, "F32" + shape(n, 3) + " -> " + t, budget,
                    ctx -> List.of(ctx.graph().cpy(ctx.input("a", n, 3), t).markOutput()));
            add(c, Op.CPY, t, "F32 strided cols -> " + t, budget, ctx -> {
                Graph g = ctx.graph();
                return List.of(g.cpy(g.cols(ctx.input("wide", n + 5, 2), 5, n), t).markOutput());
            });
        }
    }

    private static void argmax(List<ConformanceCase> c) {
        for (long[] ne : new long[][] {{1, 1}, {7, 3}, {1000, 2}}) {
            add(c, Op.ARGMAX, GgmlType.F32, shape(ne), EXACT, ctx -> List.of(ctx.graph().argmax(ctx.input("a", ne)).markOutput()));
        }
        add(c, Op.ARGMAX, GgmlType.F32, "ties: the lowest index wins", EXACT,
                ctx -> List.of(ctx.graph().argmax(ctx.input("a", new float[] {1, 3, 3, 0, -1, -1, -2, -1}, 4, 2)).markOutput()));
    }

    // ---- mini-graphs ----------------------------------------------------------------------------

    private static void layers(List<ConformanceCase> c) {
        for (GgmlType t : codecTypes()) {
            if (!QuantCodecs.of(t).canQuantize()) continue;
            for (int nTok : new int[] {1, 4}) {
                c.add(new ConformanceCase("LAYER", t.name(), "llama layer, weights " + t + ", F16 cache, " + nTok + " token(s) after 3",
                        LAYER, ctx -> llamaLayer(ctx, t, nTok, 3)));
            }
        }
    }

    /**
     * One llama-style decoder layer: fused QKV, RoPE on strided views, K/V written into an F16 cache
     * with SET_ROWS, GQA attention over a view of the cache, output projection, residuals, SwiGLU FFN.
     */
    static List<Tensor> llamaLayer(CaseContext ctx, GgmlType wt, int nTok, int nPast) {
        int bs = Math.max(32, wt.blockSize);                 // K-quants: one super-block per row keeps the case fast
        int dim = bs == 32 ? 64 : bs, hd = 32, nHead = dim / hd, nKvHead = nHead / 2, kvDim = nKvHead * hd;
        int ffn = bs == 32 ? 96 : bs, nCtx = 16;
        int qkvDim = dim + 2 * kvDim, nKv = nPast + nTok;
        float ws = 1f / (float) Math.sqrt(dim);
        Graph g = ctx.graph();
        Tensor x = ctx.input("x", dim, nTok);                                        // [dim, nTok]
        Tensor attnNorm = ctx.storage("attn_norm", GgmlType.F32, ctx.uniform(dim, 0.5f, 1.5f), dim);
        Tensor wqkv = ctx.weights("wqkv", wt, ws, dim, qkvDim);
        Tensor wo = ctx.weights("wo", wt, ws, dim, dim);
        Tensor ffnNorm = ctx.storage("ffn_norm", GgmlType.F32, ctx.uniform(dim, 0.5f, 1.5f), dim);
        Tensor wGateUp = ctx.weights("w_gate_up", wt, ws, dim, 2L * ffn);
        Tensor wDown = ctx.weights("w_down", wt, 1f / (float) Math.sqrt(ffn), ffn, dim);
        Tensor kCache = ctx.weights("k_cache", GgmlType.F16, 1f, kvDim, nCtx);     // cells before nPast hold earlier tokens
        Tensor vCache = ctx.weights("v_cache", GgmlType.F16, 1f, kvDim, nCtx);
        int[] positions = new int[nTok];
        for (int i = 0; i < nTok; i++) positions[i] = nPast + i;
        Tensor pos = ctx.inputInts("pos", positions);
        Tensor mask = ctx.input("mask", causalMask(nKv, nTok, nPast), nKv, nTok);
        var rope = OpParams.Rope.plain(RopeMode.NORM, hd, 10000f);

        Tensor h = g.rmsNorm(x, attnNorm, 1e-5f);                                    // [dim, nTok]
        Tensor qkv = g.mulMat(wqkv, h);                                              // [qkvDim, nTok]
        long rowB = qkv.nb(1);
        Tensor q = g.view("q", qkv, new long[] {hd, nHead, nTok}, new long[] {4, hd * 4L, rowB}, 0);
        Tensor k = g.view("k", qkv, new long[] {hd, nKvHead, nTok}, new long[] {4, hd * 4L, rowB}, dim * 4L);
        Tensor v = g.cols(qkv, dim + kvDim, kvDim);                                  // [kvDim, nTok], strided
        q = g.rope(q, pos, null, rope);                                              // [hd, nHead, nTok]
        k = g.reshape(g.rope(k, pos, null, rope), kvDim, nTok);                      // [kvDim, nTok]
        Tensor kAll = g.setRows(kCache, k, pos);                                     // [kvDim, nCtx]
        Tensor vAll = g.setRows(vCache, v, pos);
        var p = new OpParams.Attention(nHead, nKvHead, hd, hd, 1f / (float) Math.sqrt(hd), 0f);
        Tensor attn = g.attention(q, g.rows(kAll, 0, nKv), g.rows(vAll, 0, nKv), mask, p); // [dim, nTok]
        Tensor x1 = g.add(x, g.mulMat(wo, attn));                                    // [dim, nTok]
        Tensor h2 = g.rmsNorm(x1, ffnNorm, 1e-5f);
        Tensor gu = g.mulMat(wGateUp, h2);                                           // [2*ffn, nTok]
        Tensor ff = g.swiglu(g.cols(gu, 0, ffn), g.cols(gu, ffn, ffn));              // [ffn, nTok]
        Tensor out = g.add(x1, g.mulMat(wDown, ff)).markOutput();                    // [dim, nTok]
        return List.of(out, kCache, vCache);
    }
}
