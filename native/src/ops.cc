#include "ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu.h"
#include "pool.h"

namespace octet {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr size_t kMinPerTask = size_t(1) << 16;
constexpr size_t kAlign = 64;           // task boundaries, in elements
constexpr size_t kBlockMinInner = 32;   // inner run long enough for the broadcast kernels
constexpr size_t kRowMinPeriod = 64;    // short rows are grouped into super-rows of >= this
constexpr size_t kRowAccMax = size_t(1) << 16;

// Calls seg(idx, len, pos) for the maximal runs of [b, e) that do not cross a multiple of
// `period`; pos = idx % period.
template <class Seg>
inline void walk(size_t b, size_t e, size_t period, Seg&& seg) {
  size_t idx = b;
  while (idx < e) {
    const size_t pos = idx % period;
    const size_t len = std::min(e - idx, period - pos);
    seg(idx, len, pos);
    idx += len;
  }
}

size_t row_period(const Layout& l) {
  const size_t row = l.channels * l.inner;
  const size_t k = row < kRowMinPeriod ? (kRowMinPeriod + row - 1) / row : 1;
  return row * k;
}

}  // namespace

MinMax minmax(const float* x, size_t n) {
  const Kernels& K = kernels();
  MinMax r{kInf, -kInf, 0};
  if (n == 0) return r;
  const size_t tasks = task_count(n, kMinPerTask);
  if (tasks == 1) {
    K.minmax(x, n, &r.min, &r.max, &r.nonfinite);
    return r;
  }
  std::vector<MinMax> part(tasks, MinMax{kInf, -kInf, 0});
  parallel_for(tasks, [&](size_t t) {
    size_t b, e;
    split_range(n, tasks, t, kAlign, &b, &e);
    if (b < e) K.minmax(x + b, e - b, &part[t].min, &part[t].max, &part[t].nonfinite);
  });
  for (const MinMax& p : part) {
    r.min = std::min(r.min, p.min);
    r.max = std::max(r.max, p.max);
    r.nonfinite += p.nonfinite;
  }
  return r;
}

uint64_t minmax_per_channel(const float* x, const Layout& l, float* cmin, float* cmax) {
  const Kernels& K = kernels();
  const size_t C = l.channels, inner = l.inner, N = l.size();
  std::fill(cmin, cmin + C, kInf);
  std::fill(cmax, cmax + C, -kInf);
  if (N == 0) return 0;
  uint64_t nonfinite = 0;

  if (inner >= kBlockMinInner || C == 1) {
    // Block layout: contiguous runs of `inner` values share a channel.
    const size_t tasks = task_count(N, kMinPerTask);
    std::vector<float> tmin(tasks * C, kInf), tmax(tasks * C, -kInf);
    std::vector<uint64_t> nf(tasks, 0);
    parallel_for(tasks, [&](size_t t) {
      size_t b, e;
      split_range(N, tasks, t, kAlign, &b, &e);
      float* mn = tmin.data() + t * C;
      float* mx = tmax.data() + t * C;
      walk(b, e, inner, [&](size_t idx, size_t len, size_t) {
        const size_t c = (idx / inner) % C;
        K.minmax(x + idx, len, mn + c, mx + c, &nf[t]);
      });
    });
    for (size_t t = 0; t < tasks; ++t) {
      for (size_t c = 0; c < C; ++c) {
        cmin[c] = std::min(cmin[c], tmin[t * C + c]);
        cmax[c] = std::max(cmax[c], tmax[t * C + c]);
      }
      nonfinite += nf[t];
    }
    return nonfinite;
  }

  // Row layout (short inner run, e.g. MatMul [K,N] per column): element-wise min/max
  // over super-rows of P values, then fold positions onto channels.
  const size_t row = C * inner, P = row_period(l);
  std::vector<float> amin(P, kInf), amax(P, -kInf);
  if (P <= kRowAccMax) {
    const size_t tasks = task_count(N, kMinPerTask);
    std::vector<float> tmin(tasks * P, kInf), tmax(tasks * P, -kInf);
    std::vector<uint64_t> nf(tasks, 0);
    parallel_for(tasks, [&](size_t t) {
      size_t b, e;
      split_range(N, tasks, t, kAlign, &b, &e);
      float* mn = tmin.data() + t * P;
      float* mx = tmax.data() + t * P;
      walk(b, e, P, [&](size_t idx, size_t len, size_t pos) {
        K.minmax_rows(x + idx, len, mn + pos, mx + pos, &nf[t]);
      });
    });
    for (size_t t = 0; t < tasks; ++t) {
      for (size_t p = 0; p < P; ++p) {
        amin[p] = std::min(amin[p], tmin[t * P + p]);
        amax[p] = std::max(amax[p], tmax[t * P + p]);
      }
      nonfinite += nf[t];
    }
  } else {
    // Long rows: tasks own disjoint column ranges and share the accumulators.
    const size_t rows = (N + P - 1) / P;
    size_t tasks = task_count(N, kMinPerTask);
    tasks = std::max<size_t>(1, std::min(tasks, P / kAlign));
    std::vector<uint64_t> nf(tasks, 0);
    parallel_for(tasks, [&](size_t t) {
      size_t cb, ce;
      split_range(P, tasks, t, kAlign, &cb, &ce);
      for (size_t r = 0; r < rows && cb < ce; ++r) {
        const size_t s = r * P + cb, e = std::min(r * P + ce, N);
        if (s < e) K.minmax_rows(x + s, e - s, amin.data() + cb, amax.data() + cb, &nf[t]);
      }
    });
    for (uint64_t v : nf) nonfinite += v;
  }
  for (size_t p = 0; p < P; ++p) {
    const size_t c = (p % row) / inner;
    cmin[c] = std::min(cmin[c], amin[p]);
    cmax[c] = std::max(cmax[c], amax[p]);
  }
  return nonfinite;
}

void rule_qrange(const QRule& r, int* qmin, int* qmax) {
  if (r.symmetric) {
    const int m = r.reduce_range ? 63 : 127;
    const int zp = r.dtype == QType::Int8 ? 0 : (r.reduce_range ? 64 : 128);
    *qmin = zp - m;
    *qmax = zp + m;
  } else if (r.dtype == QType::Int8) {
    *qmin = r.reduce_range ? -64 : -128;
    *qmax = r.reduce_range ? 63 : 127;
  } else {
    *qmin = 0;
    *qmax = r.reduce_range ? 127 : 255;
  }
}

void compute_qparams(double rmin, double rmax, const QRule& r, float* scale, int32_t* zp) {
  int qmin, qmax;
  rule_qrange(r, &qmin, &qmax);
  if (r.symmetric) {
    const double absmax = std::max(std::fabs(rmin), std::fabs(rmax));
    float s = static_cast<float>(absmax / ((qmax - qmin) / 2));
    if (!(s > 0.0f) || !std::isfinite(s)) s = 1.0f;
    *scale = s;
    *zp = (qmin + qmax) / 2;
    return;
  }
  const double lo = std::min(rmin, 0.0), hi = std::max(rmax, 0.0);
  float s = static_cast<float>((hi - lo) / (qmax - qmin));
  if (!(s > 0.0f) || !std::isfinite(s)) s = 1.0f;
  double z = std::nearbyint(static_cast<double>(qmin) - lo / static_cast<double>(s));
  z = std::min<double>(std::max<double>(z, qmin), qmax);
  *scale = s;
  *zp = static_cast<int32_t>(z);
}

void quantize(const float* x, const Layout& l, const float* scale, const int32_t* zp, int qmin, int qmax,
              QType dtype, void* out) {
  const Kernels& K = kernels();
  const size_t C = l.channels, inner = l.inner, N = l.size();
  if (N == 0) return;
  const float fqmin = static_cast<float>(qmin), fqmax = static_cast<float>(qmax);
  const bool u8 = dtype == QType::Uint8;
  int8_t* o8 = static_cast<int8_t*>(out);
  uint8_t* ou8 = static_cast<uint8_t*>(out);
  const size_t tasks = task_count(N, kMinPerTask);

  if (inner >= kBlockMinInner || C == 1) {
    std::vector<float> zpf(C);
    for (size_t c = 0; c < C; ++c) zpf[c] = static_cast<float>(zp[c]);
    parallel_for(tasks, [&](size_t t) {
      size_t b, e;
      split_range(N, tasks, t, kAlign, &b, &e);
      walk(b, e, inner, [&](size_t idx, size_t len, size_t) {
        const size_t c = (idx / inner) % C;
        if (u8)
          K.quant_u8(x + idx, len, scale[c], zpf[c], fqmin, fqmax, ou8 + idx);
        else
          K.quant_i8(x + idx, len, scale[c], zpf[c], fqmin, fqmax, o8 + idx);
      });
    });
    return;
  }
  const size_t row = C * inner, P = row_period(l);
  std::vector<float> se(P), ze(P);
  for (size_t p = 0; p < P; ++p) {
    const size_t c = (p % row) / inner;
    se[p] = scale[c];
    ze[p] = static_cast<float>(zp[c]);
  }
  parallel_for(tasks, [&](size_t t) {
    size_t b, e;
    split_range(N, tasks, t, kAlign, &b, &e);
    walk(b, e, P, [&](size_t idx, size_t len, size_t pos) {
      if (u8)
        K.quantv_u8(x + idx, len, se.data() + pos, ze.data() + pos, fqmin, fqmax, ou8 + idx);
      else
        K.quantv_i8(x + idx, len, se.data() + pos, ze.data() + pos, fqmin, fqmax, o8 + idx);
    });
  });
}

uint64_t quantize_bias(const float* bias, size_t n, double input_scale, const float* weight_scales, size_t ns,
                       int32_t* out, float* scale_out) {
  uint64_t nonfinite = 0;
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(bias[i])) ++nonfinite;
  for (size_t c = 0; c < ns; ++c) {
    float s = static_cast<float>(input_scale * static_cast<double>(weight_scales[c]));
    if (!(s > 0.0f) || !std::isfinite(s)) s = 1.0f;
    scale_out[c] = s;
  }
  if (nonfinite) return nonfinite;
  const double lo = -2147483648.0, hi = 2147483647.0;
  for (size_t i = 0; i < n; ++i) {
    const double s = scale_out[ns == 1 ? 0 : i];
    double q = std::nearbyint(static_cast<double>(bias[i]) / s);
    q = std::min(std::max(q, lo), hi);
    out[i] = static_cast<int32_t>(q);
  }
  return 0;
}

FidAcc fidelity(const float* r, const float* t, size_t n) {
  const Kernels& K = kernels();
  FidAcc acc;
  if (n == 0) return acc;
  const size_t tasks = task_count(n, kMinPerTask);
  if (tasks == 1) {
    K.fidelity(r, t, n, &acc);
    return acc;
  }
  std::vector<FidAcc> part(tasks);
  parallel_for(tasks, [&](size_t k) {
    size_t b, e;
    split_range(n, tasks, k, kAlign, &b, &e);
    if (b < e) K.fidelity(r + b, t + b, e - b, &part[k]);
  });
  for (const FidAcc& p : part) {
    acc.rr += p.rr;
    acc.tt += p.tt;
    acc.rt += p.rt;
    acc.dd += p.dd;
    acc.maxabs = std::max(acc.maxabs, p.maxabs);
    acc.nonfinite += p.nonfinite;
  }
  return acc;
}

}  // namespace octet
