// The `thon` executable: one binary, sub-commands registered by host/cli/cmd_*.cpp.
#include <cstdio>
#include <exception>

#include "cli/command.hpp"
#include "thon/build_info.hpp"
#include "thon/core/device.hpp"
#include "thon/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"thon: cryo-EM simulation and reconstruction on the GPU and the CPU", "thon"};
  app.set_version_flag("--version", std::string("thon ") + thon::build::kVersion +
                                        (thon::build::kHaveCuda ? " (CUDA backend built)" : " (CPU only)"));
  app.require_subcommand(1);
  for (const auto& command : thon::cli::commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    command.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "thon: error: %s\n", e.what());
    std::fprintf(stderr, "Run with --help for usage.\n");
    return 1;
  } catch (const thon::Error& e) {
    std::fprintf(stderr, "thon: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "thon: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
