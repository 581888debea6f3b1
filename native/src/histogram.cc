#include "histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu.h"
#include "ops.h"
#include "pool.h"

namespace octet {
namespace {

constexpr size_t kMinPerTask = size_t(1) << 16;

// Ranges always contain 0 and have a nonzero width (all-zero data gets [0, kHistMinWidth]).
void normalize_range(double* lo, double* hi) {
  *lo = std::min(*lo, 0.0);
  *hi = std::max(*hi, 0.0);
  if (*hi - *lo < kHistMinWidth) {
    if (*hi > 0 || *lo == 0)
      *hi = *lo + kHistMinWidth;
    else
      *lo = *hi - kHistMinWidth;
  }
}

}  // namespace

void spread_mass(double* dst, uint32_t bins, double dlo, double dw, double p, double q, double mass) {
  if (!(mass != 0)) return;
  const double top = static_cast<double>(bins);
  const double a = std::min(std::max((p - dlo) / dw, 0.0), top);
  const double b = std::min(std::max((q - dlo) / dw, 0.0), top);
  if (!(b - a > 1e-12 * std::max(1.0, std::fabs(a)))) {
    const double j = std::min(std::max(std::floor(a), 0.0), top - 1);
    dst[static_cast<size_t>(j)] += mass;
    return;
  }
  const double len = b - a;
  double j = std::floor(a);
  for (; j < b; j += 1.0) {
    const double ov = std::min(b, j + 1.0) - std::max(a, j);
    if (ov <= 0) continue;
    const double k = std::min(std::max(j, 0.0), top - 1);
    dst[static_cast<size_t>(k)] += mass * (ov / len);
  }
}

HistogramCore::HistogramCore(uint32_t bins) {
  s_.bins = bins;
  s_.min = std::numeric_limits<float>::infinity();
  s_.max = -std::numeric_limits<float>::infinity();
  s_.counts.assign(bins, 0.0);
  publish();
}

HistSummary HistogramCore::summary() const {
  std::lock_guard<std::mutex> lk(pub_mu_);
  return pub_;
}

void HistogramCore::publish() {
  HistSummary p;
  p.bins = s_.bins;
  p.has_range = s_.has_range;
  p.lo = s_.lo;
  p.hi = s_.hi;
  p.min = s_.min;
  p.max = s_.max;
  p.count = s_.count;
  p.nonfinite = s_.nonfinite;
  std::lock_guard<std::mutex> lk(pub_mu_);
  pub_ = p;
}

HistSnapshot HistogramCore::snapshot() const {
  std::lock_guard<std::mutex> lk(mu_);
  return s_;
}

void HistogramCore::rebin(double nlo, double nhi) {
  const uint32_t B = s_.bins;
  std::vector<double> nc(B, 0.0);
  const double w = (s_.hi - s_.lo) / B, nw = (nhi - nlo) / B;
  for (uint32_t i = 0; i < B; ++i) {
    const double m = s_.counts[i];
    if (m == 0) continue;
    spread_mass(nc.data(), B, nlo, nw, s_.lo + i * w, s_.lo + (i + 1) * w, m);
  }
  s_.counts.swap(nc);
  s_.lo = nlo;
  s_.hi = nhi;
}

HistogramCore::Pass HistogramCore::count_pass(const float* x, size_t n) {
  const Kernels& K = kernels();
  const uint32_t B = s_.bins;
  const double inv_d = B / (s_.hi - s_.lo);
  const float inv = static_cast<float>(inv_d);
  const float off = static_cast<float>(-s_.lo * static_cast<double>(inv));
  const size_t slots = B + 1;  // + trash slot for non-finite values
  Pass p;
  p.tasks = task_count(n, kMinPerTask);
  p.slots = slots;
  scratch_.assign(p.tasks * 2 * slots, 0);
  if (p.tasks == 1) {
    K.hist(x, n, inv, off, B, scratch_.data(), scratch_.data() + slots, &p.min, &p.max);
  } else {
    std::vector<float> mn(p.tasks, std::numeric_limits<float>::infinity());
    std::vector<float> mx(p.tasks, -std::numeric_limits<float>::infinity());
    parallel_for(p.tasks, [&](size_t t) {
      size_t b, e;
      split_range(n, p.tasks, t, 64, &b, &e);
      uint32_t* c0 = scratch_.data() + t * 2 * slots;
      if (b < e) K.hist(x + b, e - b, inv, off, B, c0, c0 + slots, &mn[t], &mx[t]);
    });
    for (size_t t = 0; t < p.tasks; ++t) {
      p.min = std::min(p.min, mn[t]);
      p.max = std::max(p.max, mx[t]);
    }
  }
  for (size_t t = 0; t < p.tasks; ++t) {
    const uint32_t* c0 = scratch_.data() + t * 2 * slots;
    p.nonfinite += static_cast<uint64_t>(c0[B]) + c0[slots + B];
  }
  return p;
}

void HistogramCore::commit(const Pass& p) {
  const uint32_t B = s_.bins;
  for (size_t t = 0; t < p.tasks; ++t) {
    const uint32_t* c0 = scratch_.data() + t * 2 * p.slots;
    const uint32_t* c1 = c0 + p.slots;
    for (uint32_t b = 0; b < B; ++b) s_.counts[b] += static_cast<double>(c0[b]) + c1[b];
  }
}

void HistogramCore::update(const float* x, size_t n) {
  std::lock_guard<std::mutex> lk(mu_);
  struct Publish {
    HistogramCore* h;
    ~Publish() { h->publish(); }
  } publish_on_exit{this};
  if (n == 0) return;
  float bmin, bmax;
  uint64_t nonfinite;
  bool counted = false;
  Pass p;
  if (s_.has_range) {
    // Steady state: one pass bins with the current range and measures min/max; it is
    // redone only if the batch widens the range.
    p = count_pass(x, n);
    nonfinite = p.nonfinite;
    bmin = p.min;
    bmax = p.max;
    if (nonfinite && (std::isinf(bmin) || std::isinf(bmax))) {
      const MinMax mm = minmax(x, n);  // the pass's extremes include +-Inf: recompute
      bmin = mm.min;
      bmax = mm.max;
    }
    counted = true;
  } else {
    const MinMax mm = minmax(x, n);
    bmin = mm.min;
    bmax = mm.max;
    nonfinite = mm.nonfinite;
  }
  s_.nonfinite += nonfinite;
  const uint64_t finite = n - nonfinite;
  if (finite == 0) return;
  s_.min = std::min(s_.min, bmin);
  s_.max = std::max(s_.max, bmax);
  if (!s_.has_range) {
    double lo = bmin, hi = bmax;
    normalize_range(&lo, &hi);
    s_.lo = lo;
    s_.hi = hi;
    s_.has_range = true;
    counted = false;
  } else if (bmin < s_.lo || bmax > s_.hi) {
    double lo = std::min<double>(s_.lo, bmin), hi = std::max<double>(s_.hi, bmax);
    normalize_range(&lo, &hi);
    rebin(lo, hi);
    counted = false;
  }
  if (!counted) p = count_pass(x, n);
  commit(p);
  s_.count += finite;
}

void HistogramCore::merge(const HistSnapshot& o) {
  std::lock_guard<std::mutex> lk(mu_);
  struct Publish {
    HistogramCore* h;
    ~Publish() { h->publish(); }
  } publish_on_exit{this};
  s_.nonfinite += o.nonfinite;
  if (o.count == 0 || !o.has_range) return;
  s_.min = std::min(s_.min, o.min);
  s_.max = std::max(s_.max, o.max);
  if (!s_.has_range) {
    s_.lo = o.lo;
    s_.hi = o.hi;
    s_.has_range = true;
  } else if (o.lo < s_.lo || o.hi > s_.hi) {
    double lo = std::min(s_.lo, o.lo), hi = std::max(s_.hi, o.hi);
    normalize_range(&lo, &hi);
    rebin(lo, hi);
  }
  const double w = (s_.hi - s_.lo) / s_.bins, ow = (o.hi - o.lo) / o.bins;
  for (uint32_t i = 0; i < o.bins; ++i)
    spread_mass(s_.counts.data(), s_.bins, s_.lo, w, o.lo + i * ow, o.lo + (i + 1) * ow, o.counts[i]);
  s_.count += o.count;
}

}  // namespace octet
