// MUL_MAT(W[k, n] any type, X[k, m] F32) -> Y[n, m], y[j][i] = dot(W row i, X row j).
// A launch covers weight rows [row0, row0 + n) (w points at row0) of an output with ldy rows:
// weights split over several allocations run one piece per launch.
//  - mul_mat_vec_T (decode, m <= 4): MV_ROWS weight rows per work-group, a team of work-items per
//    row; each work-item takes 32-element chunks (a block, or a K-quant sub-block) and applies them
//    to every activation row, then each team reduces in local memory. Q4_0 and Q8_0 have
//    mul_mat_vec_mr_T, the same shape with vector loads and each block decoded once.
//  - mul_mat_mat (prefill): 32x32 output tiles, weights and activations staged in local memory in
//    32-wide K slices, 16x16 work-items computing 2x2 outputs each.
#include "../quants.h"

#define MV_ROWS 4   // weight rows per work-group of the GEMV kernels
#define MV_MAX_M 4  // activation rows per GEMV launch (OpenClStream sends more to mul_mat_mat)

/** Sums acc[j] over each team of lanes work-items and writes row's output j (every work-item calls it). */
INLINE void mv_store(float* acc, int m, int lid, int lane, int lanes, int row, int n, GLOBAL float* y, int ldy, int col,
                     LOCAL float* s) {
    for (int j = 0; j < m; j++) {
        s[lid] = acc[j];
        BARRIER();
        for (int o = lanes / 2; o > 0; o >>= 1) {
            if (lane < o) s[lid] += s[lid + o];
            BARRIER();
        }
        if (lane == 0 && row < n) y[(ulong) j * ldy + col] = s[lid];
        BARRIER();
    }
}

#define MUL_MAT_VEC(T) \
kernel void mul_mat_vec_##T(const GLOBAL uchar* w, ulong wo, ulong wnb1, const GLOBAL uchar* x, ulong xo, ulong xnb1, \
                            GLOBAL uchar* y, ulong yo, int k, int n, int m, int ldy, int row0, LOCAL float* s) { \
    int lid = LID(), lanes = LSIZE() / MV_ROWS; \
    int lane = lid % lanes, row = get_group_id(0) * MV_ROWS + lid / lanes; \
    float acc[MV_MAX_M]; \
    for (int j = 0; j < MV_MAX_M; j++) acc[j] = 0.0f; \
    if (row < n) { \
        const GLOBAL uchar* wr = w + wo + (ulong) row * wnb1; \
        for (int c = lane; c < (k + 31) / 32; c += lanes) \
            for (int j = 0; j < m; j++) \
                acc[j] += dot32_##T(wr, c, (const GLOBAL float*) (x + xo + (ulong) j * xnb1) + 32 * c, k - 32 * c); \
    } \
    mv_store(acc, m, lid, lane, lanes, row, n, (GLOBAL float*) (y + yo), ldy, row0 + row, s); \
}

MUL_MAT_VEC(f32)
MUL_MAT_VEC(f16)
MUL_MAT_VEC(bf16)
MUL_MAT_VEC(q4_0)
MUL_MAT_VEC(q4_1)
MUL_MAT_VEC(q5_0)
MUL_MAT_VEC(q5_1)
MUL_MAT_VEC(q8_0)
MUL_MAT_VEC(q8_1)
MUL_MAT_VEC(q2_K)
MUL_MAT_VEC(q3_K)
MUL_MAT_VEC(q8_K)
MUL_MAT_VEC(iq4_nl)
MUL_MAT_VEC(iq4_xs)
MUL_MAT_VEC(q4_K)
MUL_MAT_VEC(q5_K)
MUL_MAT_VEC(q6_K)

#define TILE 32
#define TK 32

kernel void mul_mat_mat(const GLOBAL uchar* w, ulong wo, ulong wnb1, int type, const GLOBAL uchar* x, ulong xo,
                        ulong xnb1, GLOBAL uchar* y, ulong yo, int k, int n, int m, int ldy, int row0) {
    LOCAL float wt[TK][TILE + 1];
    LOCAL float xt[TK][TILE + 1];
    int tx = get_local_id(0), ty = get_local_id(1), tid = ty * 16 + tx;
    int n0 = get_group_id(0) * TILE, m0 = get_group_id(1) * TILE;
    float a00 = 0.0f, a01 = 0.0f, a10 = 0.0f, a11 = 0.0f;
    for (int k0 = 0; k0 < k; k0 += TK) {
        for (int e = tid; e < TILE * TK; e += 256) {
            int r = e / TK, kk = e % TK, gk = k0 + kk;
            int gn = n0 + r, gm = m0 + r;
            wt[kk][r] = (gn < n && gk < k) ? deq_any(type, w + wo + (ulong) gn * wnb1, gk) : 0.0f;
            xt[kk][r] = (gm < m && gk < k) ? ((const GLOBAL float*) (x + xo + (ulong) gm * xnb1))[gk] : 0.0f;
        }
        BARRIER();
        for (int kk = 0; kk < TK; kk++) {
            float w0 = wt[kk][tx], w1 = wt[kk][tx + 16];
            float x0 = xt[kk][ty], x1 = xt[kk][ty + 16];
            a00 += w0 * x0; a01 += w0 * x1; a10 += w1 * x0; a11 += w1 * x1;
        }
        BARRIER();
    }
    GLOBAL float* yy = (GLOBAL float*) (y + yo) + row0;
    int i0 = n0 + tx, i1 = n0 + tx + 16, j0 = m0 + ty, j1 = m0 + ty + 16;
    if (i0 < n && j0 < m) yy[(ulong) j0 * ldy + i0] = a00;
    if (i0 < n && j1 < m) yy[(ulong) j1 * ldy + i0] = a01;
    if (i1 < n && j0 < m) yy[(ulong) j0 * ldy + i1] = a10;
    if (i1 < n && j1 < m) yy[(ulong) j1 * ldy + i1] = a11;
}

// ---- GEMV for Q4_0 and Q8_0 with vector loads (decode) ------------------------------------------
// As mul_mat_vec_T, but each block is loaded with vloadn and decoded once into two float16 for all
// activation rows. OpenCL-only (vloadn, float16).

INLINE float hsum16(float16 p) {
    float8 a = p.lo + p.hi;
    float4 b = a.lo + a.hi;
    return (b.x + b.y) + (b.z + b.w);
}

/** The 32 weights of Q4_0 block b as two float16 (elements 0..15, 16..31), scale applied later. */
INLINE void load_q4_0(const GLOBAL uchar* b, float16* lo, float16* hi) {
    uchar16 q = as_uchar16(vload8(0, (const GLOBAL ushort*) (b + 2)));
    *lo = convert_float16(q & (uchar16) 15) - 8.0f;
    *hi = convert_float16(q >> (uchar16) 4) - 8.0f;
}

INLINE void load_q8_0(const GLOBAL uchar* b, float16* lo, float16* hi) {
    const GLOBAL char* q = (const GLOBAL char*) (b + 2);
    *lo = convert_float16(vload16(0, q));
    *hi = convert_float16(vload16(1, q));
}

#define MUL_MAT_VEC_MR(T, BLOCK_BYTES) \
kernel void mul_mat_vec_mr_##T(const GLOBAL uchar* w, ulong wo, ulong wnb1, const GLOBAL uchar* x, ulong xo, ulong xnb1, \
                               GLOBAL uchar* y, ulong yo, int k, int n, int m, int ldy, int row0, LOCAL float* s) { \
    int lid = LID(), lanes = LSIZE() / MV_ROWS; \
    int lane = lid % lanes, row = get_group_id(0) * MV_ROWS + lid / lanes; \
    float acc[MV_MAX_M]; \
    for (int j = 0; j < MV_MAX_M; j++) acc[j] = 0.0f; \
    if (row < n) { \
        const GLOBAL uchar* wr = w + wo + (ulong) row * wnb1; \
        for (int c = lane; c < k / 32; c += lanes) { \
            const GLOBAL uchar* b = wr + (ulong) c * BLOCK_BYTES; \
            float16 lo, hi; \
            load_##T(b, &lo, &hi); \
            float d = LOAD_HALF(b); \
            for (int j = 0; j < m; j++) { \
                const GLOBAL float* xr = (const GLOBAL float*) (x + xo + (ulong) j * xnb1) + 32 * c; \
                acc[j] += d * hsum16(lo * vload16(0, xr) + hi * vload16(1, xr)); \
            } \
        } \
    } \
    mv_store(acc, m, lid, lane, lanes, row, n, (GLOBAL float*) (y + yo), ldy, row0 + row, s); \
}

MUL_MAT_VEC_MR(q4_0, 18)
MUL_MAT_VEC_MR(q8_0, 34)
