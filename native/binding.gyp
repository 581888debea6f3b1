{
  # Octet native kernels (N-API, ABI-stable: one build serves Node and Electron).
  # SIMD code paths are selected at run time (see src/cpu.cc); nothing here may
  # use -march=native or -mavx*: the shipped binary must run on any x86-64 (or ARM64).
  "targets": [
    {
      "target_name": "octet_native",
      "sources": [
        "src/addon.cc",
        "src/cpu.cc",
        "src/pool.cc",
        "src/kernels_scalar.cc",
        "src/kernels_avx2.cc",
        "src/kernels_avx512.cc",
        "src/ops.cc",
        "src/histogram.cc",
        "src/calib.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": [ "-fno-exceptions", "-O2", "-O0", "-Os" ],
      "cflags_cc!": [ "-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20", "-O2", "-O0", "-Os" ],
      "cflags": [ "-O3", "-ffp-contract=off", "-fno-math-errno" ],
      "cflags_cc": [ "-std=c++17", "-fexceptions", "-O3", "-ffp-contract=off", "-fno-math-errno", "-Wno-psabi" ],
      "conditions": [
        ["OS=='win'", {
          "defines": [ "_HAS_EXCEPTIONS=1", "NOMINMAX" ],
          "msvs_settings": {
            "VCCLCompilerTool": {
              "ExceptionHandling": 1,
              "Optimization": 2,
              "FloatingPointModel": 0,
              "AdditionalOptions": [ "/std:c++17" ]
            }
          }
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "MACOSX_DEPLOYMENT_TARGET": "10.15",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "OTHER_CFLAGS": [ "-ffp-contract=off" ]
          }
        }]
      ]
    }
  ]
}
