#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace octet {
namespace {

size_t hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

class Pool {
 public:
  ~Pool() { stop_workers(); }

  size_t threads() {
    std::lock_guard<std::mutex> lk(config_mu_);
    return threads_;
  }

  void set_threads(size_t n) {
    std::lock_guard<std::mutex> job(job_mu_);  // wait for a running job
    std::lock_guard<std::mutex> lk(config_mu_);
    stop_workers();
    threads_ = n;
  }

  void shutdown() {
    std::lock_guard<std::mutex> job(job_mu_);
    std::lock_guard<std::mutex> lk(config_mu_);
    stop_workers();
  }

  void run(size_t ntasks, const std::function<void(size_t)>& fn) {
    if (ntasks == 0) return;
    std::unique_lock<std::mutex> job(job_mu_, std::try_to_lock);
    if (ntasks == 1 || !job.owns_lock()) {
      for (size_t i = 0; i < ntasks; ++i) fn(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lk(config_mu_);
      if (threads_ <= 1) {
        job.unlock();
        for (size_t i = 0; i < ntasks; ++i) fn(i);
        return;
      }
      if (workers_.size() + 1 != threads_) start_workers(threads_ - 1);
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      ntasks_ = ntasks;
      next_.store(0, std::memory_order_relaxed);
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    work(fn, ntasks);
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return active_ == 0; });
    fn_ = nullptr;  // late workers see no job
    ntasks_ = 0;
    std::exception_ptr err = error_;
    error_ = nullptr;
    lk.unlock();
    if (err) std::rethrow_exception(err);
  }

 private:
  void work(const std::function<void(size_t)>& fn, size_t ntasks) {
    for (;;) {
      const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= ntasks) break;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  void worker_loop(uint64_t seen) {
    for (;;) {
      const std::function<void(size_t)>* fn = nullptr;
      size_t ntasks = 0;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        fn = fn_;
        ntasks = ntasks_;
        if (!fn) continue;
        ++active_;
      }
      work(*fn, ntasks);
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (--active_ == 0) done_cv_.notify_all();
      }
    }
  }

  // config_mu_ held
  void start_workers(size_t n) {
    stop_workers();
    uint64_t gen = 0;
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = false;
      gen = generation_;
    }
    workers_.reserve(n);
    for (size_t i = 0; i < n; ++i) workers_.emplace_back([this, gen] { worker_loop(gen); });
  }

  // config_mu_ held (or destructor)
  void stop_workers() {
    if (workers_.empty()) return;
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_)
      if (t.joinable()) t.join();
    workers_.clear();
  }

  std::mutex job_mu_;     // one job at a time
  std::mutex config_mu_;  // threads_, workers_
  size_t threads_ = hardware_threads();
  std::vector<std::thread> workers_;

  std::mutex mu_;  // job state below
  std::condition_variable cv_, done_cv_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t ntasks_ = 0;
  std::atomic<size_t> next_{0};
  size_t active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

// Never destroyed: worker threads are joined explicitly by pool_shutdown() (env cleanup
// hook), so no thread is left joinable when static destructors run at process exit.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

size_t pool_threads() { return pool().threads(); }
void pool_set_threads(size_t n) { pool().set_threads(n < 1 ? 1 : n); }
void pool_shutdown() { pool().shutdown(); }
void parallel_for(size_t ntasks, const std::function<void(size_t)>& fn) { pool().run(ntasks, fn); }

size_t task_count(size_t n, size_t min_per_task) {
  if (n < 2 * min_per_task) return 1;
  const size_t t = pool_threads();
  if (t <= 1) return 1;
  size_t k = n / min_per_task;
  const size_t cap = t * 4;
  return k < cap ? k : cap;
}

}  // namespace octet
