// N-API bindings (node-addon-api, C++ exceptions enabled). The typed facade is
// native/index.ts; nothing else should call this module directly.
//
// Argument errors throw JS TypeError / RangeError. Data errors that the facade maps to
// OctetError carry `code` (e.g. 'DATA_NOT_FINITE') and `nonFinite` properties.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "calib.h"
#include "cpu.h"
#include "histogram.h"
#include "ops.h"
#include "pool.h"

namespace {

using namespace octet;

constexpr uint32_t kDefaultBins = 2048;
constexpr uint32_t kMaxBins = 1u << 16;
constexpr double kMaxSafe = 9007199254740991.0;

std::atomic<int> g_envs{0};

struct AddonData {
  Napi::FunctionReference histogram_ctor;
};

[[noreturn]] void type_error(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void range_error(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

struct F32 {
  const float* data;
  size_t n;
};

F32 get_f32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    type_error(env, std::string(what) + " must be a Float32Array");
  Napi::Float32Array a = info[i].As<Napi::Float32Array>();
  // Data() already includes the view's byteOffset.
  return {a.ElementLength() ? a.Data() : nullptr, a.ElementLength()};
}

double get_number(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) type_error(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsBoolean()) type_error(info.Env(), std::string(what) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

bool is_integer(double v) { return std::isfinite(v) && std::floor(v) == v; }

int get_levels(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 256;
  const double v = get_number(info, i, "levels");
  if (!is_integer(v) || v < 4 || v > 65536) range_error(info.Env(), "levels must be an integer in [4, 65536]");
  return static_cast<int>(v);
}

QType get_qtype(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() > i && info[i].IsString()) {
    const std::string s = info[i].As<Napi::String>().Utf8Value();
    if (s == "int8") return QType::Int8;
    if (s == "uint8") return QType::Uint8;
  }
  type_error(info.Env(), "dtype must be 'int8' or 'uint8'");
}

Napi::Error data_error(Napi::Env env, const char* code, const std::string& msg, uint64_t nonfinite) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  e.Set("nonFinite", Napi::Number::New(env, static_cast<double>(nonfinite)));
  return e;
}

// dims + axis -> [outer, channels, inner]; axis < 0 counts from the end; no axis -> per tensor.
Layout get_layout(const Napi::CallbackInfo& info, size_t dims_i, size_t axis_i, size_t n, bool axis_required) {
  Napi::Env env = info.Env();
  if (info.Length() <= dims_i || !info[dims_i].IsArray()) type_error(env, "dims must be an array of integers");
  Napi::Array arr = info[dims_i].As<Napi::Array>();
  std::vector<size_t> dims(arr.Length());
  double prod = 1;
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) type_error(env, "dims must be an array of integers");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!is_integer(d) || d < 0 || d > kMaxSafe) range_error(env, "dims entries must be non-negative integers");
    dims[k] = static_cast<size_t>(d);
    prod *= d;
  }
  if (prod != static_cast<double>(n))
    range_error(env, "dims multiply to " + std::to_string(static_cast<uint64_t>(prod)) + " but the data holds " +
                         std::to_string(n) + " values");
  Layout l;
  const bool has_axis = info.Length() > axis_i && !info[axis_i].IsUndefined() && !info[axis_i].IsNull();
  if (!has_axis) {
    if (axis_required) type_error(env, "axis must be an integer");
    l.inner = n;
    return l;
  }
  if (!info[axis_i].IsNumber()) type_error(env, "axis must be an integer");
  double a = info[axis_i].As<Napi::Number>().DoubleValue();
  const double rank = static_cast<double>(dims.size());
  if (!is_integer(a) || a < -rank || a >= rank)
    range_error(env, "axis must be an integer in [-rank, rank) for a tensor of rank " + std::to_string(dims.size()));
  if (a < 0) a += rank;
  const size_t ax = static_cast<size_t>(a);
  l.outer = 1;
  l.inner = 1;
  for (size_t k = 0; k < ax; ++k) l.outer *= dims[k];
  l.channels = dims[ax];
  for (size_t k = ax + 1; k < dims.size(); ++k) l.inner *= dims[k];
  return l;
}

Napi::Float32Array make_f32(Napi::Env env, const float* src, size_t n) {
  Napi::Float32Array a = Napi::Float32Array::New(env, n);
  if (n) std::memcpy(a.Data(), src, n * sizeof(float));
  return a;
}

// ------------------------------------------------------------ Histogram ----

class HistogramWrap : public Napi::ObjectWrap<HistogramWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Histogram",
                       {
                           InstanceMethod<&HistogramWrap::Update>("update"),
                           InstanceMethod<&HistogramWrap::UpdateAsync>("updateAsync"),
                           InstanceMethod<&HistogramWrap::Counts>("counts"),
                           InstanceMethod<&HistogramWrap::Merge>("merge"),
                           InstanceMethod<&HistogramWrap::State>("state"),
                           InstanceAccessor<&HistogramWrap::Bins>("bins"),
                           InstanceAccessor<&HistogramWrap::Count>("count"),
                           InstanceAccessor<&HistogramWrap::NonFinite>("nonFinite"),
                           InstanceAccessor<&HistogramWrap::Min>("min"),
                           InstanceAccessor<&HistogramWrap::Max>("max"),
                           InstanceAccessor<&HistogramWrap::Lo>("lo"),
                           InstanceAccessor<&HistogramWrap::Hi>("hi"),
                       });
  }

  explicit HistogramWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HistogramWrap>(info) {
    uint32_t bins = kDefaultBins;
    if (info.Length() > 0 && !info[0].IsUndefined()) {
      const double b = get_number(info, 0, "bins");
      if (!is_integer(b) || b < 2 || b > kMaxBins) range_error(info.Env(), "bins must be an integer in [2, 65536]");
      bins = static_cast<uint32_t>(b);
    }
    core_ = std::make_shared<HistogramCore>(bins);
    bins_ = bins;
  }

  static HistogramWrap* From(const Napi::CallbackInfo& info, size_t i) {
    Napi::Env env = info.Env();
    AddonData* d = env.GetInstanceData<AddonData>();
    if (info.Length() <= i || !info[i].IsObject() ||
        !info[i].As<Napi::Object>().InstanceOf(d->histogram_ctor.Value()))
      type_error(env, "expected a Histogram");
    return Unwrap(info[i].As<Napi::Object>());
  }

  std::shared_ptr<HistogramCore> core() const { return core_; }

 private:
  class UpdateWorker : public Napi::AsyncWorker {
   public:
    UpdateWorker(Napi::Env env, std::shared_ptr<HistogramCore> core, Napi::Object self, Napi::Float32Array arr)
        : Napi::AsyncWorker(env, "octet.Histogram.updateAsync"),
          deferred_(Napi::Promise::Deferred::New(env)),
          core_(std::move(core)),
          data_(arr.ElementLength() ? arr.Data() : nullptr),
          n_(arr.ElementLength()) {
      self_ = Napi::Persistent(self);
      arr_ = Napi::Persistent(static_cast<Napi::Object>(arr));
    }
    ~UpdateWorker() override {
      self_.Reset();
      arr_.Reset();
    }
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      try {
        core_->update(data_, n_);
      } catch (const std::exception& e) {
        SetError(e.what());
      }
    }
    void OnOK() override { deferred_.Resolve(Env().Undefined()); }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    Napi::Promise::Deferred deferred_;
    std::shared_ptr<HistogramCore> core_;
    Napi::ObjectReference self_, arr_;  // keep the observer and the data alive
    const float* data_;
    size_t n_;
  };

  Napi::Value Update(const Napi::CallbackInfo& info) {
    const F32 a = get_f32(info, 0, "data");
    core_->update(a.data, a.n);
    return info.Env().Undefined();
  }

  Napi::Value UpdateAsync(const Napi::CallbackInfo& info) {
    get_f32(info, 0, "data");
    auto* w = new UpdateWorker(info.Env(), core_, info.This().As<Napi::Object>(), info[0].As<Napi::Float32Array>());
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }

  Napi::Value Counts(const Napi::CallbackInfo& info) {
    const HistSnapshot s = core_->snapshot();
    Napi::Float64Array a = Napi::Float64Array::New(info.Env(), s.counts.size());
    std::copy(s.counts.begin(), s.counts.end(), a.Data());
    return a;
  }

  Napi::Value Merge(const Napi::CallbackInfo& info) {
    HistogramWrap* other = From(info, 0);
    const HistSnapshot s = other->core_->snapshot();  // snapshot first: merging with itself is fine
    core_->merge(s);
    return info.Env().Undefined();
  }

  // All scalar fields in one consistent read (the last completed update; does not wait for
  // a running updateAsync).
  Napi::Value State(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const HistSummary s = core_->summary();
    Napi::Object o = Napi::Object::New(env);
    o.Set("bins", static_cast<double>(s.bins));
    o.Set("count", static_cast<double>(s.count));
    o.Set("nonFinite", static_cast<double>(s.nonfinite));
    o.Set("min", static_cast<double>(s.min));
    o.Set("max", static_cast<double>(s.max));
    o.Set("lo", s.has_range ? s.lo : 0.0);
    o.Set("hi", s.has_range ? s.hi : 0.0);
    return o;
  }

  Napi::Value Bins(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), bins_); }
  Napi::Value Count(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(core_->summary().count));
  }
  Napi::Value NonFinite(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(core_->summary().nonfinite));
  }
  Napi::Value Min(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), core_->summary().min); }
  Napi::Value Max(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), core_->summary().max); }
  Napi::Value Lo(const Napi::CallbackInfo& info) {
    const HistSummary s = core_->summary();
    return Napi::Number::New(info.Env(), s.has_range ? s.lo : 0.0);
  }
  Napi::Value Hi(const Napi::CallbackInfo& info) {
    const HistSummary s = core_->summary();
    return Napi::Number::New(info.Env(), s.has_range ? s.hi : 0.0);
  }

  std::shared_ptr<HistogramCore> core_;
  uint32_t bins_ = kDefaultBins;
};

Napi::Object range_obj(Napi::Env env, const Range& r) {
  Napi::Object o = Napi::Object::New(env);
  // +0 instead of -0 so callers never see a negative zero bound.
  o.Set("lo", r.lo == 0 ? 0.0 : r.lo);
  o.Set("hi", r.hi == 0 ? 0.0 : r.hi);
  return o;
}

// ------------------------------------------------------------ functions ----

Napi::Value CpuFeaturesFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("avx2", f.avx2);
  o.Set("fma", f.fma);
  o.Set("avx512f", f.avx512f);
  o.Set("avx512bw", f.avx512bw);
  o.Set("avx512vnni", f.avx512vnni);
  o.Set("avxvnni", f.avxvnni);
  const unsigned hw = std::thread::hardware_concurrency();
  o.Set("hardwareThreads", static_cast<double>(hw == 0 ? 1 : hw));
  o.Set("threads", static_cast<double>(pool_threads()));
  o.Set("kernel", kernels().name);
  o.Set("bestKernel", best_kernel_name());
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const double n = get_number(info, 0, "threads");
  if (!is_integer(n) || n < 1 || n > 1024) range_error(info.Env(), "threads must be an integer in [1, 1024]");
  pool_set_threads(static_cast<size_t>(n));
  return info.Env().Undefined();
}

Napi::Value SetKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) type_error(env, "kernel must be 'auto', 'avx512', 'avx2' or 'scalar'");
  const std::string k = info[0].As<Napi::String>().Utf8Value();
  if (k != "auto" && k != "avx512" && k != "avx2" && k != "scalar")
    type_error(env, "kernel must be 'auto', 'avx512', 'avx2' or 'scalar'");
  if (!select_kernels(k)) range_error(env, "kernel '" + k + "' is not supported by this CPU");
  return Napi::String::New(env, kernels().name);
}

Napi::Value MinMaxFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32 a = get_f32(info, 0, "data");
  const MinMax r = minmax(a.data, a.n);
  Napi::Object o = Napi::Object::New(env);
  o.Set("min", static_cast<double>(r.min));
  o.Set("max", static_cast<double>(r.max));
  o.Set("nonFinite", static_cast<double>(r.nonfinite));
  return o;
}

Napi::Value MinMaxPerChannelFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32 a = get_f32(info, 0, "data");
  const Layout l = get_layout(info, 1, 2, a.n, true);
  std::vector<float> mn(l.channels), mx(l.channels);
  const uint64_t nf = minmax_per_channel(a.data, l, mn.data(), mx.data());
  Napi::Object o = Napi::Object::New(env);
  o.Set("min", make_f32(env, mn.data(), mn.size()));
  o.Set("max", make_f32(env, mx.data(), mx.size()));
  o.Set("nonFinite", static_cast<double>(nf));
  return o;
}

Napi::Value MinMaxRangeFn(const Napi::CallbackInfo& info) {
  HistogramWrap* h = HistogramWrap::From(info, 0);
  const bool sym = get_bool(info, 1, "symmetric");
  return range_obj(info.Env(), minmax_range(h->core()->snapshot(), sym));
}

Napi::Value PercentileRangeFn(const Napi::CallbackInfo& info) {
  HistogramWrap* h = HistogramWrap::From(info, 0);
  const double p = get_number(info, 1, "percentile");
  if (!(p >= 0 && p <= 100)) range_error(info.Env(), "percentile must be in [0, 100]");
  const bool sym = get_bool(info, 2, "symmetric");
  return range_obj(info.Env(), percentile_range(h->core()->snapshot(), p, sym));
}

Napi::Value KlRangeFn(const Napi::CallbackInfo& info) {
  HistogramWrap* h = HistogramWrap::From(info, 0);
  const bool sym = get_bool(info, 1, "symmetric");
  const int levels = get_levels(info, 2);
  return range_obj(info.Env(), kl_range(h->core()->snapshot(), sym, levels));
}

Napi::Value MseRangeFn(const Napi::CallbackInfo& info) {
  HistogramWrap* h = HistogramWrap::From(info, 0);
  const bool sym = get_bool(info, 1, "symmetric");
  const int levels = get_levels(info, 2);
  return range_obj(info.Env(), mse_range(h->core()->snapshot(), sym, levels));
}

QRule get_rule(const Napi::CallbackInfo& info, size_t dtype_i, size_t sym_i, size_t reduce_i) {
  QRule r;
  r.dtype = get_qtype(info, dtype_i);
  r.symmetric = get_bool(info, sym_i, "symmetric");
  r.reduce_range = info.Length() > reduce_i && !info[reduce_i].IsUndefined() ? get_bool(info, reduce_i, "reduceRange")
                                                                                : false;
  return r;
}

// quantizeWeights(data, dims, dtype, symmetric, axis?, reduceRange?)
Napi::Value QuantizeWeightsFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32 a = get_f32(info, 0, "data");
  const QRule rule = get_rule(info, 2, 3, 5);
  const Layout l = get_layout(info, 1, 4, a.n, false);
  const size_t C = l.channels;
  std::vector<float> mn(C), mx(C);
  uint64_t nf;
  if (C == 1) {
    const MinMax m = minmax(a.data, a.n);
    mn[0] = m.min;
    mx[0] = m.max;
    nf = m.nonfinite;
  } else {
    nf = minmax_per_channel(a.data, l, mn.data(), mx.data());
  }
  if (nf)
    throw data_error(env, "DATA_NOT_FINITE",
                     "The weights hold " + std::to_string(nf) + " NaN/Inf value" + (nf == 1 ? "" : "s") + " (of " +
                         std::to_string(a.n) + ")",
                     nf);
  std::vector<float> scale(C);
  std::vector<int32_t> zp(C);
  for (size_t c = 0; c < C; ++c) {
    // empty channel (size-0 dims): min=+inf/max=-inf -> treat as the zero range
    const double lo = mn[c] <= mx[c] ? mn[c] : 0.0, hi = mn[c] <= mx[c] ? mx[c] : 0.0;
    compute_qparams(lo, hi, rule, &scale[c], &zp[c]);
  }
  int qmin, qmax;
  rule_qrange(rule, &qmin, &qmax);
  Napi::Object o = Napi::Object::New(env);
  if (rule.dtype == QType::Int8) {
    Napi::Int8Array q = Napi::Int8Array::New(env, a.n);
    quantize(a.data, l, scale.data(), zp.data(), qmin, qmax, rule.dtype, a.n ? q.Data() : nullptr);
    Napi::Int8Array z = Napi::Int8Array::New(env, C);
    for (size_t c = 0; c < C; ++c) z[c] = static_cast<int8_t>(zp[c]);
    o.Set("data", q);
    o.Set("zeroPoint", z);
  } else {
    Napi::Uint8Array q = Napi::Uint8Array::New(env, a.n);
    quantize(a.data, l, scale.data(), zp.data(), qmin, qmax, rule.dtype, a.n ? q.Data() : nullptr);
    Napi::Uint8Array z = Napi::Uint8Array::New(env, C);
    for (size_t c = 0; c < C; ++c) z[c] = static_cast<uint8_t>(zp[c]);
    o.Set("data", q);
    o.Set("zeroPoint", z);
  }
  o.Set("scale", make_f32(env, scale.data(), C));
  return o;
}

// computeQParams(lo, hi, dtype, symmetric, reduceRange?) -> { scale, zeroPoint }
Napi::Value ComputeQParamsFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double lo = get_number(info, 0, "lo"), hi = get_number(info, 1, "hi");
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) range_error(env, "lo and hi must be finite with lo <= hi");
  const QRule rule = get_rule(info, 2, 3, 4);
  float scale;
  int32_t zp;
  compute_qparams(lo, hi, rule, &scale, &zp);
  int qmin, qmax;
  rule_qrange(rule, &qmin, &qmax);
  Napi::Object o = Napi::Object::New(env);
  o.Set("scale", static_cast<double>(scale));
  o.Set("zeroPoint", static_cast<double>(zp));
  o.Set("qmin", static_cast<double>(qmin));
  o.Set("qmax", static_cast<double>(qmax));
  return o;
}

// quantizeBias(bias, inputScale, weightScales)
Napi::Value QuantizeBiasFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32 b = get_f32(info, 0, "bias");
  const double in_scale = get_number(info, 1, "inputScale");
  const F32 ws = get_f32(info, 2, "weightScales");
  if (!std::isfinite(in_scale) || in_scale < 0) range_error(env, "inputScale must be a finite number >= 0");
  for (size_t c = 0; c < ws.n; ++c)
    if (!std::isfinite(ws.data[c]) || ws.data[c] < 0) range_error(env, "weightScales must be finite and >= 0");
  if (ws.n != 1 && ws.n != b.n)
    range_error(env, "weightScales must hold 1 value or one per bias value (" + std::to_string(b.n) + "), got " +
                         std::to_string(ws.n));
  Napi::Int32Array q = Napi::Int32Array::New(env, b.n);
  Napi::Float32Array s = Napi::Float32Array::New(env, ws.n);
  const uint64_t nf =
      quantize_bias(b.data, b.n, in_scale, ws.data, ws.n, b.n ? q.Data() : nullptr, ws.n ? s.Data() : nullptr);
  if (nf)
    throw data_error(env, "DATA_NOT_FINITE",
                     "The bias holds " + std::to_string(nf) + " NaN/Inf value" + (nf == 1 ? "" : "s") + " (of " +
                         std::to_string(b.n) + ")",
                     nf);
  Napi::Object o = Napi::Object::New(env);
  o.Set("data", q);
  o.Set("scale", s);
  return o;
}

// quantizeLinear(data, scale, zeroPoint, dtype)
Napi::Value QuantizeLinearFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32 a = get_f32(info, 0, "data");
  const double scale = get_number(info, 1, "scale");
  const double zp = get_number(info, 2, "zeroPoint");
  const QType t = get_qtype(info, 3);
  const float fs = static_cast<float>(scale);
  if (!(fs > 0) || !std::isfinite(fs)) range_error(env, "scale must be a finite number > 0 (as float32)");
  const int qmin = t == QType::Int8 ? -128 : 0, qmax = t == QType::Int8 ? 127 : 255;
  if (!is_integer(zp) || zp < qmin || zp > qmax)
    range_error(env, std::string("zeroPoint must be an integer in [") + std::to_string(qmin) + ", " +
                         std::to_string(qmax) + "]");
  Layout l;
  l.inner = a.n;
  const int32_t z = static_cast<int32_t>(zp);
  if (t == QType::Int8) {
    Napi::Int8Array q = Napi::Int8Array::New(env, a.n);
    quantize(a.data, l, &fs, &z, qmin, qmax, t, a.n ? q.Data() : nullptr);
    return q;
  }
  Napi::Uint8Array q = Napi::Uint8Array::New(env, a.n);
  quantize(a.data, l, &fs, &z, qmin, qmax, t, a.n ? q.Data() : nullptr);
  return q;
}

Napi::Value FidelityFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32 r = get_f32(info, 0, "reference");
  const F32 t = get_f32(info, 1, "test");
  if (r.n != t.n)
    range_error(env, "reference and test lengths differ (" + std::to_string(r.n) + " vs " + std::to_string(t.n) + ")");
  const FidAcc a = fidelity(r.data, t.data, r.n);
  const double count = static_cast<double>(r.n - a.nonfinite);
  double cosine;
  if (a.rr == 0 && a.tt == 0)
    cosine = 1;
  else if (a.rr == 0 || a.tt == 0)
    cosine = 0;
  else
    cosine = std::min(1.0, std::max(-1.0, a.rt / (std::sqrt(a.rr) * std::sqrt(a.tt))));
  double sqnr;
  if (a.dd == 0)
    sqnr = std::numeric_limits<double>::infinity();
  else if (a.rr == 0)
    sqnr = -std::numeric_limits<double>::infinity();
  else
    sqnr = 10.0 * std::log10(a.rr / a.dd);
  Napi::Object o = Napi::Object::New(env);
  o.Set("cosine", cosine);
  o.Set("sqnrDb", sqnr);
  o.Set("mse", count > 0 ? a.dd / count : 0.0);
  o.Set("maxAbs", a.maxabs);
  o.Set("count", count);
  o.Set("nonFinite", static_cast<double>(a.nonfinite));
  return o;
}

// ----------------------------------------------------- test-only internals ----

Napi::Value KlSearchFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    type_error(env, "hist must be a Float64Array");
  Napi::Float64Array h = info[0].As<Napi::Float64Array>();
  const double qb = get_number(info, 1, "quantBins");
  if (!is_integer(qb) || qb < 1) range_error(env, "quantBins must be a positive integer");
  std::vector<double> kl;
  const size_t i = kl_search(h.ElementLength() ? h.Data() : nullptr, h.ElementLength(), static_cast<size_t>(qb), &kl);
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", static_cast<double>(i));
  Napi::Float64Array k = Napi::Float64Array::New(env, kl.size());
  std::copy(kl.begin(), kl.end(), k.Data());
  o.Set("kl", k);
  return o;
}

Napi::Value FoldAbsFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HistogramWrap* h = HistogramWrap::From(info, 0);
  double A;
  const std::vector<double> a = fold_abs(h->core()->snapshot(), &A);
  Napi::Object o = Napi::Object::New(env);
  Napi::Float64Array c = Napi::Float64Array::New(env, a.size());
  std::copy(a.begin(), a.end(), c.Data());
  o.Set("counts", c);
  o.Set("A", A);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function ctor = HistogramWrap::Define(env);
  data->histogram_ctor = Napi::Persistent(ctor);
  env.SetInstanceData<AddonData>(data);
  g_envs.fetch_add(1);
  env.AddCleanupHook([] {
    if (g_envs.fetch_sub(1) == 1) pool_shutdown();
  });

  exports.Set("Histogram", ctor);
  exports.Set("cpuFeatures", Napi::Function::New<CpuFeaturesFn>(env, "cpuFeatures"));
  exports.Set("setThreads", Napi::Function::New<SetThreads>(env, "setThreads"));
  exports.Set("setKernel", Napi::Function::New<SetKernel>(env, "setKernel"));
  exports.Set("minMax", Napi::Function::New<MinMaxFn>(env, "minMax"));
  exports.Set("minMaxPerChannel", Napi::Function::New<MinMaxPerChannelFn>(env, "minMaxPerChannel"));
  exports.Set("minMaxRange", Napi::Function::New<MinMaxRangeFn>(env, "minMaxRange"));
  exports.Set("percentileRange", Napi::Function::New<PercentileRangeFn>(env, "percentileRange"));
  exports.Set("klRange", Napi::Function::New<KlRangeFn>(env, "klRange"));
  exports.Set("mseRange", Napi::Function::New<MseRangeFn>(env, "mseRange"));
  exports.Set("quantizeWeights", Napi::Function::New<QuantizeWeightsFn>(env, "quantizeWeights"));
  exports.Set("computeQParams", Napi::Function::New<ComputeQParamsFn>(env, "computeQParams"));
  exports.Set("quantizeBias", Napi::Function::New<QuantizeBiasFn>(env, "quantizeBias"));
  exports.Set("quantizeLinear", Napi::Function::New<QuantizeLinearFn>(env, "quantizeLinear"));
  exports.Set("fidelity", Napi::Function::New<FidelityFn>(env, "fidelity"));
  Napi::Object internal = Napi::Object::New(env);
  internal.Set("klSearch", Napi::Function::New<KlSearchFn>(env, "klSearch"));
  internal.Set("foldAbs", Napi::Function::New<FoldAbsFn>(env, "foldAbs"));
  exports.Set("_internal", internal);
  return exports;
}

}  // namespace

NODE_API_MODULE(octet_native, Init)
