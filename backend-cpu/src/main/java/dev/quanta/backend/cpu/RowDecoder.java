package dev.quanta.backend.cpu;

import static dev.quanta.backend.cpu.Simd.F;
import static dev.quanta.backend.cpu.Simd.FL;
import static dev.quanta.backend.cpu.Simd.I;
import static dev.quanta.backend.cpu.Simd.SF;

import dev.quanta.kernels.GgmlType;
import dev.quanta.kernels.quant.QuantCodec;
import dev.quanta.kernels.quant.QuantCodecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Decodes whole weight rows to F32 for the prefill GEMM ({@link Gemm}): vectorized for the types
 * prompts mostly meet (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K), the reference codec for the rest.
 * The values equal the reference dequantization up to the order of one multiply (a fused
 * multiply-add where ggml rounds twice): F16/BF16/F32/Q8_0/Q4_0/Q6_K bit for bit, Q4_K within one
 * rounding. Loops are flat (no calls to our own helpers), as in {@link DotKernels}.
 */
abstract class RowDecoder {
    static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Byte lanes loaded at once: FL (16 or 8), at least 8 (there is no 32-bit byte vector). */
    static final int BL = Math.max(8, FL);
    static final VectorSpecies<Byte> BV = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * BL));
    /** Int parts per byte load: 1, or 2 in 128-bit mode. */
    static final int PARTS = BL / FL;

    /** Writes the k elements of the row at w[off..] to dst[d..d+k). */
    abstract void decode(MemorySegment w, long off, int k, float[] dst, int d);

    /** The decoder of {@code type}; null when no codec reads it. */
    static RowDecoder forType(GgmlType type) {
        if (Simd.SCALAR) return codec(type);
        return switch (type) {
            case F32 -> new F32();
            case F16 -> new F16();
            case BF16 -> new BF16();
            case Q8_0 -> new Q8_0();
            case Q4_0 -> new Q4_0();
            case Q4_K -> new Q4_K();
            case Q6_K -> new Q6_K();
            default -> codec(type);
        };
    }

    private static RowDecoder codec(GgmlType type) {
        if (type.isRetired() || type.blockSize <= 0 || !QuantCodecs.supported(type)) return null;
        QuantCodec c = QuantCodecs.of(type);
        return new RowDecoder() {
            void decode(MemorySegment w, long off, int k, float[] dst, int d) {
                c.dequantizeRow(w, off, dst, d, k);
            }
        };
    }

    static final class F32 extends RowDecoder {
        void decode(MemorySegment w, long off, int k, float[] dst, int d) {
            MemorySegment.copy(w, ValueLayout.JAVA_FLOAT_UNALIGNED, off, dst, d, k);
        }
    }

    static final class F16 extends RowDecoder {
        void decode(MemorySegment w, long off, int k, float[] dst, int d) {
            int i = 0;
            for (; i <= k - FL; i += FL, off += 2L * FL) {
                DotKernels.halfToFloat((IntVector) ShortVector.fromMemorySegment(SF, w, off, LE).convertShape(VectorOperators.S2I, I, 0))
                        .intoArray(dst, d + i);
            }
            for (; i < k; i++, off += 2) dst[d + i] = Float.float16ToFloat(w.get(S16, off));
        }
    }

    static final class BF16 extends RowDecoder {
        void decode(MemorySegment w, long off, int k, float[] dst, int d) {
            int i = 0;
            for (; i <= k - FL; i += FL, off += 2L * FL) {
                ((IntVector) ShortVector.fromMemorySegment(SF, w, off, LE).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, d + i);
            }
            for (; i < k; i++, off += 2) dst[d + i] = Float.intBitsToFloat((w.get(S16, off) & 0xffff) << 16);
        }
    }

    /** Q8_0 (d f16, qs[32] int8): x = d·q. */
    static final class Q8_0 extends RowDecoder {
        void decode(MemorySegment w, long off, int k, float[] dst, int d) {
            for (int b = 0, nb = k >> 5; b < nb; b++, off += 34, d += 32) {
                FloatVector s = FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off)));
                for (int c = 0; c < 32; c += BL) {
                    ByteVector q = ByteVector.fromMemorySegment(BV, w, off + 2 + c, LE);
                    for (int p = 0; p < PARTS; p++) {
                        ((FloatVector) ((IntVector) q.convertShape(VectorOperators.B2I, I, p)).convert(VectorOperators.I2F, 0))
                                .mul(s).intoArray(dst, d + c + p * FL);
                    }
                }
            }
        }
    }

    /** Q4_0 (d f16, qs[16]): element i is the low nibble of qs[i], element 16 + i the high one; x = d·(q − 8). */
    static final class Q4_0 extends RowDecoder {
        void decode(MemorySegment w, long off, int k, float[] dst, int d) {
            for (int b = 0, nb = k >> 5; b < nb; b++, off += 18, d += 32) {
                FloatVector s = FloatVector.broadcast(F, Float.float16ToFloat(w.get(S16, off)));
                for (int c = 0; c < 16; c += BL) {
                    ByteVector q = ByteVector.fromMemorySegment(BV, w, off + 2 + c, LE);
                    for (int p = 0; p < PARTS; p++) {
                        IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        ((FloatVector) v.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(s).intoArray(dst, d + c + p * FL);
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(s).intoArray(dst, d + 16 + c + p * FL);
                    }
                }
            }
        }
    }

    /**
     * Q4_K (d, dmin f16, scales[12], qs[128]) per 256: chunk c of 32 bytes holds sub-block 2c in
     * its low nibbles and 2c + 1 in its high ones; x = d·sc·q − dmin·m.
     */
    static final class Q4_K extends RowDecoder {
        void decode(MemorySegment w, long off, int k, float[] dst, int d) {
            for (int b = 0, nb = k >> 8; b < nb; b++, off += 144, d += 256) {
                float dd = Float.float16ToFloat(w.get(S16, off)), dm = Float.float16ToFloat(w.get(S16, off + 2));
                long lo = w.get(KQuantKernels.I64, off + 4);
                int hi = w.get(KQuantKernels.I32, off + 12);
                for (int c = 0; c < 4; c++) {
                    FloatVector s1 = FloatVector.broadcast(F, dd * KQuantKernels.sc6(lo, hi, 2 * c));
                    FloatVector m1 = FloatVector.broadcast(F, -dm * KQuantKernels.min6(lo, hi, 2 * c));
                    FloatVector s2 = FloatVector.broadcast(F, dd * KQuantKernels.sc6(lo, hi, 2 * c + 1));
                    FloatVector m2 = FloatVector.broadcast(F, -dm * KQuantKernels.min6(lo, hi, 2 * c + 1));
                    int o = d + 64 * c;
                    for (int e = 0; e < 32; e += BL) {
                        ByteVector q = ByteVector.fromMemorySegment(BV, w, off + 16 + 32 * c + e, LE);
                        for (int p = 0; p < PARTS; p++) {
                            IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            ((FloatVector) v.and(15).convert(VectorOperators.I2F, 0)).fma(s1, m1).intoArray(dst, o + e + p * FL);
                            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(s2, m2).intoArray(dst, o + 32 + e + p * FL);
                        }
                    }
                }
            }
        }
    }

    /**
     * Q6_K (ql[128], qh[64], scales[16] int8, d f16) per 256, two halves of 128: element l (of 32)
     * of each quarter takes 4 bits of ql and 2 of qh; x = d·sc·(q − 32), sc per 16 elements.
     */
    static final class Q6_K extends RowDecoder {
        void decode(MemorySegment w, long off, int k, float[] dst, int d) {
            for (int b = 0, nb = k >> 8; b < nb; b++, off += 210, d += 256) {
                float dd = Float.float16ToFloat(w.get(S16, off + 208));
                for (int h = 0; h < 2; h++) {
                    long ql = off + 64 * h, qh = off + 128 + 32 * h, sc = off + 192 + 8 * h;
                    int o = d + 128 * h;
                    for (int l = 0; l < 32; l += BL) {
                        int is = l >> 4;
                        FloatVector c1 = FloatVector.broadcast(F, dd * w.get(DotKernels.I8, sc + is));
                        FloatVector c2 = FloatVector.broadcast(F, dd * w.get(DotKernels.I8, sc + is + 2));
                        FloatVector c3 = FloatVector.broadcast(F, dd * w.get(DotKernels.I8, sc + is + 4));
                        FloatVector c4 = FloatVector.broadcast(F, dd * w.get(DotKernels.I8, sc + is + 6));
                        ByteVector l0 = ByteVector.fromMemorySegment(BV, w, ql + l, LE);
                        ByteVector l1 = ByteVector.fromMemorySegment(BV, w, ql + 32 + l, LE);
                        ByteVector hb = ByteVector.fromMemorySegment(BV, w, qh + l, LE);
                        for (int p = 0; p < PARTS; p++) {
                            IntVector a = (IntVector) l0.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            IntVector bq = (IntVector) l1.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            IntVector hv = (IntVector) hb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            int at = o + l + p * FL;
                            ((FloatVector) a.and(15).or(hv.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convert(VectorOperators.I2F, 0))
                                    .mul(c1).intoArray(dst, at);
                            ((FloatVector) bq.and(15).or(hv.and(12).lanewise(VectorOperators.LSHL, 2)).sub(32).convert(VectorOperators.I2F, 0))
                                    .mul(c2).intoArray(dst, at + 32);
                            ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).or(hv.and(48)).sub(32).convert(VectorOperators.I2F, 0))
                                    .mul(c3).intoArray(dst, at + 64);
                            ((FloatVector) bq.lanewise(VectorOperators.LSHR, 4).or(hv.and(192).lanewise(VectorOperators.LSHR, 2)).sub(32).convert(VectorOperators.I2F, 0))
                                    .mul(c4).intoArray(dst, at + 96);
                        }
                    }
                }
            }
        }
    }
}
