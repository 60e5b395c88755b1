// `thon verify`: one operation on the user's input, on a backend and on the reference, compared
// (host/pipeline/verify.hpp, docs/verify.md). Exit status 0 within tolerance, 2 outside, 1 bad input.
//   thon verify --op project --map map.mrc --i poses.star --n 50 --device cpu
//   thon verify --op reconstruct --i particles.star --n 200
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/command.hpp"
#include "pipeline/verify.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/project.hpp"

namespace {

struct Args {
  std::string op, star, map, ref, device, interp = "linear";
  long long n = 0;
  int k = 0;
  double perturbation = 0;
};

std::string op_help() {
  std::string s = "Operation:";
  for (const auto& op : thon::pipeline::verify_operation_list())
    s += "\n  " + op.name + ": " + op.input + " -> " + op.output + " (default --n " + std::to_string(op.default_n) +
         ", tolerance " + op.tolerance + ")";
  return s;
}

void setup(CLI::App& app) {
  static Args a;
  app.add_option(thon::cli::names("op"), a.op, op_help())->required();
  app.add_option(thon::cli::names("i"), a.star, "STAR file: particles (images, poses, CTF) or, for project, poses");
  app.add_option(thon::cli::names("map"), a.map, "Map (MRC) for project");
  app.add_option(thon::cli::names("ref"), a.ref, "Class references (.mrcs) for classify2d (default: the start model, seeded)");
  app.add_option(thon::cli::names("k"), a.k, "Classes of the start model for classify2d (default 4)");
  app.add_option(thon::cli::names("n"), a.n, "Compare the first n rows (default: per operation)");
  app.add_option(thon::cli::names("interp"), a.interp, "Interpolation kernel: nearest, linear, cubic")
      ->check(CLI::IsMember({"nearest", "linear", "cubic"}))
      ->capture_default_str();
  // Test only (not listed in --help): multiplies the fast result by (1 + value), so the check can
  // be shown to fail.
  app.add_option(thon::cli::names("inject-perturbation"), a.perturbation)->group("");
  thon::cli::add_device_option(app, a.device);
  app.callback([] {
    thon::pipeline::VerifyJob job;
    job.op = a.op;
    job.star = a.star;
    job.map = a.map;
    job.ref = a.ref;
    job.n_classes = a.k;
    job.n = a.n;
    job.device = thon::parse_device(a.device);
    job.interp = thon::parse_interp(a.interp);
    job.perturbation = a.perturbation;
    const thon::pipeline::VerifyResult r = thon::pipeline::run_verify(job);
    std::fputs(thon::pipeline::format_verify(r).c_str(), stdout);
    std::fflush(stdout);
    if (!r.within) std::exit(2);
  });
}

const bool registered = thon::cli::register_command(
    {"verify", "Check an operation on your input against the reference: rel L2, worst pixel, tolerance (exit 2 outside)",
     setup});

}  // namespace
