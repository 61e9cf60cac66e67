// GET_ROWS, CPY and SET_ROWS: moving rows between types. Source rows are decoded with deq_any
// (every weight type of quants.h); destinations are F32, F16, BF16 or a type quants.h quantizes
// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q8_K): one work-item per block.
#include "../quants.h"

/**
 * out[j] = dequantized table row ids[j], for the ids in [row0, row0 + n_rows) (tab points at row0:
 * a table split over several allocations is gathered one piece per launch). The launch with
 * row0 == 0 writes NaN for an id outside [0, total_rows) (ids from the host are checked before).
 */
kernel void get_rows(const GLOBAL uchar* tab, ulong to, ulong tnb1, int type, int row0, int n_rows, int total_rows,
                     const GLOBAL uchar* ids, ulong io, GLOBAL uchar* y, ulong yo, int ne0) {
    int i = get_global_id(0), j = get_global_id(1);
    if (i >= ne0) return;
    int id = ((const GLOBAL int*) (ids + io))[j];
    GLOBAL float* yr = (GLOBAL float*) (y + yo) + (ulong) j * ne0;
    if (id >= row0 && id < row0 + n_rows) yr[i] = deq_any(type, tab + to + (ulong) (id - row0) * tnb1, i);
    else if (row0 == 0 && (id < 0 || id >= total_rows)) yr[i] = NAN;
}

/** Byte offset of row r of a 4-D strided tensor. */
INLINE ulong row_offset(int r, int ne1, int ne2, ulong nb1, ulong nb2, ulong nb3) {
    int i1 = r % ne1, i2 = (r / ne1) % ne2, i3 = r / (ne1 * ne2);
    return (ulong) i1 * nb1 + (ulong) i2 * nb2 + (ulong) i3 * nb3;
}

/** Any type, strided -> contiguous F32. */
kernel void cpy_to_f32(const GLOBAL uchar* s, ulong so, ulong nb1, ulong nb2, ulong nb3, int ne1, int ne2, int type,
                       GLOBAL uchar* y, ulong yo, int ne0) {
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0) return;
    ((GLOBAL float*) (y + yo))[(ulong) r * ne0 + i] = deq_any(type, s + so + row_offset(r, ne1, ne2, nb1, nb2, nb3), i);
}

/** Same type, strided -> contiguous: row bytes copied as they are (any type; rows are contiguous). */
kernel void cpy_rows(const GLOBAL uchar* s, ulong so, ulong nb1, ulong nb2, ulong nb3, int ne1, int ne2,
                     GLOBAL uchar* y, ulong yo, int row_bytes) {
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= row_bytes) return;
    y[yo + (ulong) r * row_bytes + i] = s[so + row_offset(r, ne1, ne2, nb1, nb2, nb3) + i];
}

/** Elements per dim-0 work-item of a destination type: 1 for F32/F16/BF16, else its block size. */
INLINE int dst_block(int type) {
    if (type == T_F32 || type == T_F16 || type == T_BF16) return 1;
    return type == T_Q8_K ? 256 : 32;
}

/** Stores element i of an F32 row into a row of type F32/F16/BF16 (element-wise types). */
INLINE void store_elem(int type, GLOBAL uchar* row, int i, float v) {
    if (type == T_F32) ((GLOBAL float*) row)[i] = v;
    else if (type == T_F16) STORE_HALF(v, row + 2 * i);
    else ((GLOBAL ushort*) row)[i] = f32_to_bf16(v);
}

/** F32 strided -> contiguous F32/F16/BF16 (dim 0 over elements) or a quantized type (dim 0 over blocks). */
kernel void cpy_from_f32(const GLOBAL uchar* s, ulong so, ulong nb1, ulong nb2, ulong nb3, int ne1, int ne2,
                         GLOBAL uchar* y, ulong yo, int ne0, int type, ulong row_bytes) {
    int i = get_global_id(0), r = get_global_id(1);
    const GLOBAL float* sr = (const GLOBAL float*) (s + so + row_offset(r, ne1, ne2, nb1, nb2, nb3));
    GLOBAL uchar* yr = y + yo + (ulong) r * row_bytes;
    int bs = dst_block(type);
    if (bs > 1) {
        if (i < ne0 / bs) quantize_block(type, sr, yr, i);
    } else if (i < ne0) {
        store_elem(type, yr, i, sr[i]);
    }
}

/** dst row idx[j] = convert(src row j) for dst F32/F16/BF16 (dim 0 over elements) or a quantized type (over blocks). */
kernel void set_rows(const GLOBAL uchar* s, ulong so, ulong snb1, const GLOBAL uchar* idx, ulong io,
                     GLOBAL uchar* d, ulong dO, ulong dnb1, int n_rows, int ne0, int type) {
    int i = get_global_id(0), j = get_global_id(1);
    int r = ((const GLOBAL int*) (idx + io))[j];
    if (r < 0 || r >= n_rows) return;
    const GLOBAL float* sr = (const GLOBAL float*) (s + so + (ulong) j * snb1);
    GLOBAL uchar* dr = d + dO + (ulong) r * dnb1;
    int bs = dst_block(type);
    if (bs > 1) {
        if (i < ne0 / bs) quantize_block(type, sr, dr, i);
    } else if (i < ne0) {
        store_elem(type, dr, i, sr[i]);
    }
}
