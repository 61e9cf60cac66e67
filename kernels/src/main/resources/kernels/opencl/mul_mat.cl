// MUL_MAT(W[k, n] any type, X[k, m] F32) -> Y[n, m], y[j][i] = dot(W row i, X row j).
// A launch covers weight rows [row0, row0 + n) (w points at row0) of an output with ldy rows:
// weights split over several allocations run one piece per launch.
//  - mul_mat_vec_T (decode, m small): one work-group per weight row; each work-item takes 32-element
//    chunks (a block, or a K-quant sub-block) and the group reduces; the weight row is read once
//    per activation row from cache.
//  - mul_mat_mat (prefill): 32x32 output tiles, weights and activations staged in local memory in
//    32-wide K slices, 16x16 work-items computing 2x2 outputs each.
#include "../quants.h"

#define MUL_MAT_VEC(T) \
kernel void mul_mat_vec_##T(const GLOBAL uchar* w, ulong wo, ulong wnb1, const GLOBAL uchar* x, ulong xo, ulong xnb1, \
                            GLOBAL uchar* y, ulong yo, int k, int n, int m, int ldy, int row0, LOCAL float* s) { \
    int row = get_group_id(0), lid = LID(), lsz = LSIZE(); \
    const GLOBAL uchar* wr = w + wo + (ulong) row * wnb1; \
    int nc = (k + 31) / 32; \
    for (int j = 0; j < m; j++) { \
        const GLOBAL float* xr = (const GLOBAL float*) (x + xo + (ulong) j * xnb1); \
        float acc = 0.0f; \
        for (int c = lid; c < nc; c += lsz) acc += dot32_##T(wr, c, xr + 32 * c, k - 32 * c); \
        acc = wg_sum(acc, s); \
        if (lid == 0) ((GLOBAL float*) (y + yo))[(ulong) j * ldy + row0 + row] = acc; \
    } \
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
