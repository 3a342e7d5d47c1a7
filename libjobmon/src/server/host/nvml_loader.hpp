// NvmlLoader: NVML through dlopen, so jobmon needs no CUDA at build time and
// reports GPUs only where the driver's libnvidia-ml is installed.
#pragma once

#include <vector>

#include "jobmon/server/host_resources.hpp"

namespace jobmon::detail {

class NvmlLoader {
 public:
  NvmlLoader();
  ~NvmlLoader();
  NvmlLoader(const NvmlLoader&) = delete;
  NvmlLoader& operator=(const NvmlLoader&) = delete;

  bool available() const { return ready_; }
  std::vector<GpuSample> sample() const;

 private:
  void* handle_ = nullptr;
  bool ready_ = false;
  // Function pointers resolved with dlsym (NVML's C ABI).
  using Device = void*;
  int (*init_)() = nullptr;
  int (*shutdown_)() = nullptr;
  int (*count_)(unsigned*) = nullptr;
  int (*by_index_)(unsigned, Device*) = nullptr;
  int (*name_)(Device, char*, unsigned) = nullptr;
  int (*utilization_)(Device, unsigned*) = nullptr;  // nvmlUtilization_t {gpu, memory}
  int (*memory_)(Device, unsigned long long*) = nullptr;  // nvmlMemory_t {total, free, used}
  int (*temperature_)(Device, int, unsigned*) = nullptr;
};

}  // namespace jobmon::detail
