#include "thon/core/device.hpp"

#include "cuda/runtime.hpp"
#include "thon/core/error.hpp"

namespace thon {

bool cuda_device_available() { return cuda::device_count() > 0; }

std::string cuda_device_summary() { return cuda::device_summary(); }

Device parse_device(const std::string& name) {
  if (name == "auto") return cuda_device_available() ? Device::cuda : Device::cpu;
  if (name == "cpu") return Device::cpu;
  if (name == "reference") return Device::reference;
  if (name == "cuda") {
    THON_CHECK_CODE(cuda_device_available(), cuda,
                    "--device cuda: no usable CUDA device (", cuda_device_summary(), ")");
    return Device::cuda;
  }
  fail(ErrorCode::invalid_argument, "--device: unknown device '", name,
       "' (expected auto, cpu, cuda or reference)");
}

const char* to_string(Device d) {
  switch (d) {
    case Device::reference: return "reference";
    case Device::cpu: return "cpu";
    case Device::cuda: return "cuda";
  }
  return "unknown";
}

}  // namespace thon
