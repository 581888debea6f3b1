#include "calib.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace octet {
namespace {

constexpr double kEps = 1e-4;  // smoothing mass (in counts) for Q entries that are 0 where P > 0

inline double xlogx(double v) { return v > 0 ? v * std::log(v) : 0.0; }

struct Observed {
  double mn, mx, absmax;
};
Observed observed(const HistSnapshot& h) {
  const double mn = std::min<double>(h.min, 0.0), mx = std::max<double>(h.max, 0.0);
  return {mn, mx, std::max(-mn, mx)};
}

// Value below which a fraction q of the mass lies (linear inside a bin).
double quantile(const double* c, size_t bins, double lo, double w, double total, double q) {
  const double target = q * total;
  double cum = 0;
  size_t last = 0;
  for (size_t k = 0; k < bins; ++k) {
    const double m = c[k];
    if (m <= 0) continue;
    last = k;
    if (cum + m >= target) {
      const double f = std::min(std::max((target - cum) / m, 0.0), 1.0);
      return lo + (static_cast<double>(k) + f) * w;
    }
    cum += m;
  }
  return lo + static_cast<double>(last + 1) * w;
}

double total_mass(const std::vector<double>& c) {
  double s = 0;
  for (double v : c) s += v;
  return s;
}

}  // namespace

std::vector<double> fold_abs(const HistSnapshot& h, double* A_out) {
  const uint32_t B = h.bins;
  const double A = std::max(-h.lo, h.hi);
  *A_out = A;
  std::vector<double> a(B, 0.0);
  const double w = h.width(), wa = A / B;
  for (uint32_t k = 0; k < B; ++k) {
    const double m = h.counts[k];
    if (m == 0) continue;
    const double u = h.lo + k * w, v = h.lo + (k + 1) * w;
    if (v <= 0) {
      spread_mass(a.data(), B, 0.0, wa, -v, -u, m);
    } else if (u >= 0) {
      spread_mass(a.data(), B, 0.0, wa, u, v, m);
    } else {
      spread_mass(a.data(), B, 0.0, wa, 0.0, -u, m * (-u / (v - u)));
      spread_mass(a.data(), B, 0.0, wa, 0.0, v, m * (v / (v - u)));
    }
  }
  return a;
}

size_t kl_search(const double* h, size_t B, size_t qb, std::vector<double>* kl_out) {
  if (kl_out) kl_out->assign(B + 1, std::numeric_limits<double>::quiet_NaN());
  if (qb == 0 || B < qb) return B;
  // Prefix sums: mass, sum h*log(h), count of nonzero bins.
  std::vector<double> cs(B + 1, 0.0), chl(B + 1, 0.0);
  std::vector<size_t> nz(B + 1, 0);
  for (size_t k = 0; k < B; ++k) {
    cs[k + 1] = cs[k] + h[k];
    chl[k + 1] = chl[k] + xlogx(h[k]);
    nz[k + 1] = nz[k] + (h[k] > 0 ? 1 : 0);
  }
  const double SP = cs[B];
  if (!(SP > 0)) return B;
  const double logSP = std::log(SP);
  double best = std::numeric_limits<double>::infinity();
  size_t best_i = B;
  // Candidates i share the first qb-1 quantized bins while m = floor(i/qb) is constant, so
  // their contribution is computed once per m; the last quantized bin [(qb-1)m, i) and the
  // outlier mass are O(1) per candidate via the prefix sums.
  for (size_t m = 1; m * qb <= B; ++m) {
    double base_plogq = 0, base_sq = 0;
    for (size_t j = 0; j + 1 < qb; ++j) {
      const size_t s = j * m, e = s + m;
      const double S = cs[e] - cs[s];
      const size_t n = nz[e] - nz[s];
      if (n == 0 || !(S > 0)) continue;
      base_plogq += S * std::log(S / static_cast<double>(n));
      base_sq += S;
    }
    const size_t i_end = std::min(B, (m + 1) * qb - 1);
    const size_t start = (qb - 1) * m;
    for (size_t i = m * qb; i <= i_end; ++i) {
      const double outl = SP - cs[i];
      const double pl = h[i - 1] + outl;  // last P entry carries the clipped mass
      const double sum_plogp = chl[i - 1] + xlogx(pl);
      const double S = cs[i] - cs[start];  // Q mass of the last quantized bin (no outliers)
      const size_t n = nz[i - 1] - nz[start] + (pl > 0 ? 1 : 0);
      const double PS = S + outl;
      double plogq = base_plogq, sq = base_sq;
      if (n > 0 && PS > 0) {
        const double q = S > 0 ? S / static_cast<double>(n) : kEps;
        plogq += PS * std::log(q);
        sq += q * static_cast<double>(n);
      }
      const double kl = (sum_plogp - plogq) / SP - logSP + std::log(sq);
      if (kl_out) (*kl_out)[i] = kl;
      if (kl < best) {
        best = kl;
        best_i = i;
      }
    }
  }
  return best_i;
}

Range minmax_range(const HistSnapshot& h, bool symmetric) {
  if (h.count == 0) return {};
  const Observed o = observed(h);
  if (symmetric) return {-o.absmax, o.absmax};
  return {o.mn, o.mx};
}

Range percentile_range(const HistSnapshot& h, double p, bool symmetric) {
  if (h.count == 0) return {};
  const Observed o = observed(h);
  const double q = p / 100.0;
  if (symmetric) {
    double A;
    const std::vector<double> a = fold_abs(h, &A);
    const double T = std::min(quantile(a.data(), h.bins, 0.0, A / h.bins, total_mass(a), q), o.absmax);
    return {-T, T};
  }
  const double total = total_mass(h.counts), w = h.width();
  double lo = quantile(h.counts.data(), h.bins, h.lo, w, total, 1.0 - q);
  double hi = quantile(h.counts.data(), h.bins, h.lo, w, total, q);
  lo = std::min(std::max(lo, o.mn), 0.0);
  hi = std::max(std::min(hi, o.mx), 0.0);
  return {lo, hi};
}

Range kl_range(const HistSnapshot& h, bool symmetric, int levels) {
  if (h.count == 0) return {};
  const Observed o = observed(h);
  if (symmetric || h.min < 0) {
    double A;
    const std::vector<double> a = fold_abs(h, &A);
    const size_t i = kl_search(a.data(), h.bins, static_cast<size_t>(levels / 2));
    const double T = std::min((static_cast<double>(i) + 0.5) * (A / h.bins), o.absmax);
    if (symmetric) return {-T, T};
    return {std::max(-T, o.mn), std::min(T, o.mx)};
  }
  // Non-negative data (histogram range is [0, hi]): one-sided search with `levels` bins.
  const size_t i = kl_search(h.counts.data(), h.bins, static_cast<size_t>(levels));
  const double T = std::min((static_cast<double>(i) + 0.5) * h.width(), o.mx);
  return {0.0, T};
}

namespace {

// Expected squared error of quantizing the histogram onto [a, b] with `levels` levels:
// values outside are clipped ((x-b)^2 / (a-x)^2, density uniform inside each bin), values
// inside carry rounding noise step^2/12. O(1) per call using prefix moment sums.
struct MseModel {
  const HistSnapshot& h;
  double w;
  size_t B;
  std::vector<double> s0, s1, s2;  // prefix sums of mass, mass*E[x], mass*E[x^2]
  explicit MseModel(const HistSnapshot& hh) : h(hh), w(hh.width()), B(hh.bins), s0(B + 1), s1(B + 1), s2(B + 1) {
    for (size_t k = 0; k < B; ++k) {
      const double m = h.counts[k], u = h.lo + k * w, v = u + w;
      s0[k + 1] = s0[k] + m;
      s1[k + 1] = s1[k] + m * (u + v) / 2;
      s2[k + 1] = s2[k] + m * (u * u + u * v + v * v) / 3;
    }
  }
  size_t bin_of(double x) const {
    const double j = std::floor((x - h.lo) / w);
    return static_cast<size_t>(std::min(std::max(j, 0.0), static_cast<double>(B - 1)));
  }
  double error(double a, double b, int levels) const {
    const double total = s0[B];
    double err = 0, above = 0, below = 0;
    if (b < h.hi) {
      const size_t kb = bin_of(b);
      const double u = h.lo + kb * w, v = u + w, m = h.counts[kb];
      if (b > u) {
        const double d = std::max(v - b, 0.0);
        err += m * d * d * d / (3 * w);
        above += m * d / w;
      } else {
        err += m * ((u * u + u * v + v * v) / 3 - b * (u + v) + b * b);
        above += m;
      }
      const size_t f = kb + 1;
      err += (s2[B] - s2[f]) - 2 * b * (s1[B] - s1[f]) + b * b * (s0[B] - s0[f]);
      above += s0[B] - s0[f];
    }
    if (a > h.lo) {
      const size_t ka = bin_of(a);
      const double u = h.lo + ka * w, m = h.counts[ka];
      const double d = std::max(std::min(a, u + w) - u, 0.0);
      err += m * d * d * d / (3 * w);
      below += m * d / w;
      err += s2[ka] - 2 * a * s1[ka] + a * a * s0[ka];
      below += s0[ka];
    }
    const double step = (b - a) / (levels - 1);
    const double inside = std::max(total - above - below, 0.0);
    return err + inside * step * step / 12.0;
  }
};

}  // namespace

Range mse_range(const HistSnapshot& h, bool symmetric, int levels) {
  if (h.count == 0) return {};
  const Observed o = observed(h);
  double L0, H0;
  if (symmetric) {
    L0 = -o.absmax;
    H0 = o.absmax;
  } else {
    L0 = o.mn;
    H0 = o.mx;
  }
  if (!(H0 - L0 > 0)) return {L0, H0};
  const MseModel model(h);
  constexpr int kCoarse = 256, kFine = 64;
  double best_err = std::numeric_limits<double>::infinity(), best_alpha = 1.0;
  int best_k = kCoarse;
  for (int k = 1; k <= kCoarse; ++k) {
    const double alpha = static_cast<double>(k) / kCoarse;
    const double e = model.error(alpha * L0, alpha * H0, levels);
    if (e < best_err) {
      best_err = e;
      best_alpha = alpha;
      best_k = k;
    }
  }
  const double a0 = static_cast<double>(best_k - 1) / kCoarse;
  const double a1 = static_cast<double>(std::min(best_k + 1, kCoarse)) / kCoarse;
  for (int j = 1; j < kFine; ++j) {
    const double alpha = a0 + (a1 - a0) * j / kFine;
    if (!(alpha > 0)) continue;
    const double e = model.error(alpha * L0, alpha * H0, levels);
    if (e < best_err) {
      best_err = e;
      best_alpha = alpha;
    }
  }
  return {best_alpha * L0, best_alpha * H0};
}

}  // namespace octet
