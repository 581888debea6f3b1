// Thin per-ISA vector abstractions used by kernels_impl.inc.
//
// Every kernel is written once (kernels_impl.inc) against one of these structs and
// instantiated three times: scalar (portable C++, W = 1), AVX2+FMA and AVX-512F/BW.
// The SIMD variants are compiled with per-function target attributes, never with
// -mavx* flags, so the binary runs on any x86-64 and the choice is made at run time
// (cpu.cc). On non-x86 targets only the scalar variant exists.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define OCTET_X86 1
#else
#define OCTET_X86 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define OCTET_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define OCTET_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx2,fma")))
#define OCTET_RESTRICT __restrict__
#define OCTET_ALWAYS_INLINE inline __attribute__((always_inline))
#else
// MSVC accepts AVX/AVX-512 intrinsics in any function; no attribute needed.
#define OCTET_TARGET_AVX2
#define OCTET_TARGET_AVX512
#define OCTET_RESTRICT __restrict
#define OCTET_ALWAYS_INLINE __forceinline
#endif

#if OCTET_X86
#include <immintrin.h>
#endif

namespace octet {

inline int popcount32(uint32_t v) {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_popcount(v);
#else
  v = v - ((v >> 1) & 0x55555555u);
  v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
  return static_cast<int>((((v + (v >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24);
#endif
}

// Bit test instead of std::isfinite so -ffast-math style flags can never fold it away.
inline bool is_finite_f(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return (u & 0x7f800000u) != 0x7f800000u;
}
inline bool is_nan_f(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return (u & 0x7fffffffu) > 0x7f800000u;
}

// ---------------------------------------------------------------- scalar ----
struct IsaScalar {
  static constexpr int W = 1;
  static constexpr int WD = 1;
  using F = float;
  using M = bool;
  using D = double;
  using MD = bool;

  static OCTET_ALWAYS_INLINE F load(const float* p) { return *p; }
  static OCTET_ALWAYS_INLINE void store(float* p, F v) { *p = v; }
  static OCTET_ALWAYS_INLINE F set1(float v) { return v; }
  static OCTET_ALWAYS_INLINE F add(F a, F b) { return a + b; }
  static OCTET_ALWAYS_INLINE F sub(F a, F b) { return a - b; }
  static OCTET_ALWAYS_INLINE F mul(F a, F b) { return a * b; }
  static OCTET_ALWAYS_INLINE F div(F a, F b) { return a / b; }
  // x86 minps/maxps semantics: return b unless a < b (resp. a > b).
  static OCTET_ALWAYS_INLINE F min(F a, F b) { return a < b ? a : b; }
  static OCTET_ALWAYS_INLINE F max(F a, F b) { return a > b ? a : b; }
  static OCTET_ALWAYS_INLINE M finite(F x) { return is_finite_f(x); }
  static OCTET_ALWAYS_INLINE M notnan(F x) { return !is_nan_f(x); }
  static OCTET_ALWAYS_INLINE bool all(M m) { return m; }
  static OCTET_ALWAYS_INLINE int count_false(M m) { return m ? 0 : 1; }
  static OCTET_ALWAYS_INLINE F select(M m, F a, F b) { return m ? a : b; }
  static OCTET_ALWAYS_INLINE F round_even(F x) { return std::nearbyint(x); }
  // x must be finite and within int32 range (callers clamp first).
  static OCTET_ALWAYS_INLINE void store_idx(int32_t* p, F x) { *p = static_cast<int32_t>(x); }
  static OCTET_ALWAYS_INLINE void store_i8(int8_t* p, F x) { *p = static_cast<int8_t>(static_cast<int32_t>(x)); }
  static OCTET_ALWAYS_INLINE void store_u8(uint8_t* p, F x) { *p = static_cast<uint8_t>(static_cast<int32_t>(x)); }
  static OCTET_ALWAYS_INLINE float hmin(F v) { return v; }
  static OCTET_ALWAYS_INLINE float hmax(F v) { return v; }

  static OCTET_ALWAYS_INLINE D loadd(const float* p) { return static_cast<double>(*p); }
  static OCTET_ALWAYS_INLINE D set1d(double v) { return v; }
  static OCTET_ALWAYS_INLINE D addd(D a, D b) { return a + b; }
  static OCTET_ALWAYS_INLINE D subd(D a, D b) { return a - b; }
  static OCTET_ALWAYS_INLINE D muld(D a, D b) { return a * b; }
  static OCTET_ALWAYS_INLINE D maxd(D a, D b) { return a > b ? a : b; }
  static OCTET_ALWAYS_INLINE D absd(D a) { return std::fabs(a); }
  static OCTET_ALWAYS_INLINE MD finited(D x) { return std::isfinite(x); }
  static OCTET_ALWAYS_INLINE MD andd(MD a, MD b) { return a && b; }
  static OCTET_ALWAYS_INLINE int count_falsed(MD m) { return m ? 0 : 1; }
  static OCTET_ALWAYS_INLINE D selectd(MD m, D a, D b) { return m ? a : b; }
  static OCTET_ALWAYS_INLINE double hsumd(D v) { return v; }
  static OCTET_ALWAYS_INLINE double hmaxd(D v) { return v; }
};

#if OCTET_X86
// ------------------------------------------------------------------ AVX2 ----
struct IsaAvx2 {
  static constexpr int W = 8;
  static constexpr int WD = 4;
  using F = __m256;
  using M = __m256;
  using D = __m256d;
  using MD = __m256d;

  OCTET_TARGET_AVX2 static inline F load(const float* p) { return _mm256_loadu_ps(p); }
  OCTET_TARGET_AVX2 static inline void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  OCTET_TARGET_AVX2 static inline F set1(float v) { return _mm256_set1_ps(v); }
  OCTET_TARGET_AVX2 static inline F add(F a, F b) { return _mm256_add_ps(a, b); }
  OCTET_TARGET_AVX2 static inline F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  OCTET_TARGET_AVX2 static inline F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  OCTET_TARGET_AVX2 static inline F div(F a, F b) { return _mm256_div_ps(a, b); }
  OCTET_TARGET_AVX2 static inline F min(F a, F b) { return _mm256_min_ps(a, b); }
  OCTET_TARGET_AVX2 static inline F max(F a, F b) { return _mm256_max_ps(a, b); }
  OCTET_TARGET_AVX2 static inline M finite(F x) {
    const F absx = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    return _mm256_cmp_ps(absx, _mm256_set1_ps(std::numeric_limits<float>::infinity()), _CMP_LT_OQ);
  }
  OCTET_TARGET_AVX2 static inline M notnan(F x) { return _mm256_cmp_ps(x, x, _CMP_ORD_Q); }
  OCTET_TARGET_AVX2 static inline bool all(M m) { return _mm256_movemask_ps(m) == 0xff; }
  OCTET_TARGET_AVX2 static inline int count_false(M m) {
    return 8 - popcount32(static_cast<uint32_t>(_mm256_movemask_ps(m)));
  }
  OCTET_TARGET_AVX2 static inline F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }
  OCTET_TARGET_AVX2 static inline F round_even(F x) {
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  OCTET_TARGET_AVX2 static inline void store_idx(int32_t* p, F x) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_cvttps_epi32(x));
  }
  OCTET_TARGET_AVX2 static inline __m128i pack16(F x) {
    const __m256i i = _mm256_cvttps_epi32(x);
    return _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
  }
  OCTET_TARGET_AVX2 static inline void store_i8(int8_t* p, F x) {
    const __m128i w = pack16(x);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
  }
  OCTET_TARGET_AVX2 static inline void store_u8(uint8_t* p, F x) {
    const __m128i w = pack16(x);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
  }
  OCTET_TARGET_AVX2 static inline float hmin(F v) {
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
  OCTET_TARGET_AVX2 static inline float hmax(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }

  OCTET_TARGET_AVX2 static inline D loadd(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  OCTET_TARGET_AVX2 static inline D set1d(double v) { return _mm256_set1_pd(v); }
  OCTET_TARGET_AVX2 static inline D addd(D a, D b) { return _mm256_add_pd(a, b); }
  OCTET_TARGET_AVX2 static inline D subd(D a, D b) { return _mm256_sub_pd(a, b); }
  OCTET_TARGET_AVX2 static inline D muld(D a, D b) { return _mm256_mul_pd(a, b); }
  OCTET_TARGET_AVX2 static inline D maxd(D a, D b) { return _mm256_max_pd(a, b); }
  OCTET_TARGET_AVX2 static inline D absd(D a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
  OCTET_TARGET_AVX2 static inline MD finited(D x) {
    return _mm256_cmp_pd(absd(x), _mm256_set1_pd(std::numeric_limits<double>::infinity()), _CMP_LT_OQ);
  }
  OCTET_TARGET_AVX2 static inline MD andd(MD a, MD b) { return _mm256_and_pd(a, b); }
  OCTET_TARGET_AVX2 static inline int count_falsed(MD m) {
    return 4 - popcount32(static_cast<uint32_t>(_mm256_movemask_pd(m)));
  }
  OCTET_TARGET_AVX2 static inline D selectd(MD m, D a, D b) { return _mm256_blendv_pd(b, a, m); }
  OCTET_TARGET_AVX2 static inline double hsumd(D v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
  OCTET_TARGET_AVX2 static inline double hmaxd(D v) {
    __m128d s = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_max_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
};

// --------------------------------------------------------------- AVX-512 ----
struct IsaAvx512 {
  static constexpr int W = 16;
  static constexpr int WD = 8;
  using F = __m512;
  using M = __mmask16;
  using D = __m512d;
  using MD = __mmask8;

  OCTET_TARGET_AVX512 static inline F load(const float* p) { return _mm512_loadu_ps(p); }
  OCTET_TARGET_AVX512 static inline void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  OCTET_TARGET_AVX512 static inline F set1(float v) { return _mm512_set1_ps(v); }
  OCTET_TARGET_AVX512 static inline F add(F a, F b) { return _mm512_add_ps(a, b); }
  OCTET_TARGET_AVX512 static inline F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  OCTET_TARGET_AVX512 static inline F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  OCTET_TARGET_AVX512 static inline F div(F a, F b) { return _mm512_div_ps(a, b); }
  OCTET_TARGET_AVX512 static inline F min(F a, F b) { return _mm512_min_ps(a, b); }
  OCTET_TARGET_AVX512 static inline F max(F a, F b) { return _mm512_max_ps(a, b); }
  OCTET_TARGET_AVX512 static inline F abs(F x) {
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
  }
  OCTET_TARGET_AVX512 static inline M finite(F x) {
    return _mm512_cmp_ps_mask(abs(x), _mm512_set1_ps(std::numeric_limits<float>::infinity()), _CMP_LT_OQ);
  }
  OCTET_TARGET_AVX512 static inline M notnan(F x) { return _mm512_cmp_ps_mask(x, x, _CMP_ORD_Q); }
  OCTET_TARGET_AVX512 static inline bool all(M m) { return m == 0xffff; }
  OCTET_TARGET_AVX512 static inline int count_false(M m) { return 16 - popcount32(static_cast<uint32_t>(m)); }
  OCTET_TARGET_AVX512 static inline F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }
  OCTET_TARGET_AVX512 static inline F round_even(F x) {
    return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  OCTET_TARGET_AVX512 static inline void store_idx(int32_t* p, F x) {
    _mm512_storeu_si512(reinterpret_cast<void*>(p), _mm512_cvttps_epi32(x));
  }
  OCTET_TARGET_AVX512 static inline void store_i8(int8_t* p, F x) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtsepi32_epi8(_mm512_cvttps_epi32(x)));
  }
  OCTET_TARGET_AVX512 static inline void store_u8(uint8_t* p, F x) {
    // x is already clamped to [0, 255]; unsigned saturation is a no-op then.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtusepi32_epi8(_mm512_cvttps_epi32(x)));
  }
  OCTET_TARGET_AVX512 static inline float hmin(F v) {
    __m256 m = _mm256_min_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 q = _mm_min_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    q = _mm_min_ps(q, _mm_movehl_ps(q, q));
    q = _mm_min_ss(q, _mm_shuffle_ps(q, q, 1));
    return _mm_cvtss_f32(q);
  }
  OCTET_TARGET_AVX512 static inline float hmax(F v) {
    __m256 m = _mm256_max_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 q = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    q = _mm_max_ps(q, _mm_movehl_ps(q, q));
    q = _mm_max_ss(q, _mm_shuffle_ps(q, q, 1));
    return _mm_cvtss_f32(q);
  }

  OCTET_TARGET_AVX512 static inline D loadd(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
  OCTET_TARGET_AVX512 static inline D set1d(double v) { return _mm512_set1_pd(v); }
  OCTET_TARGET_AVX512 static inline D addd(D a, D b) { return _mm512_add_pd(a, b); }
  OCTET_TARGET_AVX512 static inline D subd(D a, D b) { return _mm512_sub_pd(a, b); }
  OCTET_TARGET_AVX512 static inline D muld(D a, D b) { return _mm512_mul_pd(a, b); }
  OCTET_TARGET_AVX512 static inline D maxd(D a, D b) { return _mm512_max_pd(a, b); }
  OCTET_TARGET_AVX512 static inline D absd(D a) {
    return _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(a), _mm512_set1_epi64(0x7fffffffffffffffLL)));
  }
  OCTET_TARGET_AVX512 static inline MD finited(D x) {
    return _mm512_cmp_pd_mask(absd(x), _mm512_set1_pd(std::numeric_limits<double>::infinity()), _CMP_LT_OQ);
  }
  OCTET_TARGET_AVX512 static inline MD andd(MD a, MD b) { return static_cast<MD>(a & b); }
  OCTET_TARGET_AVX512 static inline int count_falsed(MD m) { return 8 - popcount32(static_cast<uint32_t>(m)); }
  OCTET_TARGET_AVX512 static inline D selectd(MD m, D a, D b) { return _mm512_mask_blend_pd(m, b, a); }
  OCTET_TARGET_AVX512 static inline double hsumd(D v) {
    __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
  OCTET_TARGET_AVX512 static inline double hmaxd(D v) {
    __m256d h = _mm256_max_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    __m128d s = _mm_max_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
    s = _mm_max_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
};
#endif  // OCTET_X86

}  // namespace octet
