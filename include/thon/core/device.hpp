// The compute backends, chosen at run time. Which exist is decided at link time: a build without
// CUDA has thon::cuda entry points that throw "built without CUDA".
#pragma once

#include <string>

namespace thon {

enum class Device { reference, cpu, cuda };

/// Parses "auto", "cpu", "cuda", "reference". "auto" is cuda when a CUDA device is present, else cpu.
/// Throws thon::Error for unknown names, and for "cuda" when no device can be used.
Device parse_device(const std::string& name);
const char* to_string(Device d);

/// True when this build has the CUDA backend and a CUDA device is present.
bool cuda_device_available();
/// One line describing the CUDA devices (or why there are none).
std::string cuda_device_summary();

}  // namespace thon
