// CPU feature detection and run-time kernel selection.
#pragma once

#include <string>

#include "kernels.h"

namespace octet {

struct CpuFeatures {
  bool avx2 = false, fma = false, avx512f = false, avx512bw = false, avx512vnni = false, avxvnni = false;
  bool os_ymm = false, os_zmm = false;  // OS saves the YMM / ZMM state (XGETBV)
};

const CpuFeatures& cpu_features();  // usable features (CPU and OS support)

// Best kernel set the CPU supports: "avx512", "avx2" or "scalar".
const char* best_kernel_name();
bool kernel_supported(const std::string& name);
// Selects a kernel set by name ("auto" = best). Returns false if unsupported here.
bool select_kernels(const std::string& name);
const Kernels& kernels();

}  // namespace octet
