// Multi-threaded drivers over the chunk kernels: min/max, per-channel layouts,
// weight/activation quantization, bias quantization, fidelity metrics.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace octet {

struct MinMax {
  float min, max;  // over finite values; +inf/-inf when there is none
  uint64_t nonfinite;
};
MinMax minmax(const float* x, size_t n);

// A tensor viewed as [outer, channels, inner] around the quantization axis.
struct Layout {
  size_t outer = 1, channels = 1, inner = 1;
  size_t size() const { return outer * channels * inner; }
};

// cmin/cmax have `channels` entries; returns the non-finite count.
uint64_t minmax_per_channel(const float* x, const Layout& l, float* cmin, float* cmax);

enum class QType { Int8, Uint8 };

struct QRule {
  QType dtype = QType::Int8;
  bool symmetric = true;
  bool reduce_range = false;
};

// Clamp range of quantized values for a rule (see README: symmetric int8 [-127,127],
// symmetric uint8 [1,255] around zp 128, asymmetric int8 [-128,127] / uint8 [0,255];
// reduce_range halves each).
void rule_qrange(const QRule& r, int* qmin, int* qmax);
// Scale / zero point for a real range [rmin, rmax] under a rule. Never returns scale 0.
void compute_qparams(double rmin, double rmax, const QRule& r, float* scale, int32_t* zp);

// q = saturate(round_half_even(x / scale[c]) + zp[c]) into [qmin, qmax]; NaN -> zp[c].
void quantize(const float* x, const Layout& l, const float* scale, const int32_t* zp, int qmin, int qmax,
              QType dtype, void* out);

// q[i] = saturate_int32(round_half_even(bias[i] / scale[i mod ns])) with
// scale[c] = float(input_scale * weight_scales[c]) (0 -> 1). `scale_out` gets ns entries.
// Returns the number of non-finite bias values (nothing is written then).
uint64_t quantize_bias(const float* bias, size_t n, double input_scale, const float* weight_scales, size_t ns,
                       int32_t* out, float* scale_out);

FidAcc fidelity(const float* r, const float* t, size_t n);

}  // namespace octet
