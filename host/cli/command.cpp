#include "cli/command.hpp"

#include <algorithm>

namespace thon::cli {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}
}  // namespace

bool register_command(Command command) {
  registry().push_back(std::move(command));
  return true;
}

const std::vector<Command>& commands() {
  auto& r = registry();
  std::sort(r.begin(), r.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  return r;
}

CLI::Option* add_device_option(CLI::App& app, std::string& name) {
  name = "auto";
  return app.add_option("--device", name, "Compute backend: auto (cuda when a GPU is present, else cpu), cpu, cuda, reference")
      ->check(CLI::IsMember({"auto", "cpu", "cuda", "reference"}))
      ->capture_default_str();
}

}  // namespace thon::cli
