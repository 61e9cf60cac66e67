// ROPE: ggml's rope_ext (normal = adjacent pairs, NEOX = halves) with YaRN and frequency factors.
// One work-item per pair p of a head: p < nRot/2 rotates, the rest passes dimensions >= nRot through.
#include "../common.h"

kernel void rope_f32(const GLOBAL uchar* x, ulong xo, ulong xnb1, ulong xnb2, const GLOBAL uchar* pos, ulong po,
                     const GLOBAL uchar* ff, ulong fo, GLOBAL uchar* y, ulong yo, int head_dim, int n_head,
                     int n_rot, int neox, float freq_base, float freq_scale, float ext_factor, float attn_factor,
                     float corr0, float corr1, int has_ff) {
    int p = get_global_id(0), h = get_global_id(1), t = get_global_id(2);
    if (p >= head_dim / 2) return;
    const GLOBAL float* xr = (const GLOBAL float*) (x + xo + (ulong) h * xnb1 + (ulong) t * xnb2);
    GLOBAL float* yr = (GLOBAL float*) (y + yo) + ((ulong) t * n_head + h) * head_dim;
    int half_rot = n_rot / 2;
    if (p >= half_rot) {
        int i = neox ? n_rot + 2 * (p - half_rot) : 2 * p;
        yr[i] = xr[i];
        yr[i + 1] = xr[i + 1];
        return;
    }
    float theta_scale = pow(freq_base, -2.0f / (float) n_rot);
    float theta = (float) ((const GLOBAL int*) (pos + po))[t] * pow(theta_scale, (float) p);
    if (has_ff) theta /= ((const GLOBAL float*) (ff + fo))[p];
    float c, s;
    rope_yarn(theta, freq_scale, corr0, corr1, 2 * p, ext_factor, attn_factor, &c, &s);
    int i0 = neox ? p : 2 * p;
    int i1 = neox ? p + half_rot : 2 * p + 1;
    float x0 = xr[i0], x1 = xr[i1];
    yr[i0] = x0 * c - x1 * s;
    yr[i1] = x0 * s + x1 * c;
}
