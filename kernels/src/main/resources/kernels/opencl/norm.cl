// RMS_NORM, NORM and SOFT_MAX: one work-group per row, work-group reductions (sub-groups where
// the device has them, local memory otherwise).
#include "../common.h"

kernel void rms_norm_f32(const GLOBAL uchar* x, ulong xo, ulong xnb1, const GLOBAL uchar* w, ulong wo,
                         GLOBAL uchar* y, ulong yo, int ne0, float eps, int has_w, LOCAL float* s) {
    int r = get_group_id(0), lid = LID(), lsz = LSIZE();
    const GLOBAL float* xr = (const GLOBAL float*) (x + xo + (ulong) r * xnb1);
    const GLOBAL float* wr = (const GLOBAL float*) (w + wo);
    GLOBAL float* yr = (GLOBAL float*) (y + yo) + (ulong) r * ne0;
    float acc = 0.0f;
    for (int i = lid; i < ne0; i += lsz) acc += xr[i] * xr[i];
    float scale = 1.0f / sqrt(wg_sum(acc, s) / (float) ne0 + eps);
    for (int i = lid; i < ne0; i += lsz) yr[i] = xr[i] * scale * (has_w ? wr[i] : 1.0f);
}

kernel void norm_f32(const GLOBAL uchar* x, ulong xo, ulong xnb1, const GLOBAL uchar* w, ulong wo,
                     const GLOBAL uchar* b, ulong bo, GLOBAL uchar* y, ulong yo, int ne0, float eps,
                     int has_w, int has_b, LOCAL float* s) {
    int r = get_group_id(0), lid = LID(), lsz = LSIZE();
    const GLOBAL float* xr = (const GLOBAL float*) (x + xo + (ulong) r * xnb1);
    const GLOBAL float* wr = (const GLOBAL float*) (w + wo);
    const GLOBAL float* br = (const GLOBAL float*) (b + bo);
    GLOBAL float* yr = (GLOBAL float*) (y + yo) + (ulong) r * ne0;
    float acc = 0.0f;
    for (int i = lid; i < ne0; i += lsz) acc += xr[i];
    float mean = wg_sum(acc, s) / (float) ne0;
    acc = 0.0f;
    for (int i = lid; i < ne0; i += lsz) acc += (xr[i] - mean) * (xr[i] - mean);
    float scale = 1.0f / sqrt(wg_sum(acc, s) / (float) ne0 + eps);
    for (int i = lid; i < ne0; i += lsz)
        yr[i] = (xr[i] - mean) * scale * (has_w ? wr[i] : 1.0f) + (has_b ? br[i] : 0.0f);
}

/** softmax(a * scale + mask) per row; a row whose every value is -inf gives zeros. */
kernel void soft_max_f32(const GLOBAL uchar* a, ulong ao, ulong anb1, const GLOBAL uchar* m, ulong mo, ulong mnb1,
                         GLOBAL uchar* y, ulong yo, int ne0, float scale, int has_mask, LOCAL float* s) {
    int r = get_group_id(0), lid = LID(), lsz = LSIZE();
    const GLOBAL float* ar = (const GLOBAL float*) (a + ao + (ulong) r * anb1);
    const GLOBAL float* mr = (const GLOBAL float*) (m + mo + (ulong) r * mnb1);
    GLOBAL float* yr = (GLOBAL float*) (y + yo) + (ulong) r * ne0;
    float mx = -INFINITY;
    for (int i = lid; i < ne0; i += lsz) {
        float v = ar[i] * scale + (has_mask ? mr[i] : 0.0f);
        yr[i] = v;
        mx = fmax(mx, v);
    }
    mx = wg_max(mx, s);
    float sum = 0.0f;
    for (int i = lid; i < ne0; i += lsz) {
        float e = mx == -INFINITY ? 0.0f : exp(yr[i] - mx);
        yr[i] = e;
        sum += e;
    }
    sum = wg_sum(sum, s);
    float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (int i = lid; i < ne0; i += lsz) yr[i] *= inv;
}

/** Index of the largest value of each row; the lowest index wins ties. */
kernel void argmax_f32(const GLOBAL uchar* a, ulong ao, ulong anb1, GLOBAL uchar* y, ulong yo, int ne0,
                       LOCAL float* sv, LOCAL int* si) {
    int r = get_group_id(0), lid = LID(), lsz = LSIZE();
    const GLOBAL float* ar = (const GLOBAL float*) (a + ao + (ulong) r * anb1);
    float best = -INFINITY;
    int bi = -1;
    for (int i = lid; i < ne0; i += lsz) {
        float v = ar[i];
        if (bi < 0 || v > best) { best = v; bi = i; }
    }
    sv[lid] = best;
    si[lid] = bi;
    BARRIER();
    for (int o = lsz / 2; o > 0; o >>= 1) {
        if (lid < o) {
            float v = sv[lid + o];
            int j = si[lid + o];
            if (j >= 0 && (si[lid] < 0 || v > sv[lid] || (v == sv[lid] && j < si[lid]))) { sv[lid] = v; si[lid] = j; }
        }
        BARRIER();
    }
    if (lid == 0) ((GLOBAL int*) (y + yo))[r] = si[0] < 0 ? 0 : si[0];
}
