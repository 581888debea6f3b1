// A small persistent thread pool for data-parallel kernels.
//
// parallel_for(ntasks, fn) runs fn(0..ntasks-1) on the calling thread plus the pool's
// workers and returns when all are done. Only one job runs on the pool at a time; a
// caller that finds the pool busy (e.g. an AsyncWorker while the JS thread runs a sync
// kernel) runs its tasks on its own thread instead of waiting.
#pragma once

#include <cstddef>
#include <functional>

namespace octet {

// Total threads a job may use (caller included). Default: hardware threads.
size_t pool_threads();
// n >= 1. Resizes the pool (joins the old workers). Waits for a running job to finish.
void pool_set_threads(size_t n);
// Joins all workers (the pool restarts lazily on next use).
void pool_shutdown();

void parallel_for(size_t ntasks, const std::function<void(size_t)>& fn);

// Task count for n elements: 1 below `min_per_task * 2`, else up to 4 per thread.
size_t task_count(size_t n, size_t min_per_task);

// [begin, end) of part k of n elements split into `parts`, boundaries aligned to `align`.
inline void split_range(size_t n, size_t parts, size_t k, size_t align, size_t* begin, size_t* end) {
  const size_t units = (n + align - 1) / align;
  const size_t b = units * k / parts * align, e = units * (k + 1) / parts * align;
  *begin = b < n ? b : n;
  *end = e < n ? e : n;
}

}  // namespace octet
