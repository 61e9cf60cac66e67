// Quanta GPU kernels: decoding of ggml weight types, shared by OpenCL C and CUDA C.
// Block layouts: docs in shared FORMATS.md (upstream ggml-common.h). For every type T:
//   deq_T(row, e)            element e of a row (any e < row length)
//   dot32_T(row, c, x, lim)  dot of elements [32c, 32c+32) with x[0..32); lim bounds float rows
// Rows are byte pointers; fp16 fields are 2-byte aligned in every block layout.
#ifndef QUANTA_QUANTS_H
#define QUANTA_QUANTS_H
#include "common.h"

// ggml type ids (GgmlType.id)
#define T_F32 0
#define T_F16 1
#define T_Q4_0 2
#define T_Q4_1 3
#define T_Q5_0 6
#define T_Q5_1 7
#define T_Q8_0 8
#define T_Q8_1 9
#define T_Q2_K 10
#define T_Q3_K 11
#define T_Q4_K 12
#define T_Q5_K 13
#define T_Q6_K 14
#define T_Q8_K 15
#define T_IQ4_NL 20
#define T_IQ4_XS 23
#define T_BF16 30

/** ggml's kvalues_iq4nl: the 16 non-linear levels of IQ4_NL and IQ4_XS. */
CONST_TABLE schar KVALUES_IQ4NL[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// ---- float types ------------------------------------------------------------------------------

INLINE float deq_f32(const GLOBAL uchar* r, int e) { return ((const GLOBAL float*) r)[e]; }
INLINE float deq_f16(const GLOBAL uchar* r, int e) { return LOAD_HALF(r + 2 * e); }
INLINE float deq_bf16(const GLOBAL uchar* r, int e) { return bf16_to_f32(((const GLOBAL ushort*) r)[e]); }

INLINE float dot32_f32(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL float* w = (const GLOBAL float*) r + 32 * c;
    float s = 0.0f;
    if (lim >= 32) { for (int j = 0; j < 32; j++) s += w[j] * x[j]; }
    else { for (int j = 0; j < lim; j++) s += w[j] * x[j]; }
    return s;
}

INLINE float dot32_f16(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* w = r + 64 * c;
    float s = 0.0f;
    int n = lim < 32 ? lim : 32;
    for (int j = 0; j < n; j++) s += LOAD_HALF(w + 2 * j) * x[j];
    return s;
}

INLINE float dot32_bf16(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL ushort* w = (const GLOBAL ushort*) r + 32 * c;
    float s = 0.0f;
    int n = lim < 32 ? lim : 32;
    for (int j = 0; j < n; j++) s += bf16_to_f32(w[j]) * x[j];
    return s;
}

// ---- 32-element blocks -----------------------------------------------------------------------

INLINE float deq_q4_0(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 5) * 18;
    int j = e & 31;
    uchar q = b[2 + (j & 15)];
    return (float) ((j < 16 ? (q & 15) : (q >> 4)) - 8) * LOAD_HALF(b);
}

INLINE float dot32_q4_0(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 18;
    float s = 0.0f;
    for (int j = 0; j < 16; j++) {
        uchar q = b[2 + j];
        s += (float) ((q & 15) - 8) * x[j] + (float) ((q >> 4) - 8) * x[j + 16];
    }
    return s * LOAD_HALF(b);
}

INLINE float deq_q4_1(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 5) * 20;
    int j = e & 31;
    uchar q = b[4 + (j & 15)];
    return (float) (j < 16 ? (q & 15) : (q >> 4)) * LOAD_HALF(b) + LOAD_HALF(b + 2);
}

INLINE float dot32_q4_1(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 20;
    float s = 0.0f, sx = 0.0f;
    for (int j = 0; j < 16; j++) {
        uchar q = b[4 + j];
        s += (float) (q & 15) * x[j] + (float) (q >> 4) * x[j + 16];
        sx += x[j] + x[j + 16];
    }
    return s * LOAD_HALF(b) + sx * LOAD_HALF(b + 2);
}

INLINE float deq_q5_0(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 5) * 22;
    int j = e & 31;
    uint qh = ld_u32(b + 2);
    uchar q = b[6 + (j & 15)];
    int v = (j < 16 ? (q & 15) : (q >> 4)) | (int) (((qh >> j) & 1u) << 4);
    return (float) (v - 16) * LOAD_HALF(b);
}

INLINE float dot32_q5_0(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 22;
    uint qh = ld_u32(b + 2);
    float s = 0.0f;
    for (int j = 0; j < 16; j++) {
        uchar q = b[6 + j];
        int v0 = (q & 15) | (int) (((qh >> j) & 1u) << 4);
        int v1 = (q >> 4) | (int) (((qh >> (j + 16)) & 1u) << 4);
        s += (float) (v0 - 16) * x[j] + (float) (v1 - 16) * x[j + 16];
    }
    return s * LOAD_HALF(b);
}

INLINE float deq_q5_1(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 5) * 24;
    int j = e & 31;
    uint qh = ld_u32(b + 4);
    uchar q = b[8 + (j & 15)];
    int v = (j < 16 ? (q & 15) : (q >> 4)) | (int) (((qh >> j) & 1u) << 4);
    return (float) v * LOAD_HALF(b) + LOAD_HALF(b + 2);
}

INLINE float dot32_q5_1(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 24;
    uint qh = ld_u32(b + 4);
    float s = 0.0f, sx = 0.0f;
    for (int j = 0; j < 16; j++) {
        uchar q = b[8 + j];
        int v0 = (q & 15) | (int) (((qh >> j) & 1u) << 4);
        int v1 = (q >> 4) | (int) (((qh >> (j + 16)) & 1u) << 4);
        s += (float) v0 * x[j] + (float) v1 * x[j + 16];
        sx += x[j] + x[j + 16];
    }
    return s * LOAD_HALF(b) + sx * LOAD_HALF(b + 2);
}

INLINE float deq_q8_0(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 5) * 34;
    return (float) ((const GLOBAL schar*) b)[2 + (e & 31)] * LOAD_HALF(b);
}

INLINE float dot32_q8_0(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 34;
    const GLOBAL schar* q = (const GLOBAL schar*) (b + 2);
    float s = 0.0f;
    for (int j = 0; j < 32; j++) s += (float) q[j] * x[j];
    return s * LOAD_HALF(b);
}

INLINE float deq_q8_1(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 5) * 36;
    return (float) ((const GLOBAL schar*) b)[4 + (e & 31)] * LOAD_HALF(b);
}

INLINE float dot32_q8_1(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 36;
    const GLOBAL schar* q = (const GLOBAL schar*) (b + 4);
    float s = 0.0f;
    for (int j = 0; j < 32; j++) s += (float) q[j] * x[j];
    return s * LOAD_HALF(b);
}

INLINE float deq_iq4_nl(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 5) * 18;
    int j = e & 31;
    uchar q = b[2 + (j & 15)];
    return (float) KVALUES_IQ4NL[j < 16 ? (q & 15) : (q >> 4)] * LOAD_HALF(b);
}

INLINE float dot32_iq4_nl(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 18;
    float s = 0.0f;
    for (int j = 0; j < 16; j++) {
        uchar q = b[2 + j];
        s += (float) KVALUES_IQ4NL[q & 15] * x[j] + (float) KVALUES_IQ4NL[q >> 4] * x[j + 16];
    }
    return s * LOAD_HALF(b);
}

// ---- K-quants (super-blocks of 256) ------------------------------------------------------------

/** 6-bit scale and min j (0..7) of a Q4_K/Q5_K block's 12 scale bytes. */
INLINE void scale_min_k4(int j, const GLOBAL uchar* q, int* d, int* m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 15) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

INLINE float deq_q4_K(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 8) * 144;
    int i = e & 255, sub = i >> 5, sc, m;
    scale_min_k4(sub, b + 4, &sc, &m);
    uchar q = b[16 + (i >> 6) * 32 + (i & 31)];
    int nib = (sub & 1) ? (q >> 4) : (q & 15);
    return LOAD_HALF(b) * (float) sc * (float) nib - LOAD_HALF(b + 2) * (float) m;
}

INLINE float dot32_q4_K(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 144;
    int sub = c & 7, sc, m;
    scale_min_k4(sub, b + 4, &sc, &m);
    const GLOBAL uchar* q = b + 16 + (sub >> 1) * 32;
    float s = 0.0f, sx = 0.0f;
    if (sub & 1) { for (int l = 0; l < 32; l++) { s += (float) (q[l] >> 4) * x[l]; sx += x[l]; } }
    else { for (int l = 0; l < 32; l++) { s += (float) (q[l] & 15) * x[l]; sx += x[l]; } }
    return LOAD_HALF(b) * (float) sc * s - LOAD_HALF(b + 2) * (float) m * sx;
}

INLINE float deq_q5_K(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 8) * 176;
    int i = e & 255, sub = i >> 5, l = i & 31, sc, m;
    scale_min_k4(sub, b + 4, &sc, &m);
    uchar q = b[48 + (i >> 6) * 32 + l];
    int v = ((sub & 1) ? (q >> 4) : (q & 15)) + (((b[16 + l] >> sub) & 1) ? 16 : 0);
    return LOAD_HALF(b) * (float) sc * (float) v - LOAD_HALF(b + 2) * (float) m;
}

INLINE float dot32_q5_K(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 176;
    int sub = c & 7, sc, m;
    scale_min_k4(sub, b + 4, &sc, &m);
    const GLOBAL uchar* q = b + 48 + (sub >> 1) * 32;
    const GLOBAL uchar* qh = b + 16;
    int shift = (sub & 1) ? 4 : 0;
    float s = 0.0f, sx = 0.0f;
    for (int l = 0; l < 32; l++) {
        int v = ((q[l] >> shift) & 15) + (((qh[l] >> sub) & 1) ? 16 : 0);
        s += (float) v * x[l];
        sx += x[l];
    }
    return LOAD_HALF(b) * (float) sc * s - LOAD_HALF(b + 2) * (float) m * sx;
}

INLINE float deq_q6_K(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 8) * 210;
    int i = e & 255, n = i >> 7, quarter = (i & 127) >> 5, l = i & 31;
    uchar ql = b[n * 64 + l + (quarter & 1) * 32];
    int nib = quarter >= 2 ? (ql >> 4) : (ql & 15);
    int h = (b[128 + n * 32 + l] >> (2 * quarter)) & 3;
    int sc = ((const GLOBAL schar*) (b + 192))[n * 8 + (l >> 4) + 2 * quarter];
    return LOAD_HALF(b + 208) * (float) sc * (float) ((nib | (h << 4)) - 32);
}

INLINE float dot32_q6_K(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 210;
    int sub = c & 7, n = sub >> 2, quarter = sub & 3;
    const GLOBAL uchar* ql = b + n * 64 + (quarter & 1) * 32;
    const GLOBAL uchar* qh = b + 128 + n * 32;
    const GLOBAL schar* sc = (const GLOBAL schar*) (b + 192) + n * 8 + 2 * quarter;
    int qs = quarter >= 2 ? 4 : 0, hs = 2 * quarter;
    float s0 = 0.0f, s1 = 0.0f;
    for (int l = 0; l < 16; l++) {
        int v = (((ql[l] >> qs) & 15) | (((qh[l] >> hs) & 3) << 4)) - 32;
        s0 += (float) v * x[l];
    }
    for (int l = 16; l < 32; l++) {
        int v = (((ql[l] >> qs) & 15) | (((qh[l] >> hs) & 3) << 4)) - 32;
        s1 += (float) v * x[l];
    }
    return LOAD_HALF(b + 208) * ((float) sc[0] * s0 + (float) sc[1] * s1);
}

// Q2_K (84 bytes: scales[16], qs[64], d, dmin) and Q3_K (110 bytes: hmask[32], qs[64], scales[12], d):
// 16 sub-blocks of 16; the 2-bit quant of element e is bits 2*((e%128)/32) of qs[32*(e/128) + e%32].

INLINE int q2_bits(const GLOBAL uchar* qs, int e) {
    return (qs[32 * (e >> 7) + (e & 31)] >> (2 * ((e & 127) >> 5))) & 3;
}

INLINE float deq_q2_K(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 8) * 84;
    int i = e & 255;
    uchar sc = b[i >> 4];
    return LOAD_HALF(b + 80) * (float) (sc & 15) * (float) q2_bits(b + 16, i) - LOAD_HALF(b + 82) * (float) (sc >> 4);
}

INLINE float dot32_q2_K(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 84;
    int sub = c & 7;
    const GLOBAL uchar* q = b + 16 + 32 * (sub >> 2);
    int shift = 2 * (sub & 3);
    float s0 = 0.0f, s1 = 0.0f, x0 = 0.0f, x1 = 0.0f;
    for (int l = 0; l < 16; l++) { s0 += (float) ((q[l] >> shift) & 3) * x[l]; x0 += x[l]; }
    for (int l = 16; l < 32; l++) { s1 += (float) ((q[l] >> shift) & 3) * x[l]; x1 += x[l]; }
    uchar sc0 = b[2 * sub], sc1 = b[2 * sub + 1];
    return LOAD_HALF(b + 80) * ((float) (sc0 & 15) * s0 + (float) (sc1 & 15) * s1)
         - LOAD_HALF(b + 82) * ((float) (sc0 >> 4) * x0 + (float) (sc1 >> 4) * x1);
}

/** The 6-bit scale of Q3_K sub-block k (0..15), minus 32. */
INLINE int scale_q3_K(const GLOBAL uchar* sc, int k) {
    int lo = k < 8 ? (sc[k] & 15) : (sc[k - 8] >> 4);
    int hi = (sc[8 + (k & 3)] >> (2 * (k >> 2))) & 3;
    return (lo | (hi << 4)) - 32;
}

INLINE float deq_q3_K(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 8) * 110;
    int i = e & 255;
    int h = (b[i & 31] >> (i >> 5)) & 1;
    return LOAD_HALF(b + 108) * (float) scale_q3_K(b + 96, i >> 4) * (float) (q2_bits(b + 32, i) - (h ? 0 : 4));
}

INLINE float dot32_q3_K(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 110;
    int sub = c & 7;
    const GLOBAL uchar* q = b + 32 + 32 * (sub >> 2);
    int shift = 2 * (sub & 3);
    float s0 = 0.0f, s1 = 0.0f;
    for (int l = 0; l < 16; l++) s0 += (float) (((q[l] >> shift) & 3) - (((b[l] >> sub) & 1) ? 0 : 4)) * x[l];
    for (int l = 16; l < 32; l++) s1 += (float) (((q[l] >> shift) & 3) - (((b[l] >> sub) & 1) ? 0 : 4)) * x[l];
    return LOAD_HALF(b + 108) * ((float) scale_q3_K(b + 96, 2 * sub) * s0 + (float) scale_q3_K(b + 96, 2 * sub + 1) * s1);
}

// Q8_K (292 bytes: d as f32, qs[256], bsums[16]) — 4-byte aligned blocks.
INLINE float deq_q8_K(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 8) * 292;
    return *(const GLOBAL float*) b * (float) ((const GLOBAL schar*) b)[4 + (e & 255)];
}

INLINE float dot32_q8_K(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 292;
    const GLOBAL schar* q = (const GLOBAL schar*) (b + 4) + 32 * (c & 7);
    float s = 0.0f;
    for (int j = 0; j < 32; j++) s += (float) q[j] * x[j];
    return s * *(const GLOBAL float*) b;
}

// IQ4_XS (136 bytes: d, scales_h u16, scales_l[4], qs[128]): 8 sub-blocks of 32 with 6-bit scales.
INLINE float scale_iq4_xs(const GLOBAL uchar* b, int ib) {
    int ls = ((b[4 + (ib >> 1)] >> (4 * (ib & 1))) & 15) | (((ld_u16(b + 2) >> (2 * ib)) & 3) << 4);
    return LOAD_HALF(b) * (float) (ls - 32);
}

INLINE float deq_iq4_xs(const GLOBAL uchar* r, int e) {
    const GLOBAL uchar* b = r + (e >> 8) * 136;
    int i = e & 255, ib = i >> 5, j = i & 31;
    uchar q = b[8 + 16 * ib + (j & 15)];
    return scale_iq4_xs(b, ib) * (float) KVALUES_IQ4NL[j < 16 ? (q & 15) : (q >> 4)];
}

INLINE float dot32_iq4_xs(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 136;
    int ib = c & 7;
    const GLOBAL uchar* q = b + 8 + 16 * ib;
    float s = 0.0f;
    for (int j = 0; j < 16; j++) s += (float) KVALUES_IQ4NL[q[j] & 15] * x[j] + (float) KVALUES_IQ4NL[q[j] >> 4] * x[j + 16];
    return scale_iq4_xs(b, ib) * s;
}

/** Element e of a row of ggml type id t (KV cache reads and the generic copy). */
INLINE float deq_any(int t, const GLOBAL uchar* r, int e) {
    switch (t) {
        case T_F32: return deq_f32(r, e);
        case T_F16: return deq_f16(r, e);
        case T_BF16: return deq_bf16(r, e);
        case T_Q4_0: return deq_q4_0(r, e);
        case T_Q4_1: return deq_q4_1(r, e);
        case T_Q5_0: return deq_q5_0(r, e);
        case T_Q5_1: return deq_q5_1(r, e);
        case T_Q8_0: return deq_q8_0(r, e);
        case T_Q8_1: return deq_q8_1(r, e);
        case T_Q2_K: return deq_q2_K(r, e);
        case T_Q3_K: return deq_q3_K(r, e);
        case T_Q8_K: return deq_q8_K(r, e);
        case T_IQ4_NL: return deq_iq4_nl(r, e);
        case T_IQ4_XS: return deq_iq4_xs(r, e);
        case T_Q4_K: return deq_q4_K(r, e);
        case T_Q5_K: return deq_q5_K(r, e);
        case T_Q6_K: return deq_q6_K(r, e);
        default: return NAN;
    }
}

// ---- quantizers (ggml quantize_row_*_ref, one block each) ---------------------------------------
// Bit-exact with the reference codecs: no contraction of x*id + c into an fma (OpenCL contracts by
// default; CUDA's MUL_RN is __fmul_rn, which nvcc never fuses).
#ifdef __OPENCL_VERSION__
  #pragma OPENCL FP_CONTRACT OFF
#endif

/** ggml nearest_int: round half to even through the float mantissa (|v| < 2^22). */
INLINE int nearest_int(float v) {
    float t = v + 12582912.0f;
    return (int) (AS_UINT(t) & 0x007fffffu) - 0x00400000;
}

/** The element of largest magnitude, with its sign (the first one on ties). */
INLINE float signed_abs_max(const GLOBAL float* x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; j++) {
        float a = fabs(x[j]);
        if (amax < a) { amax = a; max = x[j]; }
    }
    return max;
}

INLINE void quantize_q8_0(const GLOBAL float* x, GLOBAL uchar* b) {
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) amax = fmax(amax, fabs(x[j]));
    float d = amax / 127.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    STORE_HALF(d, b);
    GLOBAL schar* q = (GLOBAL schar*) (b + 2);
    for (int j = 0; j < 32; j++) q[j] = (schar) ROUND_AWAY(MUL_RN(x[j], id));
}

INLINE void quantize_q8_1(const GLOBAL float* x, GLOBAL uchar* b) {
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) amax = fmax(amax, fabs(x[j]));
    float d = amax / 127.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    GLOBAL schar* q = (GLOBAL schar*) (b + 4);
    int sum = 0;
    for (int j = 0; j < 32; j++) {
        int v = (int) ROUND_AWAY(MUL_RN(x[j], id));
        q[j] = (schar) v;
        sum += v;
    }
    STORE_HALF(d, b);
    STORE_HALF((float) sum * d, b + 2);
}

INLINE void quantize_q4_0(const GLOBAL float* x, GLOBAL uchar* b) {
    float d = signed_abs_max(x, 32) / -8.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    STORE_HALF(d, b);
    for (int j = 0; j < 16; j++) {
        int q0 = min(15, (int) (MUL_RN(x[j], id) + 8.5f));
        int q1 = min(15, (int) (MUL_RN(x[j + 16], id) + 8.5f));
        b[2 + j] = (uchar) (q0 | (q1 << 4));
    }
}

INLINE void quantize_q4_1(const GLOBAL float* x, GLOBAL uchar* b) {
    float mn = x[0], mx = x[0];
    for (int j = 1; j < 32; j++) { mn = fmin(mn, x[j]); mx = fmax(mx, x[j]); }
    float d = (mx - mn) / 15.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    STORE_HALF(d, b);
    STORE_HALF(mn, b + 2);
    for (int j = 0; j < 16; j++) {
        int q0 = min(15, (int) (MUL_RN(x[j] - mn, id) + 0.5f));
        int q1 = min(15, (int) (MUL_RN(x[j + 16] - mn, id) + 0.5f));
        b[4 + j] = (uchar) (q0 | (q1 << 4));
    }
}

INLINE void st_u32(GLOBAL uchar* p, uint v) {
    p[0] = (uchar) v; p[1] = (uchar) (v >> 8); p[2] = (uchar) (v >> 16); p[3] = (uchar) (v >> 24);
}

INLINE void quantize_q5_0(const GLOBAL float* x, GLOBAL uchar* b) {
    float d = signed_abs_max(x, 32) / -16.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    STORE_HALF(d, b);
    uint qh = 0;
    for (int j = 0; j < 16; j++) {
        int q0 = min(31, (int) (MUL_RN(x[j], id) + 16.5f));
        int q1 = min(31, (int) (MUL_RN(x[j + 16], id) + 16.5f));
        b[6 + j] = (uchar) ((q0 & 15) | ((q1 & 15) << 4));
        qh |= (uint) ((q0 >> 4) & 1) << j;
        qh |= (uint) ((q1 >> 4) & 1) << (j + 16);
    }
    st_u32(b + 2, qh);
}

INLINE void quantize_q5_1(const GLOBAL float* x, GLOBAL uchar* b) {
    float mn = x[0], mx = x[0];
    for (int j = 1; j < 32; j++) { mn = fmin(mn, x[j]); mx = fmax(mx, x[j]); }
    float d = (mx - mn) / 31.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    STORE_HALF(d, b);
    STORE_HALF(mn, b + 2);
    uint qh = 0;
    for (int j = 0; j < 16; j++) {
        int q0 = (int) (MUL_RN(x[j] - mn, id) + 0.5f) & 0xff;
        int q1 = (int) (MUL_RN(x[j + 16] - mn, id) + 0.5f) & 0xff;
        b[8 + j] = (uchar) ((q0 & 15) | ((q1 & 15) << 4));
        qh |= (uint) ((q0 >> 4) & 1) << j;
        qh |= (uint) ((q1 >> 4) & 1) << (j + 16);
    }
    st_u32(b + 4, qh);
}

/** Q8_K: d = max / -127 with max the signed element of largest magnitude; an all-zero block is all zeros. */
INLINE void quantize_q8_K(const GLOBAL float* x, GLOBAL uchar* b) {
    float max = signed_abs_max(x, 256);
    GLOBAL schar* q = (GLOBAL schar*) (b + 4);
    if (max == 0.0f) {
        for (int j = 0; j < 292; j++) b[j] = 0;
        return;
    }
    float iscale = -127.0f / max;
    for (int j = 0; j < 256; j++) q[j] = (schar) min(127, nearest_int(MUL_RN(iscale, x[j])));
    for (int k = 0; k < 16; k++) {
        int sum = 0;
        for (int j = 0; j < 16; j++) sum += q[16 * k + j];
        b[260 + 2 * k] = (uchar) sum;
        b[261 + 2 * k] = (uchar) (sum >> 8);
    }
    *(GLOBAL float*) b = 1.0f / iscale;
}

/** Quantizes block i of a row of type t (F32 source); false for a type without a quantizer here. */
INLINE int quantize_block(int t, const GLOBAL float* x, GLOBAL uchar* row, int i) {
    switch (t) {
        case T_Q4_0: quantize_q4_0(x + 32 * i, row + 18 * i); return 1;
        case T_Q4_1: quantize_q4_1(x + 32 * i, row + 20 * i); return 1;
        case T_Q5_0: quantize_q5_0(x + 32 * i, row + 22 * i); return 1;
        case T_Q5_1: quantize_q5_1(x + 32 * i, row + 24 * i); return 1;
        case T_Q8_0: quantize_q8_0(x + 32 * i, row + 34 * i); return 1;
        case T_Q8_1: quantize_q8_1(x + 32 * i, row + 36 * i); return 1;
        case T_Q8_K: quantize_q8_K(x + 256 * i, row + 292 * i); return 1;
        default: return 0;
    }
}

#ifdef __OPENCL_VERSION__
  #pragma OPENCL FP_CONTRACT ON
#endif

#endif
