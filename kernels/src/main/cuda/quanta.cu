// Quanta CUDA kernels: one kernel (or template instance) per op of the kernel contract
// (kernels/src/main/java/dev/quanta/kernels/graph/Op.java defines each op exactly).
//
// Compiled by build.sh to PTX (checked in, JIT-compiled by the driver on any GPU) and to a fatbin
// with cubins for sm_75..sm_90 so common GPUs skip the JIT. Users need only the NVIDIA driver.
//
// Tensors are addressed as ggml does: ne[4] elements, nb[4] byte strides, rows contiguous.
// A "row" r of a tensor with ne1, ne2 is at base + (r % ne1)*nb1 + ((r / ne1) % ne2)*nb2 + (r / (ne1*ne2))*nb3.
#include <cuda_fp16.h>
#include <stdint.h>

#define QK_K 256
#define WARP 32

struct Shape {          // passed by value: ne and nb of one tensor
    long long ne[4];
    long long nb[4];
};

__device__ __forceinline__ const char *row_ptr(const char *base, const Shape &s, long long r) {
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

// Block-wide sum for blockDim.x a multiple of 32 (<= 1024); every thread gets the result.
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

// ---- element decoders: value of element e of a row stored in type T -----------------------

__device__ __forceinline__ float ld_f16(const char *p) { return __half2float(*(const __half *) p); }
__device__ __forceinline__ uint32_t ld_u32(const char *p) {
    const uint8_t *b = (const uint8_t *) p;
    return b[0] | (b[1] << 8) | (b[2] << 16) | ((uint32_t) b[3] << 24);
}

__constant__ int8_t KVALUES_IQ4NL[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

struct TF32 { static constexpr int QK = 1, BYTES = 4;
    __device__ static float get(const char *r, int e) { return ((const float *) r)[e]; } };
struct TF16 { static constexpr int QK = 1, BYTES = 2;
    __device__ static float get(const char *r, int e) { return __half2float(((const __half *) r)[e]); } };
struct TBF16 { static constexpr int QK = 1, BYTES = 2;
    __device__ static float get(const char *r, int e) {
        return __uint_as_float(((uint32_t) ((const uint16_t *) r)[e]) << 16); } };
struct TQ4_0 { static constexpr int QK = 32, BYTES = 18;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / 32) * BYTES; int j = e % 32;
        uint8_t q = (uint8_t) b[2 + (j & 15)];
        return (((j < 16) ? (q & 15) : (q >> 4)) - 8) * ld_f16(b); } };
struct TQ4_1 { static constexpr int QK = 32, BYTES = 20;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / 32) * BYTES; int j = e % 32;
        uint8_t q = (uint8_t) b[4 + (j & 15)];
        return ((j < 16) ? (q & 15) : (q >> 4)) * ld_f16(b) + ld_f16(b + 2); } };
struct TQ5_0 { static constexpr int QK = 32, BYTES = 22;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / 32) * BYTES; int j = e % 32;
        uint32_t qh = ld_u32(b + 2);
        uint8_t q = (uint8_t) b[6 + (j & 15)];
        int v = ((j < 16) ? (q & 15) : (q >> 4)) | (((qh >> j) & 1) << 4);
        return (v - 16) * ld_f16(b); } };
struct TQ5_1 { static constexpr int QK = 32, BYTES = 24;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / 32) * BYTES; int j = e % 32;
        uint32_t qh = ld_u32(b + 4);
        uint8_t q = (uint8_t) b[8 + (j & 15)];
        int v = ((j < 16) ? (q & 15) : (q >> 4)) | (((qh >> j) & 1) << 4);
        return v * ld_f16(b) + ld_f16(b + 2); } };
struct TQ8_0 { static constexpr int QK = 32, BYTES = 34;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / 32) * BYTES;
        return b[2 + e % 32] * ld_f16(b); } };
struct TQ2_K { static constexpr int QK = QK_K, BYTES = 84;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / QK_K) * BYTES; int w = e % QK_K;
        int n = w / 128, j = (w % 128) / 32, g = (w % 32) / 16, l = w % 16;
        uint8_t sc = (uint8_t) b[n * 8 + j * 2 + g];
        uint8_t q = (uint8_t) b[16 + n * 32 + g * 16 + l];
        return ld_f16(b + 80) * (sc & 15) * ((q >> (2 * j)) & 3) - ld_f16(b + 82) * (sc >> 4); } };
struct TQ3_K { static constexpr int QK = QK_K, BYTES = 110;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / QK_K) * BYTES; int w = e % QK_K;
        int n = w / 128, j = (w % 128) / 32, g = (w % 32) / 16, l = w % 16;
        int is = n * 8 + j * 2 + g;
        const uint8_t *s = (const uint8_t *) b + 96;
        // 16 six-bit scales: low 4 bits from s[0..7] nibbles, high 2 bits from s[8..11]
        int lo = is < 8 ? (s[is] & 15) : (s[is - 8] >> 4);
        int hi = (s[8 + is % 4] >> (2 * (is / 4))) & 3;
        int sc = (lo | (hi << 4)) - 32;
        uint8_t q = (uint8_t) b[32 + n * 32 + g * 16 + l];
        uint8_t hm = (uint8_t) b[g * 16 + l];
        int v = ((q >> (2 * j)) & 3) - ((hm >> (n * 4 + j)) & 1 ? 0 : 4);
        return ld_f16(b + 108) * sc * v; } };
__device__ __forceinline__ void scale_min_k4(int j, const uint8_t *q, int &d, int &m) {
    if (j < 4) { d = q[j] & 63; m = q[j + 4] & 63; }
    else { d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4); m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
}
struct TQ4_K { static constexpr int QK = QK_K, BYTES = 144;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / QK_K) * BYTES; int w = e % QK_K;
        int c = w / 64, hi = (w % 64) >= 32, l = w % 32, sc, m;
        scale_min_k4(2 * c + hi, (const uint8_t *) b + 4, sc, m);
        uint8_t q = (uint8_t) b[16 + c * 32 + l];
        return ld_f16(b) * sc * (hi ? (q >> 4) : (q & 15)) - ld_f16(b + 2) * m; } };
struct TQ5_K { static constexpr int QK = QK_K, BYTES = 176;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / QK_K) * BYTES; int w = e % QK_K;
        int c = w / 64, hi = (w % 64) >= 32, l = w % 32, sc, m;
        scale_min_k4(2 * c + hi, (const uint8_t *) b + 4, sc, m);
        uint8_t q = (uint8_t) b[48 + c * 32 + l];
        uint8_t h = (uint8_t) b[16 + l];
        int v = (hi ? (q >> 4) : (q & 15)) + (((h >> (2 * c + hi)) & 1) << 4);
        return ld_f16(b) * sc * v - ld_f16(b + 2) * m; } };
struct TQ6_K { static constexpr int QK = QK_K, BYTES = 210;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / QK_K) * BYTES; int w = e % QK_K;
        int n = w / 128, part = (w % 128) / 32, l = w % 32;
        uint8_t ql = (uint8_t) b[n * 64 + l + (part & 1) * 32];
        uint8_t qh = (uint8_t) b[128 + n * 32 + l];
        int v = ((part < 2 ? (ql & 15) : (ql >> 4)) | (((qh >> (2 * part)) & 3) << 4)) - 32;
        int8_t sc = (int8_t) b[192 + n * 8 + l / 16 + 2 * part];
        return ld_f16(b + 208) * sc * v; } };
struct TIQ4_NL { static constexpr int QK = 32, BYTES = 18;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / 32) * BYTES; int j = e % 32;
        uint8_t q = (uint8_t) b[2 + (j & 15)];
        return KVALUES_IQ4NL[(j < 16) ? (q & 15) : (q >> 4)] * ld_f16(b); } };
struct TIQ4_XS { static constexpr int QK = QK_K, BYTES = 136;
    __device__ static float get(const char *r, int e) {
        const char *b = r + (e / QK_K) * BYTES; int w = e % QK_K;
        int ib = w / 32, j = w % 32;
        uint16_t sh = (uint8_t) b[2] | ((uint8_t) b[3] << 8);
        int ls = (((uint8_t) b[4 + ib / 2] >> (4 * (ib % 2))) & 15) | (((sh >> (2 * ib)) & 3) << 4);
        uint8_t q = (uint8_t) b[8 + ib * 16 + (j & 15)];
        return ld_f16(b) * (ls - 32) * KVALUES_IQ4NL[(j < 16) ? (q & 15) : (q >> 4)]; } };

// ---- GET_ROWS: dst[k, m] F32 = table[ids[j]] ------------------------------------------------
template <class T>
__device__ void get_rows(const char *table, Shape ts, const int *ids, float *dst, int k) {
    int j = blockIdx.x;
    const char *row = table + (long long) ids[j] * ts.nb[1];
    for (int e = threadIdx.x; e < k; e += blockDim.x) dst[(long long) j * k + e] = T::get(row, e);
}

// ---- MUL_MAT (generic): y[j][i] = dot(W row i, x row j) ------------------------------------
// One warp per weight row i, for a tile of up to MM_ROWS activation rows j (blockIdx.y), so each
// decoded weight element is used MM_ROWS times. Activations are read through L1/L2. Q4_0 and Q8_0
// decode uses the dp4a path below instead.
#define MM_ROWS 8
template <class T>
__device__ void mul_mat(const char *w, Shape ws, const char *x, Shape xs, float *y, int k, int n, int m) {
    int j0 = blockIdx.y * MM_ROWS;
    int nj = min(MM_ROWS, m - j0);
    int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP;
    int i = blockIdx.x * (blockDim.x / WARP) + warp;
    if (i >= n) return;
    const char *wr = w + (long long) i * ws.nb[1];
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

#define INSTANTIATE(NAME, T)                                                                      \
    extern "C" __global__ void get_rows_##NAME(const char *t, Shape ts, const int *ids, float *d, int k) { \
        get_rows<T>(t, ts, ids, d, k); }                                                          \
    extern "C" __global__ void mul_mat_##NAME(const char *w, Shape ws, const char *x, Shape xs, float *y, int k, int n, int m) { \
        mul_mat<T>(w, ws, x, xs, y, k, n, m); }
INSTANTIATE(f32, TF32)
INSTANTIATE(f16, TF16)
INSTANTIATE(bf16, TBF16)
INSTANTIATE(q4_0, TQ4_0)
INSTANTIATE(q4_1, TQ4_1)
INSTANTIATE(q5_0, TQ5_0)
INSTANTIATE(q5_1, TQ5_1)
INSTANTIATE(q8_0, TQ8_0)
INSTANTIATE(q2_k, TQ2_K)
INSTANTIATE(q3_k, TQ3_K)
INSTANTIATE(q4_k, TQ4_K)
INSTANTIATE(q5_k, TQ5_K)
INSTANTIATE(q6_k, TQ6_K)
INSTANTIATE(iq4_nl, TIQ4_NL)
INSTANTIATE(iq4_xs, TIQ4_XS)

// ---- decode fast path: activations quantized to q8 blocks, dp4a against Q4_0 / Q8_0 --------
// quantize_q8: x row j (k floats) -> blocks of 32 int8 + float scale (ggml's Q8_1-style activations).
extern "C" __global__ void quantize_q8(const char *x, Shape xs, int8_t *q, float *d, int k) {
    int j = blockIdx.y;
    int b = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;   // one warp per block of 32
    int lane = threadIdx.x % WARP;
    if (b * 32 >= k) return;
    float v = ((const float *) row_ptr(x, xs, j))[b * 32 + lane];
    float amax = warp_max(fabsf(v));
    float s = amax / 127.f;
    int8_t qv = amax == 0.f ? 0 : (int8_t) roundf(v / s);
    long long nb = k / 32;
    q[(long long) j * k + b * 32 + lane] = qv;
    if (lane == 0) d[j * nb + b] = s;
}

// One warp per weight row; each lane handles whole blocks; 4 int8 products per dp4a.
template <bool IS_Q4>
__device__ void mul_mat_q8(const char *w, Shape ws, const int8_t *xq, const float *xd, float *y, int k, int n, int m) {
    int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP;
    int i = blockIdx.x * (blockDim.x / WARP) + warp;
    int j = blockIdx.y;
    if (i >= n) return;
    const char *wr = w + (long long) i * ws.nb[1];
    int nb = k / 32;
    const int8_t *xr = xq + (long long) j * k;
    float acc = 0.f;
    for (int b = lane; b < nb; b += WARP) {
        const char *blk = wr + b * (IS_Q4 ? 18 : 34);
        int sum = 0;
        const int *xi = (const int *) (xr + b * 32);
        if (IS_Q4) {
            for (int t = 0; t < 4; t++) {
                uint32_t qs = ld_u32(blk + 2 + 4 * t);
                int lo = (qs & 0x0f0f0f0f), hi = ((qs >> 4) & 0x0f0f0f0f);
                lo = __vsub4(lo, 0x08080808);
                hi = __vsub4(hi, 0x08080808);
                sum = __dp4a(lo, xi[t], sum);
                sum = __dp4a(hi, xi[t + 4], sum);
            }
        } else {
            for (int t = 0; t < 8; t++) sum = __dp4a((int) ld_u32(blk + 2 + 4 * t), xi[t], sum);
        }
        acc += sum * ld_f16(blk) * xd[(long long) j * nb + b];
    }
    acc = warp_sum(acc);
    if (lane == 0) y[(long long) j * n + i] = acc;
}
extern "C" __global__ void mul_mat_q8_q4_0(const char *w, Shape ws, const int8_t *xq, const float *xd, float *y, int k, int n, int m) {
    mul_mat_q8<true>(w, ws, xq, xd, y, k, n, m);
}
extern "C" __global__ void mul_mat_q8_q8_0(const char *w, Shape ws, const int8_t *xq, const float *xd, float *y, int k, int n, int m) {
    mul_mat_q8<false>(w, ws, xq, xd, y, k, n, m);
}

// ---- elementwise and row ops ------------------------------------------------------------------
// op: 0 add, 1 mul. b broadcasts when it has one row.
extern "C" __global__ void binary_f32(const char *a, Shape as, const char *b, Shape bs, float *d, int n, long long rows, int op) {
    long long r = blockIdx.x;
    const float *ar = (const float *) row_ptr(a, as, r);
    long long brows = bs.ne[1] * bs.ne[2] * bs.ne[3];
    const float *br = (const float *) row_ptr(b, bs, brows == 1 ? 0 : r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) d[r * n + e] = op == 0 ? ar[e] + br[e] : ar[e] * br[e];
}

// op: 0 scale(p), 1 silu, 2 gelu (tanh), 3 softcap(p)
__device__ __forceinline__ float gelu_tanh(float x) {
    const float c = 0.7978845608028654f; // sqrt(2/pi)
    return 0.5f * x * (1.f + tanhf(c * x * (1.f + 0.044715f * x * x)));
}
extern "C" __global__ void unary_f32(const char *a, Shape as, float *d, int n, int op, float p) {
    long long r = blockIdx.x;
    const float *ar = (const float *) row_ptr(a, as, r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float x = ar[e], v;
        switch (op) {
            case 0: v = x * p; break;
            case 1: v = x / (1.f + expf(-x)); break;
            case 2: v = gelu_tanh(x); break;
            default: v = p * tanhf(x / p); break;
        }
        d[r * n + e] = v;
    }
}

// op: 0 swiglu, 1 geglu
extern "C" __global__ void glu_f32(const char *g, Shape gs, const char *u, Shape us, float *d, int n, int op) {
    long long r = blockIdx.x;
    const float *gr = (const float *) row_ptr(g, gs, r), *ur = (const float *) row_ptr(u, us, r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float x = gr[e];
        d[r * n + e] = (op == 0 ? x / (1.f + expf(-x)) : gelu_tanh(x)) * ur[e];
    }
}

// rms (layer=0) or layer norm (layer=1) of each row, times w and plus b when given.
extern "C" __global__ void norm_f32(const char *x, Shape xs, const float *w, const float *b, float *d, int n, float eps, int layer) {
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

// softmax(a * scale + mask) per row
extern "C" __global__ void soft_max_f32(const char *a, Shape as, const char *mask, Shape ms, float *d, int n, float scale) {
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

// ROPE (ggml rope_ext with YaRN). x [hd, nHead, nTok]; one block per (head, token).
__device__ float rope_yarn_ramp(float low, float high, int i0) {
    float y = (i0 / 2 - low) / fmaxf(0.001f, high - low);
    return 1.0f - fminf(1.0f, fmaxf(0.0f, y));
}
extern "C" __global__ void rope_f32(const char *x, Shape xs, const int *pos, const float *ff, float *d,
                                    int neox, int nRot, float freqBase, float freqScale, float extFactor,
                                    float attnFactor, float corr0, float corr1) {
    int h = blockIdx.x, t = blockIdx.y;
    int hd = (int) xs.ne[0], nh = (int) xs.ne[1];
    const float *src = (const float *) (x + (long long) h * xs.nb[1] + (long long) t * xs.nb[2]);
    float *dst = d + ((long long) t * nh + h) * hd;
    float thetaScale = powf(freqBase, -2.0f / nRot);
    for (int i0 = 2 * threadIdx.x; i0 < hd; i0 += 2 * blockDim.x) {
        if (i0 >= nRot) { dst[i0] = src[i0]; dst[i0 + 1] = src[i0 + 1]; continue; }
        float thetaExtrap = pos[t] * powf(thetaScale, (float) (i0 / 2));
        if (ff) thetaExtrap /= ff[i0 / 2];
        float thetaInterp = freqScale * thetaExtrap;
        float theta = thetaInterp, mscale = attnFactor;
        if (extFactor != 0.0f) {
            float rampMix = rope_yarn_ramp(corr0, corr1, i0) * extFactor;
            theta = thetaInterp * (1 - rampMix) + thetaExtrap * rampMix;
            mscale *= 1.0f + 0.1f * logf(1.0f / freqScale);
        }
        float c = cosf(theta) * mscale, s = sinf(theta) * mscale;
        int a = neox ? i0 / 2 : i0, b = neox ? i0 / 2 + nRot / 2 : i0 + 1;
        float x0 = src[a], x1 = src[b];
        dst[a] = x0 * c - x1 * s;
        dst[b] = x0 * s + x1 * c;
    }
}

// ---- KV cache writes and copies --------------------------------------------------------------
// dstType: 0 F32, 1 F16, 8 Q8_0 (ggml ids). One block per source row.
extern "C" __global__ void set_rows_f32(char *dst, Shape ds, const char *src, Shape ss, const int *idx, int n, int dstType) {
    long long r = blockIdx.x;
    const float *sr = (const float *) row_ptr(src, ss, r);
    char *dr = dst + (long long) idx[r] * ds.nb[1];
    if (dstType == 0) {
        for (int e = threadIdx.x; e < n; e += blockDim.x) ((float *) dr)[e] = sr[e];
    } else if (dstType == 1) {
        for (int e = threadIdx.x; e < n; e += blockDim.x) ((__half *) dr)[e] = __float2half_rn(sr[e]);
    } else { // Q8_0: one warp per block of 32, as ggml's quantize_row_q8_0
        int lane = threadIdx.x % WARP;
        for (int b = threadIdx.x / WARP; b < n / 32; b += blockDim.x / WARP) {
            float v = sr[b * 32 + lane];
            float amax = warp_max(fabsf(v));
            float dd = amax / 127.f, id = dd != 0.f ? 1.f / dd : 0.f;
            char *blk = dr + b * 34;
            blk[2 + lane] = (int8_t) roundf(v * id);
            if (lane == 0) *(__half *) blk = __float2half_rn(dd);
        }
    }
}

// ---- fused attention ---------------------------------------------------------------------------
// One block (one warp) per (query head, token): online softmax over the nKv cells.
template <class T>
__device__ void attention(const char *q, Shape qs, const char *k, Shape ks, const char *v, Shape vs,
                          const char *mask, Shape ms, float *out, int nHead, int nKvHead, int hd, int hdv,
                          float scale, float softcap) {
    int h = blockIdx.x, t = blockIdx.y, lane = threadIdx.x;
    int kvh = h / (nHead / nKvHead);
    int nKv = (int) ks.ne[1];
    const float *qr = (const float *) (q + (long long) h * qs.nb[1] + (long long) t * qs.nb[2]);
    const float *mr = (const float *) row_ptr(mask, ms, t);
    float acc[8];   // hdv <= 256: each lane owns up to 8 output elements
    for (int u = 0; u < 8; u++) acc[u] = 0.f;
    float mx = -INFINITY, sum = 0.f;
    for (int c = 0; c < nKv; c++) {
        if (mr[c] == -INFINITY) continue;
        const char *kr = k + (long long) c * ks.nb[1];
        float s = 0.f;
        for (int e = lane; e < hd; e += WARP) s += qr[e] * T::get(kr, kvh * hd + e);
        s = warp_sum(s) * scale;
        if (softcap != 0.f) s = softcap * tanhf(s / softcap);
        s += mr[c];
        float nm = fmaxf(mx, s);
        float corr = expf(mx - nm), p = expf(s - nm);
        sum = sum * corr + p;
        const char *vr = v + (long long) c * vs.nb[1];
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
#define ATTN(NAME, T)                                                                                   \
    extern "C" __global__ void attention_##NAME(const char *q, Shape qs, const char *k, Shape ks, const char *v, Shape vs, \
            const char *mask, Shape ms, float *out, int nHead, int nKvHead, int hd, int hdv, float scale, float softcap) { \
        attention<T>(q, qs, k, ks, v, vs, mask, ms, out, nHead, nKvHead, hd, hdv, scale, softcap); }
ATTN(f32, TF32)
ATTN(f16, TF16)
ATTN(q8_0, TQ8_0)

// ARGMAX per row, lowest index wins ties. One block per row.
extern "C" __global__ void argmax_f32(const char *a, Shape as, int *d, int n) {
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

// CPY: contiguous copy of any-strided F32/F16 rows into F32 or F16 (dstType 0 / 1).
extern "C" __global__ void cpy_rows(const char *src, Shape ss, int srcType, char *dst, int n, int dstType) {
    long long r = blockIdx.x;
    const char *sr = row_ptr(src, ss, r);
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        float v = srcType == 0 ? ((const float *) sr)[e] : __half2float(((const __half *) sr)[e]);
        if (dstType == 0) ((float *) dst)[r * n + e] = v;
        else ((__half *) dst)[r * n + e] = __float2half_rn(v);
    }
}
