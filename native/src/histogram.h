// Streaming histogram observer (activation calibration).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <vector>

namespace octet {

struct HistSnapshot {
  uint32_t bins = 0;
  bool has_range = false;
  double lo = 0, hi = 0;  // histogram range; bin k covers [lo + k*w, lo + (k+1)*w), w = (hi-lo)/bins
  float min = 0, max = 0; // observed finite extremes (+inf/-inf before any)
  uint64_t count = 0, nonfinite = 0;
  std::vector<double> counts;
  double width() const { return (hi - lo) / bins; }
};

// Smallest histogram width: keeps 1/width representable in float for 65536 bins.
constexpr double kHistMinWidth = 1e-30;

// Adds `mass` spread uniformly over [p, q] onto dst (bins of width dw from dlo), proportionally
// to overlap; a zero-length interval goes to the bin containing p. Clamps to [0, bins).
void spread_mass(double* dst, uint32_t bins, double dlo, double dw, double p, double q, double mass);

// Scalar fields only; readable without waiting for a running update.
struct HistSummary {
  uint32_t bins = 0;
  bool has_range = false;
  double lo = 0, hi = 0;
  float min = std::numeric_limits<float>::infinity(), max = -std::numeric_limits<float>::infinity();
  uint64_t count = 0, nonfinite = 0;
};

class HistogramCore {
 public:
  explicit HistogramCore(uint32_t bins);
  // All public methods are thread-safe (one internal mutex).
  void update(const float* x, size_t n);
  void merge(const HistSnapshot& other);
  HistSnapshot snapshot() const;  // waits for a running update
  HistSummary summary() const;    // last completed update; never waits for one

 private:
  struct Pass {
    size_t tasks = 1, slots = 0;
    float min = std::numeric_limits<float>::infinity(), max = -std::numeric_limits<float>::infinity();
    uint64_t nonfinite = 0;
  };
  // mu_ held for all three
  void rebin(double nlo, double nhi);
  Pass count_pass(const float* x, size_t n);  // bins into scratch_ with the current range
  void commit(const Pass& p);                 // adds scratch_ into the counts

  void publish();  // mu_ held

  mutable std::mutex mu_;
  mutable std::mutex pub_mu_;
  HistSummary pub_;
  HistSnapshot s_;
  std::vector<uint32_t> scratch_;
};

}  // namespace octet
