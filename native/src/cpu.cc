#include "cpu.h"

#include <atomic>
#include <cstdint>

#include "simd.h"

#if OCTET_X86
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace octet {
namespace {

#if OCTET_X86
void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
#if defined(_MSC_VER) && !defined(__clang__)
  int v[4];
  __cpuidex(v, static_cast<int>(leaf), static_cast<int>(sub));
  for (int i = 0; i < 4; ++i) r[i] = static_cast<uint32_t>(v[i]);
#else
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}

uint64_t xgetbv0() {
#if defined(_MSC_VER) && !defined(__clang__)
  return _xgetbv(0);
#else
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
#endif
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if OCTET_X86
  uint32_t r[4];
  cpuid(0, 0, r);
  const uint32_t max_leaf = r[0];
  if (max_leaf < 1) return f;
  cpuid(1, 0, r);
  const bool osxsave = (r[2] >> 27) & 1, avx = (r[2] >> 28) & 1, fma = (r[2] >> 12) & 1;
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = xgetbv0();
  f.os_ymm = (xcr0 & 0x6) == 0x6;
  f.os_zmm = f.os_ymm && (xcr0 & 0xe0) == 0xe0;
  if (!f.os_ymm) return f;
  f.fma = fma;
  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    const uint32_t ebx = r[1], ecx = r[2], max_sub = r[0];
    f.avx2 = (ebx >> 5) & 1;
    if (f.os_zmm) {
      f.avx512f = (ebx >> 16) & 1;
      f.avx512bw = (ebx >> 30) & 1;
      f.avx512vnni = (ecx >> 11) & 1;
    }
    if (max_sub >= 1) {
      cpuid(7, 1, r);
      f.avxvnni = (r[0] >> 4) & 1;
    }
  }
#endif
  return f;
}

std::atomic<const Kernels*> g_kernels{nullptr};

const Kernels* by_name(const std::string& name) {
  if (name == "scalar") return &kKernelsScalar;
#if OCTET_X86
  const CpuFeatures& f = cpu_features();
  if (name == "avx2") return (f.avx2 && f.fma) ? &kKernelsAvx2 : nullptr;
  if (name == "avx512") return (f.avx512f && f.avx512bw && f.avx2 && f.fma) ? &kKernelsAvx512 : nullptr;
#endif
  return nullptr;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

const char* best_kernel_name() {
  if (by_name("avx512")) return "avx512";
  if (by_name("avx2")) return "avx2";
  return "scalar";
}

bool kernel_supported(const std::string& name) { return by_name(name) != nullptr; }

bool select_kernels(const std::string& name) {
  const Kernels* k = by_name(name == "auto" ? std::string(best_kernel_name()) : name);
  if (!k) return false;
  g_kernels.store(k);
  return true;
}

const Kernels& kernels() {
  const Kernels* k = g_kernels.load();
  if (!k) {
    k = by_name(best_kernel_name());
    g_kernels.store(k);
  }
  return *k;
}

}  // namespace octet
