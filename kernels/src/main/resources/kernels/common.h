// Quanta GPU kernels: portability layer shared by OpenCL C (opencl/*.cl) and CUDA C (cuda/*.cu).
// Everything below the macros is plain C that both languages compile: the arithmetic of each op is
// written once, so the OpenCL run on PoCL in CI also covers the CUDA kernels' math.
#ifndef QUANTA_COMMON_H
#define QUANTA_COMMON_H

#ifdef __OPENCL_VERSION__
  #define GLOBAL global
  #define LOCAL local
  #define INLINE inline
  typedef char schar;
  #define CONST_TABLE constant
  #define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
  #define LID() ((int) get_local_id(0))
  #define LSIZE() ((int) get_local_size(0))
  #define AS_FLOAT(u) as_float(u)
  #define AS_UINT(f) as_uint(f)
  #define LOAD_HALF(p) vload_half(0, (const GLOBAL half*) (p))
  #define STORE_HALF(v, p) vstore_half_rte((v), 0, (GLOBAL half*) (p))
  #define ROUND_AWAY(v) round(v)
  #define MUL_RN(a, b) ((a) * (b))
  #if defined(cl_khr_subgroups) || defined(cl_intel_subgroups)
    #ifdef cl_khr_subgroups
      #pragma OPENCL EXTENSION cl_khr_subgroups : enable
    #endif
    #ifndef QUANTA_NO_SUBGROUPS
      #define QUANTA_SUBGROUPS 1
    #endif
  #endif
  #ifdef cl_khr_fp16
    #pragma OPENCL EXTENSION cl_khr_fp16 : enable
    #ifndef QUANTA_NO_FP16
      #define QUANTA_FP16 1
    #endif
  #endif
#else // CUDA C
  #include <cuda_fp16.h>
  typedef unsigned char uchar;
  typedef signed char schar; // plain char is unsigned on ARM hosts
  typedef unsigned short ushort;
  typedef unsigned int uint;
  // glibc's sys/types.h already has ulong as unsigned long (32 bits on LLP64 Windows): ours is 64 bits.
  typedef unsigned long long quanta_ulong;
  #define ulong quanta_ulong
  #define GLOBAL
  #define LOCAL
  #define INLINE __device__ __forceinline__
  #define CONST_TABLE static __device__ const
  #define BARRIER() __syncthreads()
  #define LID() ((int) threadIdx.x)
  #define LSIZE() ((int) blockDim.x)
  #define AS_FLOAT(u) __uint_as_float(u)
  #define AS_UINT(f) __float_as_uint(f)
  #define LOAD_HALF(p) __half2float(*(const __half*) (p))
  #define STORE_HALF(v, p) (*(__half*) (p) = __float2half_rn(v))
  #define ROUND_AWAY(v) roundf(v)
  #define MUL_RN(a, b) __fmul_rn((a), (b))
  #define QUANTA_WARP 32
#endif

#define QK_K 256

// ---- scalar conversions -------------------------------------------------------------------------

INLINE float bf16_to_f32(ushort b) { return AS_FLOAT(((uint) b) << 16); }

/** float -> bf16 bits, round to nearest even; NaN stays a quiet NaN (ggml_compute_fp32_to_bf16). */
INLINE ushort f32_to_bf16(float f) {
    uint u = AS_UINT(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (ushort) ((u >> 16) | 64u);
    return (ushort) ((u + (0x7fffu + ((u >> 16) & 1u))) >> 16);
}

INLINE ushort ld_u16(const GLOBAL uchar* p) { return (ushort) (p[0] | (p[1] << 8)); }
INLINE uint ld_u32(const GLOBAL uchar* p) { return (uint) p[0] | ((uint) p[1] << 8) | ((uint) p[2] << 16) | ((uint) p[3] << 24); }

// ---- work-group reductions ----------------------------------------------------------------------
// The group size must be a power of two; s holds one float per work-item (local fallback) or
// per sub-group. Every work-item gets the result.

INLINE float wg_sum(float v, LOCAL float* s) {
#if defined(QUANTA_SUBGROUPS)
    v = sub_group_reduce_add(v);
    if (get_sub_group_local_id() == 0) s[get_sub_group_id()] = v;
    BARRIER();
    float r = 0.0f;
    for (int i = 0; i < (int) get_num_sub_groups(); i++) r += s[i];
    BARRIER();
    return r;
#elif defined(QUANTA_WARP)
    for (int o = QUANTA_WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if ((LID() & (QUANTA_WARP - 1)) == 0) s[LID() / QUANTA_WARP] = v;
    BARRIER();
    float r = 0.0f;
    for (int i = 0; i < (LSIZE() + QUANTA_WARP - 1) / QUANTA_WARP; i++) r += s[i];
    BARRIER();
    return r;
#else
    int lid = LID();
    s[lid] = v;
    BARRIER();
    for (int o = LSIZE() / 2; o > 0; o >>= 1) {
        if (lid < o) s[lid] += s[lid + o];
        BARRIER();
    }
    float r = s[0];
    BARRIER();
    return r;
#endif
}

INLINE float wg_max(float v, LOCAL float* s) {
#if defined(QUANTA_SUBGROUPS)
    v = sub_group_reduce_max(v);
    if (get_sub_group_local_id() == 0) s[get_sub_group_id()] = v;
    BARRIER();
    float r = -INFINITY;
    for (int i = 0; i < (int) get_num_sub_groups(); i++) r = fmax(r, s[i]);
    BARRIER();
    return r;
#elif defined(QUANTA_WARP)
    for (int o = QUANTA_WARP / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    if ((LID() & (QUANTA_WARP - 1)) == 0) s[LID() / QUANTA_WARP] = v;
    BARRIER();
    float r = -INFINITY;
    for (int i = 0; i < (LSIZE() + QUANTA_WARP - 1) / QUANTA_WARP; i++) r = fmaxf(r, s[i]);
    BARRIER();
    return r;
#else
    int lid = LID();
    s[lid] = v;
    BARRIER();
    for (int o = LSIZE() / 2; o > 0; o >>= 1) {
        if (lid < o) s[lid] = fmax(s[lid], s[lid + o]);
        BARRIER();
    }
    float r = s[0];
    BARRIER();
    return r;
#endif
}

// ---- activations (ggml definitions) ------------------------------------------------------------

INLINE float op_silu(float x) { return x / (1.0f + exp(-x)); }

/** ggml_gelu: 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))). */
INLINE float op_gelu(float x) {
    const float k = 0.79788456080286535587989211986876f;
    return 0.5f * x * (1.0f + tanh(k * x * (1.0f + 0.044715f * x * x)));
}

// ---- RoPE (ggml rope_ext with YaRN) ------------------------------------------------------------

INLINE float rope_yarn_ramp(float low, float high, int i0) {
    float y = ((float) (i0 / 2) - low) / fmax(0.001f, high - low);
    return 1.0f - fmin(1.0f, fmax(0.0f, y));
}

/** cos/sin of pair p's angle: theta_extrap = pos * freqBase^(-2p/nRot) / freqFactor. */
INLINE void rope_yarn(float theta_extrap, float freq_scale, float corr0, float corr1, int i0, float ext_factor,
                      float mscale, float* c, float* s) {
    float theta_interp = freq_scale * theta_extrap;
    float theta = theta_interp;
    if (ext_factor != 0.0f) {
        float ramp_mix = rope_yarn_ramp(corr0, corr1, i0) * ext_factor;
        theta = theta_interp * (1.0f - ramp_mix) + theta_extrap * ramp_mix;
        mscale *= 1.0f + 0.1f * log(1.0f / freq_scale);
    }
    *c = cos(theta) * mscale;
    *s = sin(theta) * mscale;
}

#endif
