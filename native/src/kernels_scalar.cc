// Portable scalar kernels (any architecture). The compiler may auto-vectorize them
// for the baseline ISA (SSE2 on x86-64, NEON on ARM64).
#include "kernels.h"
#include "simd.h"

namespace octet {
#define OCTET_ISA IsaScalar
#define OCTET_TGT
#define OCTET_TABLE kKernelsScalar
#define OCTET_KNAME "scalar"
#include "kernels_impl.inc"
}  // namespace octet
