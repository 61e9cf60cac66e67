// Element-wise ops on F32 rows: ADD, MUL (b broadcast when it has one row), SCALE, SILU, GELU,
// SOFTCAP, SWIGLU, GEGLU. 2-D launch: dimension 0 over the row (padded to the group size), 1 over rows.
// Every input is (bytes, byte offset, byte stride between rows); outputs are contiguous.
#include "../common.h"

#define ROW(base, off, nb1, r) ((const GLOBAL float*) ((base) + (off) + (ulong) (r) * (nb1)))

kernel void binary_f32(const GLOBAL uchar* a, ulong ao, ulong anb1, const GLOBAL uchar* b, ulong bo, ulong bnb1,
                       GLOBAL uchar* y, ulong yo, int ne0, int b_rows, int op) {
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0) return;
    float av = ROW(a, ao, anb1, r)[i];
    float bv = ROW(b, bo, bnb1, b_rows == 1 ? 0 : r)[i];
    ((GLOBAL float*) (y + yo))[(ulong) r * ne0 + i] = op == 0 ? av + bv : av * bv;
}

// op: 0 scale (x * p), 1 silu, 2 gelu, 3 softcap (p * tanh(x / p))
kernel void unary_f32(const GLOBAL uchar* a, ulong ao, ulong anb1, GLOBAL uchar* y, ulong yo, int ne0, int op, float p) {
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0) return;
    float x = ROW(a, ao, anb1, r)[i], v;
    if (op == 0) v = x * p;
    else if (op == 1) v = op_silu(x);
    else if (op == 2) v = op_gelu(x);
    else v = p * tanh(x / p);
    ((GLOBAL float*) (y + yo))[(ulong) r * ne0 + i] = v;
}

// op: 0 swiglu silu(g) * u, 1 geglu gelu(g) * u
kernel void glu_f32(const GLOBAL uchar* g, ulong go, ulong gnb1, const GLOBAL uchar* u, ulong uo, ulong unb1,
                    GLOBAL uchar* y, ulong yo, int ne0, int op) {
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0) return;
    float gv = ROW(g, go, gnb1, r)[i], uv = ROW(u, uo, unb1, r)[i];
    ((GLOBAL float*) (y + yo))[(ulong) r * ne0 + i] = (op == 0 ? op_silu(gv) : op_gelu(gv)) * uv;
}
