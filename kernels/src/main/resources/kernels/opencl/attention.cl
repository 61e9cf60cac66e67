// Fused attention (Op.ATTENTION): one work-group per (query head, token). The KV cells are walked
// in chunks of ATT_CHUNK with an online softmax (running max and sum, rescaled accumulators), so
// any context length fits in local memory. GQA: head h reads KV head h / (nHead / nKvHead).
// K and V rows are F32, F16, BF16 or Q8_0 (decoded with deq_any).
#include "../quants.h"

#define ATT_CHUNK 128
#define ATT_MAX_V_PER_ITEM 8

kernel void attention_f32(const GLOBAL uchar* q, ulong qo, ulong qnb1, ulong qnb2,
                          const GLOBAL uchar* kc, ulong ko, ulong knb1, int ktype,
                          const GLOBAL uchar* vc, ulong vo, ulong vnb1, int vtype,
                          const GLOBAL uchar* mask, ulong mo, ulong mnb1, GLOBAL uchar* y, ulong yo,
                          int n_kv, int n_head, int n_kv_head, int head_dim, int head_dim_v, float scale, float softcap,
                          LOCAL float* sq, LOCAL float* ss, LOCAL float* red) {
    int h = get_group_id(0), t = get_group_id(1), lid = LID(), lsz = LSIZE();
    int kvh = h / (n_head / n_kv_head);
    const GLOBAL float* qr = (const GLOBAL float*) (q + qo + (ulong) h * qnb1 + (ulong) t * qnb2);
    const GLOBAL float* mr = (const GLOBAL float*) (mask + mo + (ulong) t * mnb1);
    for (int d = lid; d < head_dim; d += lsz) sq[d] = qr[d];
    BARRIER();
    float acc[ATT_MAX_V_PER_ITEM];
    for (int a = 0; a < ATT_MAX_V_PER_ITEM; a++) acc[a] = 0.0f;
    float mx = -INFINITY, sum = 0.0f;
    for (int c0 = 0; c0 < n_kv; c0 += ATT_CHUNK) {
        int cn = min(ATT_CHUNK, n_kv - c0);
        float cmax = -INFINITY;
        for (int j = lid; j < cn; j += lsz) {
            int cell = c0 + j;
            float mv = mr[cell], sc = -INFINITY;
            if (mv != -INFINITY) {
                const GLOBAL uchar* kr = kc + ko + (ulong) cell * knb1;
                float dot = 0.0f;
                for (int d = 0; d < head_dim; d++) dot += sq[d] * deq_any(ktype, kr, kvh * head_dim + d);
                sc = dot * scale;
                if (softcap != 0.0f) sc = softcap * tanh(sc / softcap);
                sc += mv;
            }
            ss[j] = sc;
            cmax = fmax(cmax, sc);
        }
        cmax = wg_max(cmax, red);
        float mnew = fmax(mx, cmax);
        if (mnew == -INFINITY) continue; // every cell so far is masked
        float factor = mx == -INFINITY ? 0.0f : exp(mx - mnew);
        float psum = 0.0f;
        for (int j = lid; j < cn; j += lsz) {
            float p = exp(ss[j] - mnew);
            ss[j] = p;
            psum += p;
        }
        sum = sum * factor + wg_sum(psum, red); // wg_sum's barriers also publish ss
        for (int a = 0; a < ATT_MAX_V_PER_ITEM; a++) {
            int d = lid + a * lsz;
            if (d >= head_dim_v) break;
            float v = 0.0f;
            for (int j = 0; j < cn; j++) {
                float p = ss[j];
                if (p != 0.0f) v += p * deq_any(vtype, vc + vo + (ulong) (c0 + j) * vnb1, kvh * head_dim_v + d);
            }
            acc[a] = acc[a] * factor + v;
        }
        mx = mnew;
        BARRIER();
    }
    GLOBAL float* yr = (GLOBAL float*) (y + yo) + ((ulong) t * n_head + h) * head_dim_v;
    for (int a = 0; a < ATT_MAX_V_PER_ITEM; a++) {
        int d = lid + a * lsz;
        if (d >= head_dim_v) break;
        yr[d] = sum > 0.0f ? acc[a] / sum : 0.0f;
    }
}
