// AVX-512F/BW kernels, compiled through target attributes (no -mavx512* on the command
// line), used only when cpu.cc finds AVX-512F, AVX-512BW and OS support for the ZMM state.
#include "kernels.h"
#include "simd.h"

#if OCTET_X86
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports its own _mm512_undefined_*() idiom (`__m512 __Y = __Y;`) as uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
namespace octet {
#define OCTET_ISA IsaAvx512
#define OCTET_TGT OCTET_TARGET_AVX512
#define OCTET_TABLE kKernelsAvx512
#define OCTET_KNAME "avx512"
#include "kernels_impl.inc"
}  // namespace octet
#endif
