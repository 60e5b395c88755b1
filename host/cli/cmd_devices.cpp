// `thon devices`: which backends this build has and which GPU it sees.
#include <cstdio>

#include "cli/command.hpp"
#include "thon/build_info.hpp"
#include "thon/core/device.hpp"

namespace {

void setup(CLI::App& app) {
  app.callback([] {
    std::printf("backends: reference, cpu%s\n", thon::build::kHaveCuda ? ", cuda" : "");
    std::printf("cuda: %s\n", thon::cuda_device_summary().c_str());
    std::printf("auto: %s\n", thon::to_string(thon::parse_device("auto")));
  });
}

const bool registered = thon::cli::register_command({"devices", "List the compute backends and GPUs", setup});

}  // namespace
