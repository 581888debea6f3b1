// Range selection over a histogram (calibration methods). Every result has lo <= 0 <= hi.
#pragma once

#include <cstddef>
#include <vector>

#include "histogram.h"

namespace octet {

struct Range {
  double lo = 0, hi = 0;
};

Range minmax_range(const HistSnapshot& h, bool symmetric);
Range percentile_range(const HistSnapshot& h, double percentile, bool symmetric);
Range kl_range(const HistSnapshot& h, bool symmetric, int levels);
Range mse_range(const HistSnapshot& h, bool symmetric, int levels);

// Building blocks (exposed for tests through the addon's `_internal` export).
// |x| histogram over [0, A], A = max(-lo, hi), with h.bins bins.
std::vector<double> fold_abs(const HistSnapshot& h, double* A);
// TensorRT-style entropy search over a non-negative histogram: returns the number of
// leading bins i in [qbins, bins] minimizing KL(P||Q) (bins when no search is possible).
size_t kl_search(const double* h, size_t bins, size_t qbins, std::vector<double>* kl_out = nullptr);

}  // namespace octet
