#include "server/host/nvml_loader.hpp"

#include <dlfcn.h>

namespace jobmon::detail {
namespace {

template <typename Fn>
bool resolve(void* handle, const char* name, Fn& out) {
  out = reinterpret_cast<Fn>(::dlsym(handle, name));
  return out != nullptr;
}

}  // namespace

NvmlLoader::NvmlLoader() {
  handle_ = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) return;
  const bool ok = resolve(handle_, "nvmlInit_v2", init_) && resolve(handle_, "nvmlShutdown", shutdown_) &&
                  resolve(handle_, "nvmlDeviceGetCount_v2", count_) &&
                  resolve(handle_, "nvmlDeviceGetHandleByIndex_v2", by_index_) &&
                  resolve(handle_, "nvmlDeviceGetName", name_) &&
                  resolve(handle_, "nvmlDeviceGetUtilizationRates", utilization_) &&
                  resolve(handle_, "nvmlDeviceGetMemoryInfo", memory_) &&
                  resolve(handle_, "nvmlDeviceGetTemperature", temperature_);
  ready_ = ok && init_() == 0;
}

NvmlLoader::~NvmlLoader() {
  if (ready_) shutdown_();
  if (handle_ != nullptr) ::dlclose(handle_);
}

std::vector<GpuSample> NvmlLoader::sample() const {
  std::vector<GpuSample> gpus;
  unsigned count = 0;
  if (!ready_ || count_(&count) != 0) return gpus;
  for (unsigned i = 0; i < count && i < 64; ++i) {
    Device dev = nullptr;
    if (by_index_(i, &dev) != 0) continue;
    GpuSample g;
    g.index = static_cast<int>(i);
    char name[96] = {};
    if (name_(dev, name, sizeof name) == 0) g.name = name;
    unsigned util[2] = {};
    if (utilization_(dev, util) == 0) g.utilization_percent = util[0];
    unsigned long long mem[3] = {};
    if (memory_(dev, mem) == 0) {
      g.memory_total_bytes = mem[0];
      g.memory_used_bytes = mem[2];
    }
    unsigned temp = 0;
    if (temperature_(dev, 0 /* NVML_TEMPERATURE_GPU */, &temp) == 0) g.temperature_c = temp;
    gpus.push_back(std::move(g));
  }
  return gpus;
}

}  // namespace jobmon::detail
