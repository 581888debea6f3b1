// AVX2+FMA kernels, compiled through target attributes (no -mavx2 on the command line),
// used only when cpu.cc finds AVX2, FMA and OS support for the YMM state.
#include "kernels.h"
#include "simd.h"

#if OCTET_X86
namespace octet {
#define OCTET_ISA IsaAvx2
#define OCTET_TGT OCTET_TARGET_AVX2
#define OCTET_TABLE kKernelsAvx2
#define OCTET_KNAME "avx2"
#include "kernels_impl.inc"
}  // namespace octet
#endif
