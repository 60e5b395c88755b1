// `thon project`: projections of a map at given or random poses, as relion_project does.
//   thon project --map M.mrc --star poses.star --o out     (poses from a RELION STAR file)
//   thon project --map M.mrc --n 1000 --seed 7 --o out      (uniform random poses)
// Writes out.mrcs and a RELION 3.1 out.star (rlnImageName, rlnAngleRot/Tilt/Psi, origins 0, optics
// with pixel size and image size).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/command.hpp"
#include "pipeline/project.hpp"
#include "thon/core/device.hpp"
#include "thon/ops/project.hpp"

namespace {

void setup(CLI::App& app) {
  struct Args {
    std::string map, star, out, interp = "linear", device;
    long long n = 0;
    unsigned long long seed = 1;
    double pad = 2.0;
    int batch = 256;
    bool quiet = false;
    bool png = false;
  };
  auto args = std::make_shared<Args>();
  app.add_option(thon::cli::names("map", {"i"}), args->map, "Input map (MRC, cubic)")->required();
  auto* star = app.add_option(thon::cli::names("poses", {"ang", "star"}), args->star,
                              "Poses: RELION .star (rlnAngleRot/Tilt/Psi), cryoSPARC .cs or thon .h5");
  auto* n = app.add_option(thon::cli::names("n", {"nr-uniform"}), args->n, "Number of uniform random poses (instead of --poses)");
  star->excludes(n);
  app.add_option(thon::cli::names("seed"), args->seed, "Seed of the random poses")->capture_default_str();
  app.add_option(thon::cli::names("o"), args->out, "Output prefix: writes <prefix>.mrcs and <prefix>.star")->required();
  app.add_option(thon::cli::names("interp"), args->interp, "Interpolation in the padded transform: nearest, linear, cubic")
      ->check(CLI::IsMember({"nearest", "linear", "cubic"}))
      ->capture_default_str();
  app.add_option(thon::cli::names("pad"), args->pad, "Padding factor of the map before the FFT (>= 1)")->capture_default_str();
  app.add_option(thon::cli::names("batch"), args->batch, "Images projected per batch")->capture_default_str();
  app.add_flag(thon::cli::names("quiet", {"no-progress"}), args->quiet, "No progress bar");
  app.add_flag(thon::cli::names("png"), args->png, "Also write <prefix>.png: a montage of the first 16 projections");
  thon::cli::add_device_option(app, args->device);
  thon::cli::add_threads_option(app);
  app.callback([args] {
    // One 3D transform and batches of one image size: FFTW_MEASURE planning (the default) would
    // take longer than the projection itself (box 128, pad 2: 7 s of planning for 1 s of work), so
    // this command plans with FFTW_ESTIMATE unless the user chose otherwise.
    setenv("THON_FFTW_PLANNER", "estimate", /*overwrite=*/0);
    thon::pipeline::ProjectJob job;
    job.map_path = args->map;
    job.poses_path = args->star;
    job.n_random = args->n;
    job.seed = args->seed;
    job.out_prefix = args->out;
    job.interp = thon::parse_interp(args->interp);
    job.padding = args->pad;
    job.device = thon::cli::resolve_device(args->device);
    job.batch = args->batch;
    job.progress = !args->quiet;
    const auto r = thon::pipeline::run_project(job);
    std::printf("wrote %s (%lld images of %d x %d, %.4g A/pixel) and %s in %.2f s (%s, %s, pad %g)\n",
                r.mrcs_path.c_str(), static_cast<long long>(r.n_images), r.box, r.box,
                r.pixel_size_A, r.star_path.c_str(), r.seconds, thon::to_string(job.device),
                thon::to_string(job.interp), job.padding);
    if (args->png) std::printf("wrote %s\n", thon::cli::write_stack_montage(r.mrcs_path, args->out + ".png").c_str());
    thon::cli::print_stage_report();
  });
}

const bool registered = thon::cli::register_command(
    {"project", "Project a map at given or random poses (as relion_project)", setup});

}  // namespace
