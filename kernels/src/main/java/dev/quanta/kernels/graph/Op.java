package dev.quanta.kernels.graph;

/**
 * The operations of the kernel contract. Conventions, stated once:
 * <ul>
 *   <li>{@code ne[0]} is the innermost dimension (the row length); a tensor is a stack of rows.
 *   <li>Rows are contiguous ({@code nb[0]} = element size); {@code nb[1..3]} may be any stride
 *       (views into fused tensors, KV cache windows).
 *   <li>{@code MUL_MAT(W[k, n], X[k, m]) -> Y[n, m]}: W in any supported type, X and Y F32.
 *   <li>Unless stated, activations are F32 and results F32.
 *   <li>Nodes of a {@link Graph} run in insertion order; later nodes see earlier writes
 *       (e.g. {@link #SET_ROWS} into the KV cache before {@link #ATTENTION} reads it).
 * </ul>
 */
public enum Op {
    /** A leaf: weights, KV cache, or host input. */
    NONE,
    /** A view of src0 with its own ne/nb/offset; no computation. */
    VIEW,
    /** GET_ROWS(table[k, rows] any type, ids I32[m]) -> F32[k, m]. */
    GET_ROWS,
    /** MUL_MAT(W[k, n] any type, X[k, m] F32) -> F32[n, m]: y[j][i] = dot(W row i, X row j). */
    MUL_MAT,
    /** ADD(a[n, m], b[n, m or 1]) -> a + b, b broadcast over rows when it has one row. */
    ADD,
    /** MUL(a[n, m], b[n, m or 1]) -> a * b elementwise, b broadcast as in ADD. */
    MUL,
    /** SCALE(a) -> a * {@link OpParams.Scale#scale}. */
    SCALE,
    /** RMS_NORM(x[n, m], w[n] optional) -> x / sqrt(mean(x^2) + eps) (* w). */
    RMS_NORM,
    /** NORM(x[n, m], w[n] optional, b[n] optional) -> (x - mean) / sqrt(var + eps) (* w) (+ b). */
    NORM,
    /** ROPE(x[headDim, nHead, nTok], pos I32[nTok], freqFactors F32[nRot/2] optional), ggml's rope_ext. */
    ROPE,
    /** SOFT_MAX(a[n, m], mask F32[n, m] optional) -> softmax(a * scale + mask) per row. */
    SOFT_MAX,
    /** SILU(a) -> a * sigmoid(a). */
    SILU,
    /** GELU(a) -> tanh-approximated GELU, as ggml_gelu. */
    GELU,
    /** SOFTCAP(a) -> cap * tanh(a / cap). */
    SOFTCAP,
    /** SWIGLU(gate, up) -> silu(gate) * up. */
    SWIGLU,
    /** GEGLU(gate, up) -> gelu(gate) * up (tanh approximation). */
    GEGLU,
    /**
     * ATTENTION(q F32[headDim, nHead, nTok], k cache[headDim * nKvHead, nKv], v cache[headDimV * nKvHead, nKv],
     * mask F32[nKv, nTok]) -> F32[headDimV * nHead, nTok]. K/V in F32, F16 or Q8_0. Head h reads KV head
     * h / (nHead / nKvHead) (GQA). Scores = q.k * scale, optionally soft-capped, plus mask (0 or -inf),
     * softmax over the nKv cells, then weighted sum of V. A row whose mask is all -inf gives zeros.
     */
    ATTENTION,
    /** SET_ROWS(dst[n, rows] F32/F16/Q8_0, src F32[n, m], idx I32[m]): dst row idx[j] = convert(src row j). Result is dst. */
    SET_ROWS,
    /** CPY(src) -> a contiguous copy converted to the node's type (F32, F16, Q8_0 ...). */
    CPY,
    /** ARGMAX(a[n, m]) -> I32[m], lowest index wins ties. */
    ARGMAX;
}
