// parallel_for: the one small thread fan-out the library uses for I/O-bound
// work (job reads, task-log tails). Private to libjobmon.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace jobmon::detail {

// Runs fn(i) for every i in [0, n) on up to `threads` threads (the caller's
// thread alone when one is enough). fn must not throw.
template <typename Fn>
void parallel_for(std::size_t n, unsigned threads, Fn&& fn) {
  const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(threads, n));
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (unsigned w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

}  // namespace jobmon::detail
