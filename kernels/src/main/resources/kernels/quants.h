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
#define T_Q4_K 12
#define T_Q5_K 13
#define T_Q6_K 14
#define T_BF16 30

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
    return (float) ((const GLOBAL char*) b)[2 + (e & 31)] * LOAD_HALF(b);
}

INLINE float dot32_q8_0(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + c * 34;
    const GLOBAL char* q = (const GLOBAL char*) (b + 2);
    float s = 0.0f;
    for (int j = 0; j < 32; j++) s += (float) q[j] * x[j];
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
    int sc = ((const GLOBAL char*) (b + 192))[n * 8 + (l >> 4) + 2 * quarter];
    return LOAD_HALF(b + 208) * (float) sc * (float) ((nib | (h << 4)) - 32);
}

INLINE float dot32_q6_K(const GLOBAL uchar* r, int c, const GLOBAL float* x, int lim) {
    const GLOBAL uchar* b = r + (c >> 3) * 210;
    int sub = c & 7, n = sub >> 2, quarter = sub & 3;
    const GLOBAL uchar* ql = b + n * 64 + (quarter & 1) * 32;
    const GLOBAL uchar* qh = b + 128 + n * 32;
    const GLOBAL char* sc = (const GLOBAL char*) (b + 192) + n * 8 + 2 * quarter;
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
        case T_Q4_K: return deq_q4_K(r, e);
        case T_Q5_K: return deq_q5_K(r, e);
        case T_Q6_K: return deq_q6_K(r, e);
        default: return NAN;
    }
}

#endif
