// `thon classify2d`: reference-free 2D classification by maximum-likelihood EM (DESIGN.md
// section 4.7). Options in kebab-case; RELION's spellings are accepted where an option mirrors one.
#include <cstdio>
#include <string>

#include "cli/command.hpp"
#include "pipeline/classify2d.hpp"
#include "thon/core/error.hpp"

namespace {

struct Options {
  std::string input, output = "run", device, cont, ref;
  int k = 0, iter = 25, batch = 0, threads = 0;
  double psi_step = 10, offset_range = 5, offset_step = 1, diameter = 0, tau2_fudge = 2, maxres = 0, ini_high = 0;
  bool ctf = false, no_ctf = false, intact = false, quiet = false, no_progress = false;
  unsigned long long seed = 1;
};

void setup(CLI::App& app) {
  static Options o;
  app.add_option(thon::cli::names("i"), o.input, "Particles: RELION 3.0/3.1 .star, cryoSPARC .cs or thon .h5")->required();
  app.add_option(thon::cli::names("o"), o.output, "Output prefix: <o>_itNNN_classes.mrcs, _model.star, _data.star, _classes.png, _checkpoint.bin")
      ->capture_default_str();
  app.add_option(thon::cli::names("k", {"K"}), o.k, "Number of classes (required unless --continue or --ref)");
  app.add_option(thon::cli::names("iter"), o.iter, "Last iteration")->capture_default_str();
  app.add_option(thon::cli::names("psi-step"), o.psi_step, "In-plane angular step, degrees")->capture_default_str();
  app.add_option(thon::cli::names("offset-range"), o.offset_range, "Translations searched up to this radius, px")
      ->capture_default_str();
  app.add_option(thon::cli::names("offset-step"), o.offset_step, "Translation step, px")->capture_default_str();
  app.add_option(thon::cli::names("diameter", {"particle-diameter"}), o.diameter,
                 "Particle diameter, Å: soft circular mask of the images and classes (default 0.9 box)");
  auto* ctf = app.add_flag(thon::cli::names("ctf"), o.ctf, "Use the CTF (required; default: when the STAR file has CTF columns)");
  app.add_flag(thon::cli::names("no-ctf"), o.no_ctf, "Ignore the CTF")->excludes(ctf);
  app.add_flag(thon::cli::names("ctf-intact-first-peak"), o.intact, "CTF 1 up to its first peak (RELION's)");
  app.add_option(thon::cli::names("tau2-fudge"), o.tau2_fudge, "Regularisation: multiplies the signal power tau^2")
      ->capture_default_str();
  app.add_option(thon::cli::names("maxres", {"strict-highres-exp"}), o.maxres, "Highest resolution used, Å (default Nyquist)");
  app.add_option(thon::cli::names("ini-high"), o.ini_high, "Resolution limit of the first iteration, Å (default box/4 shells)");
  app.add_option(thon::cli::names("seed", {"random-seed"}), o.seed, "Seed of the initial random subsets")->capture_default_str();
  app.add_option(thon::cli::names("batch"), o.batch, "Images per engine call (default: from free memory)");
  app.add_option(thon::cli::names("continue"), o.cont, "Resume from a <o>_itNNN_checkpoint.bin");
  app.add_option(thon::cli::names("ref"), o.ref, "Start from these class averages: a .mrcs stack or a RELION _model.star");
  app.add_option(thon::cli::names("threads", {"j"}), o.threads, "CPU threads (OpenMP and OpenBLAS; default: all)");
  app.add_flag(thon::cli::names("quiet", {"no-progress"}), o.no_progress, "No progress bar");
  app.add_flag(thon::cli::names("no-log"), o.quiet, "No per-iteration log lines (with --quiet: silent)");
  thon::cli::add_device_option(app, o.device);

  app.callback([] {
    thon::pipeline::Classify2dJob job;
    job.input_star = o.input;
    job.output = o.output;
    job.device = thon::parse_device(o.device);
    job.n_classes = o.k;
    job.iterations = o.iter;
    job.psi_step_deg = o.psi_step;
    job.offset_range_px = o.offset_range;
    job.offset_step_px = o.offset_step;
    job.diameter_A = o.diameter;
    job.ctf = o.ctf ? 1 : (o.no_ctf ? 0 : -1);
    job.ctf_intact_first_peak = o.intact;
    job.tau2_fudge = o.tau2_fudge;
    job.maxres_A = o.maxres;
    job.ini_high_A = o.ini_high;
    job.seed = o.seed;
    job.batch = o.batch;
    job.continue_from = o.cont;
    job.reference = o.ref;
    job.threads = o.threads;
    job.progress = !o.quiet && !o.no_progress;
    job.quiet = o.quiet;
    THON_CHECK(!o.cont.empty() || !o.ref.empty() || o.k >= 1, "--k ", o.k, " must be at least 1");
    const thon::pipeline::Classify2dReport r = thon::pipeline::run_classify2d(job);
    if (!o.quiet)
      for (const auto& f : r.outputs) std::printf("wrote %s\n", f.c_str());
  });
}

const bool registered = thon::cli::register_command(
    {"classify2d", "2D classification by maximum-likelihood EM (classes, model and data STAR per iteration)", setup});

}  // namespace
