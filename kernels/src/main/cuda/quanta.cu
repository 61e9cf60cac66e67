// Quanta CUDA kernels: one kernel (or template instance) per op of the kernel contract
// (kernels/src/main/java/dev/quanta/kernels/graph/Op.java defines each op exactly).
//
// The block arithmetic (decode, dot, quantize of every ggml type, activations, RoPE/YaRN) is NOT
// written here: it comes from the headers shared with the OpenCL kernels,
// kernels/src/main/resources/kernels/{common.h,quants.h} (build.sh passes -I to them), which CI
// runs for real on PoCL. This file holds only what is CUDA-specific: launch shapes, warp shuffles,
// shared-memory reductions and the dp4a integer path for Q4_0/Q8_0 GEMV.
//
// Compiled by build.sh to PTX (checked in, JIT-compiled by the driver on any GPU) and to a fatbin
// with cubins for sm_75..sm_90 so common GPUs skip the JIT. Users need only the NVIDIA driver.
//
// Tensors are addressed as ggml does: ne[4] elements, nb[4] byte strides, rows contiguous.
// A "row" r of a tensor with ne1, ne2 is at base + (r % ne1)*nb1 + ((r / ne1) % ne2)*nb2 + (r / (ne1*ne2))*nb3.
#include <stdint.h>
#include "common.h"
#include "quants.h"

#define WARP 32

struct Shape {          // passed by value: ne and nb of one tensor (64 bytes, 8-byte aligned)
    long long ne[4];
    long long nb[4];
};

__device__ __forceinline__ const uchar *row_ptr(const uchar *base, const Shape &s, long long r) {
    long long i1 = r % s.ne[1];
    long long i2 = (r / s.ne[1]) % s.ne[2];
    long long i3 = r / (s.ne[1] * s.ne[2]);
    return base + i1 * s.nb[1] + i2 * s.nb[2] + i3 * s.nb[3];
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum / max for blockDim.x a multiple of 32 (<= 1024); every thread gets the result.
__device__ float block_sum(float v) {
    __shared__ float s[32];
    int lane = threadIdx.x % WARP, w = threadIdx.x / WARP;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) s[w] = v;
    __syncthreads();
    int nw = blockDim.x / WARP;
    v = lane < nw ? s[lane] : 0.f;
    return warp_sum(v);
}

__device__ float block_max(float v) {
    __shared__ float s[32];
    int lane = threadIdx.x % WARP, w = threadIdx.x / WARP;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) s[w] = v;
    __syncthreads();
    int nw = blockDim.x / WARP;
    v = lane < nw ? s[lane] : -INFINITY;
    return warp_max(v);
}

// ---- weight types: thin adapters over quants.h's deq_T / dot32_T ------------------------------
#define WTYPE(S, FN)                                                                                 \
    struct W_##S {                                                                                   \
        __device__ static float get(const uchar *r, int e) { return deq_##FN(r, e); }                \
        __device__ static float dot32(const uchar *r, int c, const float *x, int lim) {              \
            return dot32_##FN(r, c, x, lim); }                                                       \
    };
WTYPE(f32, f32)
WTYPE(f16, f16)
WTYPE(bf16, bf16)
WTYPE(q4_0, q4_0)
WTYPE(q4_1, q4_1)
WTYPE(q5_0, q5_0)
WTYPE(q5_1, q5_1)
WTYPE(q8_0, q8_0)
WTYPE(q2_k, q2_K)
WTYPE(q3_k, q3_K)
WTYPE(q4_k, q4_K)
WTYPE(q5_k, q5_K)
WTYPE(q6_k, q6_K)
WTYPE(iq4_nl, iq4_nl)
WTYPE(iq4_xs, iq4_xs)

// ---- GET_ROWS: dst[k, m] F32 = table[ids[j]] ------------------------------------------------
template <class T>
__device__ void get_rows(const uchar *table, Shape ts, const int *ids, float *dst, int k) {
    int j = blockIdx.x;
    const uchar *row = table + (long long) ids[j] * ts.nb[1];
    for (int e = threadIdx.x; e < k; e += blockDim.x) dst[(long long) j * k + e] = T::get(row, e);
}

// ---- MUL_MAT (tile): y[j][i] = dot(W row i, x row j) ------------------------------------------
// One warp per weight row i, for a tile of up to MM_ROWS activation rows j (blockIdx.y), so each
// decoded weight element (deq_T) is used MM_ROWS times. Used for prompt batches (m > MV_MAX_ROWS).
#define MM_ROWS 8
template <class T>
__device__ void mul_mat(const uchar *w, Shape ws, const uchar *x, Shape xs, float *y, int k, int n, int m) {
    int j0 = blockIdx.y * MM_ROWS;
    int nj = min(MM_ROWS, m - j0);
    int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP;
    int i = blockIdx.x * (blockDim.x / WARP) + warp;
    if (i >= n) return;   // the whole warp leaves together
    const uchar *wr = w + (long long) i * ws.nb[1];
    const float *xr[MM_ROWS];
    for (int jj = 0; jj < MM_ROWS; jj++) xr[jj] = (const float *) row_ptr(x, xs, j0 + min(jj, nj - 1));
    float acc[MM_ROWS];
    for (int jj = 0; jj < MM_ROWS; jj++) acc[jj] = 0.f;
    for (int e = lane; e < k; e += WARP) {
        float wv = T::get(wr, e);
#pragma unroll
        for (int jj = 0; jj < MM_ROWS; jj++) acc[jj] += wv * xr[jj][e];
    }
    for (int jj = 0; jj < nj; jj++) {
        float s = warp_sum(acc[jj]);
        if (lane == 0) y[(long long) (j0 + jj) * n + i] = s;
    }
}

// ---- MUL_MAT (vector): the decode GEMV, one warp per weight row i, one activation row per blockIdx.y;
// each lane takes whole 32-element chunks through dot32_T.
template <class T>
__device__ void mul_mat_vec(const uchar *w, Shape ws, const uchar *x, Shape xs, float *y, int k, int n) {
    int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP;
    int i = blockIdx.x * (blockDim.x / WARP) + warp;
    int j = blockIdx.y;
    if (i >= n) return;
    const uchar *wr = w + (long long) i * ws.nb[1];
    const float *xr = (const float *) row_ptr(x, xs, j);
    int chunks = (k + 31) / 32;
    float acc = 0.f;
    for (int c = lane; c < chunks; c += WARP) acc += T::dot32(wr, c, xr + 32 * c, k - 32 * c);
    acc = warp_sum(acc);
    if (lane == 0) y[(long long) j * n + i] = acc;
}

#define INSTANTIATE(NAME)                                                                                  \
    extern "C" __global__ void get_rows_##NAME(const uchar *t, Shape ts, const int *ids, float *d, int k) {   \
        get_rows<W_##NAME>(t, ts, ids, d, k); }                                                             \
    extern "C" __global__ void mul_mat_##NAME(const uchar *w, Shape ws, const uchar *x, Shape xs, float *y,   \
                                              int k, int n, int m) {                                        \
        mul_mat<W_##NAME>(w, ws, x, xs, y, k, n, m); }                                                      \
    extern "C" __global__ void mul_mat_vec_##NAME(const uchar *w, Shape ws, const uchar *x, Shape xs, float *y, \
                                                  int k, int n) {                                           \
        mul_mat_vec<W_##NAME>(w, ws, x, xs, y, k, n); }
INSTANTIATE(f32)
INSTANTIATE(f16)
INSTANTIATE(bf16)
INSTANTIATE(q4_0)
INSTANTIATE(q4_1)
INSTANTIATE(q5_0)
INSTANTIATE(q5_1)
INSTANTIATE(q8_0)
INSTANTIATE(q2_k)
INSTANTIATE(q3_k)
INSTANTIATE(q4_k)
INSTANTIATE(q5_k)
INSTANTIATE(q6_k)
INSTANTIATE(iq4_nl)
INSTANTIATE(iq4_xs)

// ---- decode fast path: activations quantized to Q8_1 blocks, dp4a against Q4_0 / Q8_0 ---------
// quantize_q8_1_rows: x row j (k floats, k % 32 == 0) -> k/32 Q8_1 blocks of 36 bytes at
// q + (j * k/32 + b) * 36, by quants.h's quantize_q8_1 (one thread per block). The int8 quants
// sit at offset 4 of each block, so they are 4-byte aligned when q is.
extern "C" __global__ void quantize_q8_1_rows(const uchar *x, Shape xs, uchar *q, int k) {
    int j = blockIdx.y;
    int b = blockIdx.x * blockDim.x + threadIdx.x;
    int nb = k / 32;
    if (b >= nb) return;
    const float *xr = (const float *) row_ptr(x, xs, j);
    quantize_q8_1(xr + 32 * b, q + ((long long) j * nb + b) * 36);
}

// One warp per weight row; each lane handles whole blocks; 4 int8 products per dp4a.
template <bool IS_Q4>
__device__ void mul_mat_q8(const uchar *w, Shape ws, const uchar *xq, float *y, int k, int n) {
    int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP;
    int i = blockIdx.x * (blockDim.x / WARP) + warp;
    int j = blockIdx.y;
    if (i >= n) return;
    const uchar *wr = w + (long long) i * ws.nb[1];
    int nb = k / 32;
    const uchar *xr = xq + (long long) j * nb * 36;
    float acc = 0.f;
    for (int b = lane; b < nb; b += WARP) {
        const uchar *blk = wr + b * (IS_Q4 ? 18 : 34);
        const uchar *xb = xr + b * 36;
        const int *xi = (const int *) (xb + 4);
        int sum = 0;
        if (IS_Q4) {   // Q4_0: qs[j] holds element j (low nibble) and j + 16 (high nibble), biased by 8
            for (int t = 0; t < 4; t++) {
                uint qs = ld_u32(blk + 2 + 4 * t);
                int lo = (int) (qs & 0x0f0f0f0fu), hi = (int) ((qs >> 4) & 0x0f0f0f0fu);
                lo = __vsub4(lo, 0x08080808);
                hi = __vsub4(hi, 0x08080808);
                sum = __dp4a(lo, xi[t], sum);
                sum = __dp4a(hi, xi[t + 4], sum);
            }
        } else {
            for (int t = 0; t < 8; t++) sum = __dp4a((int) ld_u32(blk + 2 + 4 * t), xi[t], sum);
        }
        acc += (float) sum * LOAD_HALF(blk) * LOAD_HALF(xb);
    }
    acc = warp_sum(acc);
    if (lane == 0) y[(long long) j * n + i] = acc;
}
extern "C" __global__ void mul_mat_q8_q4_0(const uchar *w, Shape ws, const uchar *xq, float *y, int k, int n) {
    mul_mat_q8<true>(w, ws, xq, y, k, n);
}
extern "C" __global__ void mul_mat_q8_q8_0(const uchar *w, Shape ws, const uchar *xq, float *y, int k, int n) {
    mul_mat_q8<false>(w, ws, xq, y, k, n);
}

// ---- elementwise and row ops (one block per row) ----------------------------------------------
// op: 0 add, 1 mul. b broadcasts when it has one row.
extern "C" __global__ void binary_f32(const uchar *a, Shape as, const uchar *b, Shape bs, float *d, int n, int op) {
    long long r = blockIdx.x;
    const float *ar = (const float *) row_ptr(a, as, r);
    long long brows = bs.ne[1] * bs.ne[2] * bs.ne[3];
    const float *br = (const float *) row_ptr(b, bs, brows == 1 ? 0 : r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) d[r * n + e] = op == 0 ? ar[e] + br[e] : ar[e] * br[e];
}

// op: 0 scale(p), 1 silu, 2 gelu (tanh), 3 softcap(p)
extern "C" __global__ void unary_f32(const uchar *a, Shape as, float *d, int n, int op, float p) {
    long long r = blockIdx.x;
    const float *ar = (const float *) row_ptr(a, as, r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float x = ar[e], v;
        switch (op) {
            case 0: v = x * p; break;
            case 1: v = op_silu(x); break;
            case 2: v = op_gelu(x); break;
            default: v = p * tanhf(x / p); break;
        }
        d[r * n + e] = v;
    }
}

// op: 0 swiglu, 1 geglu
extern "C" __global__ void glu_f32(const uchar *g, Shape gs, const uchar *u, Shape us, float *d, int n, int op) {
    long long r = blockIdx.x;
    const float *gr = (const float *) row_ptr(g, gs, r), *ur = (const float *) row_ptr(u, us, r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float x = gr[e];
        d[r * n + e] = (op == 0 ? op_silu(x) : op_gelu(x)) * ur[e];
    }
}

// rms (layer=0) or layer norm (layer=1) of each row, times w and plus b when given (null = absent).
extern "C" __global__ void norm_f32(const uchar *x, Shape xs, const float *w, const float *b, float *d, int n, float eps, int layer) {
    long long r = blockIdx.x;
    const float *xr = (const float *) row_ptr(x, xs, r);
    float mean = 0.f;
    if (layer) {
        float s = 0.f;
        for (int e = threadIdx.x; e < n; e += blockDim.x) s += xr[e];
        mean = block_sum(s) / n;
    }
    float ss = 0.f;
    for (int e = threadIdx.x; e < n; e += blockDim.x) { float v = xr[e] - mean; ss += v * v; }
    float scale = rsqrtf(block_sum(ss) / n + eps);
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float v = (xr[e] - mean) * scale;
        if (w) v *= w[e];
        if (b) v += b[e];
        d[r * n + e] = v;
    }
}

// softmax(a * scale + mask) per row; mask null = absent. A row that is all -inf gives zeros.
extern "C" __global__ void soft_max_f32(const uchar *a, Shape as, const uchar *mask, Shape ms, float *d, int n, float scale) {
    long long r = blockIdx.x;
    const float *ar = (const float *) row_ptr(a, as, r);
    const float *mr = mask ? (const float *) row_ptr(mask, ms, r) : nullptr;
    float mx = -INFINITY;
    for (int e = threadIdx.x; e < n; e += blockDim.x) mx = fmaxf(mx, ar[e] * scale + (mr ? mr[e] : 0.f));
    mx = block_max(mx);
    float s = 0.f;
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float v = ar[e] * scale + (mr ? mr[e] : 0.f);
        float ex = v == -INFINITY ? 0.f : expf(v - mx);
        d[r * n + e] = ex;
        s += ex;
    }
    s = block_sum(s);
    float inv = s > 0.f ? 1.f / s : 0.f;
    for (int e = threadIdx.x; e < n; e += blockDim.x) d[r * n + e] *= inv;
}

// ROPE (ggml rope_ext with YaRN, common.h's rope_yarn). x [hd, nHead, nTok]; one block per (head, token).
extern "C" __global__ void rope_f32(const uchar *x, Shape xs, const int *pos, const float *ff, float *d,
                                    int neox, int nRot, float freqBase, float freqScale, float extFactor,
                                    float attnFactor, float corr0, float corr1) {
    int h = blockIdx.x, t = blockIdx.y;
    int hd = (int) xs.ne[0], nh = (int) xs.ne[1];
    const float *src = (const float *) (x + (long long) h * xs.nb[1] + (long long) t * xs.nb[2]);
    float *dst = d + ((long long) t * nh + h) * hd;
    float thetaScale = powf(freqBase, -2.0f / nRot);
    for (int i0 = 2 * threadIdx.x; i0 < hd; i0 += 2 * blockDim.x) {
        if (i0 >= nRot) { dst[i0] = src[i0]; dst[i0 + 1] = src[i0 + 1]; continue; }
        float thetaExtrap = (float) pos[t] * powf(thetaScale, (float) (i0 / 2));
        if (ff) thetaExtrap /= ff[i0 / 2];
        float c, s;
        rope_yarn(thetaExtrap, freqScale, corr0, corr1, i0, extFactor, attnFactor, &c, &s);
        int a = neox ? i0 / 2 : i0, b = neox ? i0 / 2 + nRot / 2 : i0 + 1;
        float x0 = src[a], x1 = src[b];
        dst[a] = x0 * c - x1 * s;
        dst[b] = x0 * s + x1 * c;
    }
}

// ---- KV cache writes and copies --------------------------------------------------------------
// SET_ROWS: dst row idx[r] = convert(src row r). dstType is the ggml id: F32, F16, BF16 elementwise,
// or any type quants.h's quantize_block knows (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1: one thread per block).
extern "C" __global__ void set_rows_f32(uchar *dst, Shape ds, const uchar *src, Shape ss, const int *idx, int n, int dstType) {
    long long r = blockIdx.x;
    const float *sr = (const float *) row_ptr(src, ss, r);
    uchar *dr = dst + (long long) idx[r] * ds.nb[1];
    if (dstType == T_F32) {
        for (int e = threadIdx.x; e < n; e += blockDim.x) ((float *) dr)[e] = sr[e];
    } else if (dstType == T_F16) {
        for (int e = threadIdx.x; e < n; e += blockDim.x) STORE_HALF(sr[e], dr + 2 * e);
    } else if (dstType == T_BF16) {
        for (int e = threadIdx.x; e < n; e += blockDim.x) ((ushort *) dr)[e] = f32_to_bf16(sr[e]);
    } else {
        for (int b = threadIdx.x; b < n / 32; b += blockDim.x) quantize_block(dstType, sr, dr, b);
    }
}

// ---- fused attention ---------------------------------------------------------------------------
// One block (one warp) per (query head, token): online softmax over the nKv cells.
template <class T>
__device__ void attention(const uchar *q, Shape qs, const uchar *k, Shape ks, const uchar *v, Shape vs,
                          const uchar *mask, Shape ms, float *out, int nHead, int nKvHead, int hd, int hdv,
                          float scale, float softcap) {
    int h = blockIdx.x, t = blockIdx.y, lane = threadIdx.x;
    int kvh = h / (nHead / nKvHead);
    int nKv = (int) ks.ne[1];
    const float *qr = (const float *) (q + (long long) h * qs.nb[1] + (long long) t * qs.nb[2]);
    const float *mr = mask ? (const float *) row_ptr(mask, ms, t) : nullptr;
    float acc[8];   // hdv <= 256: each lane owns up to 8 output elements
    for (int u = 0; u < 8; u++) acc[u] = 0.f;
    float mx = -INFINITY, sum = 0.f;
    for (int c = 0; c < nKv; c++) {
        float mc = mr ? mr[c] : 0.f;
        if (mc == -INFINITY) continue;
        const uchar *kr = k + (long long) c * ks.nb[1];
        float s = 0.f;
        for (int e = lane; e < hd; e += WARP) s += qr[e] * T::get(kr, kvh * hd + e);
        s = warp_sum(s) * scale;
        if (softcap != 0.f) s = softcap * tanhf(s / softcap);
        s += mc;
        float nm = fmaxf(mx, s);
        float corr = expf(mx - nm), p = expf(s - nm);
        sum = sum * corr + p;
        const uchar *vr = v + (long long) c * vs.nb[1];
        for (int u = 0; u < 8; u++) {
            int e = lane + u * WARP;
            if (e < hdv) acc[u] = acc[u] * corr + p * T::get(vr, kvh * hdv + e);
        }
        mx = nm;
    }
    float inv = sum > 0.f ? 1.f / sum : 0.f;
    float *o = out + ((long long) t * nHead + h) * hdv;
    for (int u = 0; u < 8; u++) {
        int e = lane + u * WARP;
        if (e < hdv) o[e] = acc[u] * inv;
    }
}
#define ATTN(NAME)                                                                                      \
    extern "C" __global__ void attention_##NAME(const uchar *q, Shape qs, const uchar *k, Shape ks, const uchar *v, Shape vs, \
            const uchar *mask, Shape ms, float *out, int nHead, int nKvHead, int hd, int hdv, float scale, float softcap) { \
        attention<W_##NAME>(q, qs, k, ks, v, vs, mask, ms, out, nHead, nKvHead, hd, hdv, scale, softcap); }
ATTN(f32)
ATTN(f16)
ATTN(q8_0)

// ARGMAX per row, lowest index wins ties. One block per row (blockDim.x a power of two <= 1024).
extern "C" __global__ void argmax_f32(const uchar *a, Shape as, int *d, int n) {
    long long r = blockIdx.x;
    const float *ar = (const float *) row_ptr(a, as, r);
    float best = -INFINITY; int bi = 0x7fffffff;
    for (int e = threadIdx.x; e < n; e += blockDim.x) if (ar[e] > best || (ar[e] == best && e < bi)) { best = ar[e]; bi = e; }
    __shared__ float sv[1024];
    __shared__ int si[1024];
    sv[threadIdx.x] = best; si[threadIdx.x] = bi;
    __syncthreads();
    for (int o = blockDim.x / 2; o > 0; o >>= 1) {
        if (threadIdx.x < o) {
            float v2 = sv[threadIdx.x + o]; int i2 = si[threadIdx.x + o];
            if (v2 > sv[threadIdx.x] || (v2 == sv[threadIdx.x] && i2 < si[threadIdx.x])) { sv[threadIdx.x] = v2; si[threadIdx.x] = i2; }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) d[r] = si[0] == 0x7fffffff ? 0 : si[0];
}

// CPY: contiguous copy of any-strided rows of ggml type srcType (quants.h's deq_any) into F32 or
// F16 (dstType, ggml id).
extern "C" __global__ void cpy_rows(const uchar *src, Shape ss, int srcType, uchar *dst, int n, int dstType) {
    long long r = blockIdx.x;
    const uchar *sr = row_ptr(src, ss, r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float v = deq_any(srcType, sr, e);
        if (dstType == T_F32) ((float *) dst)[r * n + e] = v;
        else STORE_HALF(v, dst + 2 * (r * n + e));
    }
}
