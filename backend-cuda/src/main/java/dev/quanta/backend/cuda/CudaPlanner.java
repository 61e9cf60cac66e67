package dev.quanta.backend.cuda;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.backend.BackendException;
import dev.quanta.kernels.graph.Op;
import dev.quanta.kernels.graph.OpParams;
import dev.quanta.kernels.graph.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Turns the nodes of a graph into the kernel launches of quanta.cu: kernel choice, argument order
 * (exactly the kernel signatures), grid and block sizes. Pure host code, so its output is unit
 * tested without a GPU. Tensors placed by the stream are in {@code addr}; leaves in device
 * memory are resolved by {@code storage}; VIEW and SET_ROWS results are added to {@code addr}.
 */
final class CudaPlanner {
    /** Activation rows up to which MUL_MAT uses the GEMV kernels (dp4a or mul_mat_vec). */
    static final int MV_MAX_ROWS = 4;
    /** Warps per block of the MUL_MAT kernels (one weight row per warp). */
    static final int MM_WARPS = 8;
    /** Activation rows per block of the tiled mul_mat kernel (MM_ROWS in quanta.cu). */
    static final int MM_ROWS = 8;
    /** Bytes of one Q8_1 block (quantized activations of the dp4a path). */
    static final int Q8_1_BYTES = 36;

    private final Map<Tensor, Long> addr;
    private final ToLongFunction<Tensor> storage;
    private final long scratch;

    CudaPlanner(Map<Tensor, Long> addr, ToLongFunction<Tensor> storage, long scratch) {
        this.addr = addr;
        this.storage = storage;
        this.scratch = scratch;
    }

    static boolean supported(Tensor n) {
        Tensor a = n.src(0);
        return switch (n.op()) {
            case NONE, VIEW -> true;
            case GET_ROWS, MUL_MAT -> CudaDevice.kernelSuffix(a.type()) != null && a.ne(0) % a.type().blockSize == 0;
            case ADD, MUL, SCALE, RMS_NORM, NORM, SOFT_MAX, SILU, GELU, SOFTCAP, SWIGLU, GEGLU, ARGMAX -> true;
            case ROPE -> a.ne(3) == 1;
            case ATTENTION -> {
                if (a.ne(3) != 1) yield false;
                GgmlType kt = n.src(1).type();
                OpParams.Attention p = (OpParams.Attention) n.params();
                yield (kt == GgmlType.F32 || kt == GgmlType.F16 || kt == GgmlType.Q8_0) && kt == n.src(2).type() && p.headDimV() <= 256
                        && p.nKvHead() > 0 && p.nHead() % p.nKvHead() == 0;
            }
            case SET_ROWS -> setRowsType(a.type()) && n.src(1).ne(0) % a.type().blockSize == 0
                    && (a.ne(2) * a.ne(3) == 1 || a.isContiguous());
            case CPY -> deqType(a.type()) && a.ne(0) % a.type().blockSize == 0 && (n.type() == GgmlType.F32 || n.type() == GgmlType.F16);
        };
    }

    /** Types set_rows_f32 writes: elementwise F32/F16/BF16 or quants.h's quantize_block. */
    static boolean setRowsType(GgmlType t) {
        return switch (t) {
            case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 -> true;
            default -> false;
        };
    }

    /** Types quants.h's deq_any reads. */
    static boolean deqType(GgmlType t) {
        return switch (t) {
            case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL, IQ4_XS -> true;
            default -> false;
        };
    }

    /** Whether MUL_MAT n takes the dp4a path (Q8_1-quantized activations against Q4_0 / Q8_0). */
    static boolean dp4a(Tensor n) {
        GgmlType t = n.src(0).type();
        return (t == GgmlType.Q4_0 || t == GgmlType.Q8_0) && n.src(1).nrows() <= MV_MAX_ROWS;
    }

    /** Scratch bytes the dp4a MUL_MATs of these nodes need (Q8_1 activations of the largest). */
    static long scratchBytes(List<Tensor> nodes) {
        long max = 0;
        for (Tensor n : nodes)
            if (n.op() == Op.MUL_MAT && dp4a(n)) max = Math.max(max, n.src(1).nelements() / 32 * Q8_1_BYTES);
        return max;
    }

    /** Device address of any tensor of the current graph; 0 for an absent optional one. */
    long address(Tensor t) {
        if (t == null) return 0;
        Long a = addr.get(t);
        if (a != null) return a;
        if (t.kind() == Tensor.Kind.STORAGE && t.op() == Op.NONE) return storage.applyAsLong(t);
        throw new BackendException("tensor '" + t.name() + "' has no place on the CUDA device");
    }

    private static CudaLaunch.Args args() {
        return new CudaLaunch.Args();
    }

    /** Appends node n's launches to out (none for NONE and VIEW). */
    void plan(Tensor n, List<CudaLaunch> out) {
        switch (n.op()) {
            case NONE -> { }
            case VIEW -> addr.put(n, address(n.src(0)) + ((OpParams.View) n.params()).offset());
            case GET_ROWS -> {
                Tensor tab = n.src(0), ids = n.src(1);
                out.add(args().ptr(address(tab)).shape(tab).ptr(address(ids)).ptr(address(n)).i32((int) n.ne(0))
                        .launch("get_rows_" + CudaDevice.kernelSuffix(tab.type()), ids.nelements(), 1, 128));
            }
            case MUL_MAT -> mulMat(n, out);
            case ADD, MUL -> out.add(args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).shape(n.src(1)).ptr(address(n))
                    .i32((int) n.ne(0)).i32(n.op() == Op.ADD ? 0 : 1).launch("binary_f32", n.nrows(), 1, 256));
            case SCALE -> out.add(unary(n, 0, ((OpParams.Scale) n.params()).scale()));
            case SILU -> out.add(unary(n, 1, 0f));
            case GELU -> out.add(unary(n, 2, 0f));
            case SOFTCAP -> out.add(unary(n, 3, ((OpParams.Softcap) n.params()).cap()));
            case SWIGLU, GEGLU -> out.add(args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).shape(n.src(1)).ptr(address(n))
                    .i32((int) n.ne(0)).i32(n.op() == Op.SWIGLU ? 0 : 1).launch("glu_f32", n.nrows(), 1, 256));
            case RMS_NORM, NORM -> out.add(args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1)))
                    .ptr(n.op() == Op.NORM ? address(n.src(2)) : 0).ptr(address(n))
                    .i32((int) n.ne(0)).f32(((OpParams.Eps) n.params()).eps()).i32(n.op() == Op.NORM ? 1 : 0)
                    .launch("norm_f32", n.nrows(), 1, 256));
            case SOFT_MAX -> out.add(args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n.src(1))).shape(n.src(1)).ptr(address(n))
                    .i32((int) n.ne(0)).f32(((OpParams.SoftMax) n.params()).scale()).launch("soft_max_f32", n.nrows(), 1, 256));
            case ROPE -> out.add(rope(n));
            case ATTENTION -> out.add(attention(n));
            case SET_ROWS -> {
                Tensor dst = n.src(0), src = n.src(1), idx = n.src(2);
                long d = address(dst);
                addr.put(n, d);
                out.add(args().ptr(d).shape(dst).ptr(address(src)).shape(src).ptr(address(idx)).i32((int) src.ne(0)).i32(dst.type().id)
                        .launch("set_rows_f32", src.nrows(), 1, 128));
            }
            case CPY -> out.add(args().ptr(address(n.src(0))).shape(n.src(0)).i32(n.src(0).type().id).ptr(address(n))
                    .i32((int) n.ne(0)).i32(n.type().id).launch("cpy_rows", n.nrows(), 1, 256));
            case ARGMAX -> out.add(args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n)).i32((int) n.src(0).ne(0))
                    .launch("argmax_f32", n.src(0).nrows(), 1, 256));
        }
    }

    private CudaLaunch unary(Tensor n, int op, float p) {
        return args().ptr(address(n.src(0))).shape(n.src(0)).ptr(address(n)).i32((int) n.ne(0)).i32(op).f32(p)
                .launch("unary_f32", n.nrows(), 1, 256);
    }

    private void mulMat(Tensor n, List<CudaLaunch> out) {
        Tensor w = n.src(0), x = n.src(1);
        int k = (int) w.ne(0), rowsOut = (int) w.ne(1);
        long m = x.nrows();
        String t = CudaDevice.kernelSuffix(w.type());
        long gx = (rowsOut + MM_WARPS - 1) / MM_WARPS;
        if (dp4a(n)) {
            out.add(args().ptr(address(x)).shape(x).ptr(scratch).i32(k).launch("quantize_q8_1_rows", (k / 32 + 255) / 256, m, 256));
            out.add(args().ptr(address(w)).shape(w).ptr(scratch).ptr(address(n)).i32(k).i32(rowsOut)
                    .launch("mul_mat_q8_" + t, gx, m, 32 * MM_WARPS));
        } else if (m <= MV_MAX_ROWS) {
            out.add(args().ptr(address(w)).shape(w).ptr(address(x)).shape(x).ptr(address(n)).i32(k).i32(rowsOut)
                    .launch("mul_mat_vec_" + t, gx, m, 32 * MM_WARPS));
        } else {
            out.add(args().ptr(address(w)).shape(w).ptr(address(x)).shape(x).ptr(address(n)).i32(k).i32(rowsOut).i32((int) m)
                    .launch("mul_mat_" + t, gx, (m + MM_ROWS - 1) / MM_ROWS, 32 * MM_WARPS));
        }
    }

    private CudaLaunch rope(Tensor n) {
        OpParams.Rope p = (OpParams.Rope) n.params();
        Tensor x = n.src(0);
        if (x.ne(3) != 1) throw new BackendException("CUDA ROPE: 4-D input " + x + " not supported");
        float[] corr = yarnCorrDims(p);
        return args().ptr(address(x)).shape(x).ptr(address(n.src(1))).ptr(address(n.src(2))).ptr(address(n))
                .i32(p.mode() == OpParams.RopeMode.NEOX ? 1 : 0).i32(p.nRot()).f32(p.freqBase()).f32(p.freqScale())
                .f32(p.extFactor()).f32(p.attnFactor()).f32(corr[0]).f32(corr[1])
                .launch("rope_f32", x.ne(1), x.ne(2), 64);
    }

    /** ggml_rope_yarn_corr_dims (in float, as ggml): the first and last dimension of YaRN's ramp. */
    static float[] yarnCorrDims(OpParams.Rope p) {
        if (p.extFactor() == 0f || p.nCtxOrig() <= 0) return new float[] {0f, 0f};
        float start = (float) Math.floor(corrDim(p.nRot(), p.nCtxOrig(), p.betaFast(), p.freqBase()));
        float end = (float) Math.ceil(corrDim(p.nRot(), p.nCtxOrig(), p.betaSlow(), p.freqBase()));
        return new float[] {Math.max(0f, start), Math.min(p.nRot() - 1, end)};
    }

    /** ggml_rope_yarn_corr_dim: n_dims * log(n_ctx_orig / (n_rot * 2 pi)) / (2 log(base)), float math. */
    private static float corrDim(int nDims, int nCtxOrig, float nRot, float base) {
        float l = (float) Math.log(nCtxOrig / (nRot * 2 * (float) Math.PI));
        return nDims * l / (2 * (float) Math.log(base));
    }

    private CudaLaunch attention(Tensor n) {
        OpParams.Attention p = (OpParams.Attention) n.params();
        Tensor q = n.src(0), k = n.src(1), v = n.src(2), mask = n.src(3);
        if (q.ne(3) != 1) throw new BackendException("CUDA ATTENTION: 4-D q " + q + " not supported");
        return args().ptr(address(q)).shape(q).ptr(address(k)).shape(k).ptr(address(v)).shape(v).ptr(address(mask)).shape(mask).ptr(address(n))
                .i32(p.nHead()).i32(p.nKvHead()).i32(p.headDim()).i32(p.headDimV()).f32(p.scale()).f32(p.softcap())
                .launch("attention_" + CudaDevice.kernelSuffix(k.type()), p.nHead(), q.ne(2), 32);
    }
}
