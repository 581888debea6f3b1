// Chunk-level kernels: single-threaded, operate on one contiguous range.
// The drivers in ops.cc / histogram.cc split work over the thread pool and call
// these through the table of the ISA chosen at run time (cpu.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace octet {

struct FidAcc {
  double rr = 0, tt = 0, rt = 0, dd = 0, maxabs = 0;
  uint64_t nonfinite = 0;
};

struct Kernels {
  const char* name;
  // min/max over finite values; *mn/*mx are combined with (not overwritten by) the chunk result.
  void (*minmax)(const float* x, size_t n, float* mn, float* mx, uint64_t* nonfinite);
  // element-wise: amin[k] = min(amin[k], x[k]) over finite x[k]; same for amax.
  void (*minmax_rows)(const float* x, size_t n, float* amin, float* amax, uint64_t* nonfinite);
  // bin index t = clamp(x*inv + off, 0, bins-1) (float32 arithmetic, no FMA), truncated;
  // non-finite values go to slot `bins` (a trash slot). Two counter copies reduce store
  // dependencies: c0 and c1 each hold bins+1 slots. Also folds the chunk's min/max into
  // *mn/*mx, ignoring NaN but NOT +-Inf (see k_hist).
  void (*hist)(const float* x, size_t n, float inv, float off, uint32_t bins, uint32_t* c0, uint32_t* c1, float* mn,
               float* mx);
  // q = clamp(nearbyint(x / scale) + zp, qmin, qmax); NaN -> zp. All params are float-valued integers.
  void (*quant_i8)(const float* x, size_t n, float scale, float zp, float qmin, float qmax, int8_t* out);
  void (*quant_u8)(const float* x, size_t n, float scale, float zp, float qmin, float qmax, uint8_t* out);
  // same with per-element scale / zero point arrays (row layout, per-channel on an inner axis)
  void (*quantv_i8)(const float* x, size_t n, const float* scale, const float* zp, float qmin, float qmax,
                    int8_t* out);
  void (*quantv_u8)(const float* x, size_t n, const float* scale, const float* zp, float qmin, float qmax,
                    uint8_t* out);
  // double-precision accumulation of sum(r^2), sum(t^2), sum(r*t), sum((r-t)^2), max|r-t| over
  // pairs where both are finite; other pairs are counted in nonfinite.
  void (*fidelity)(const float* r, const float* t, size_t n, FidAcc* acc);
};

extern const Kernels kKernelsScalar;
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
extern const Kernels kKernelsAvx2;
extern const Kernels kKernelsAvx512;
#endif

}  // namespace octet
