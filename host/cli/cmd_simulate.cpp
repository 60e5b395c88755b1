// `thon simulate`: a particle data set (stack, RELION STAR with the true parameters, truth map) from an
// atomic model or a map. The driver is host/pipeline/simulate.cpp; docs/simulate.md explains the model.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "cli/multislice_options.hpp"
#include "pipeline/simulate.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/builtin_model.hpp"

namespace {

struct Args {
  thon::pipeline::SimulateOptions o;
  std::string device = "auto";
  std::string noise_flag;
  bool no_noise = false;
  bool no_ctf = false;
  bool quiet = false;
  bool no_hdf5 = false;
  bool png = false;
  std::string write_builtin;
  std::string method = "projection";
};


void run(Args& a, CLI::App& app) {
  using thon::pipeline::SimulateOptions;
  if (!a.write_builtin.empty()) {
    thon::ops::write_builtin_model_pdb(a.write_builtin);
    std::printf("wrote the built-in model to %s\n", a.write_builtin.c_str());
    if (a.o.output_prefix.empty()) return;
  }
  const bool dose = app.get_option("--dose")->count() > 0, snr = app.get_option("--snr")->count() > 0;
  THON_CHECK(int(dose) + int(snr) + int(a.no_noise) <= 1, "give one of --dose, --snr, --no-noise");
  a.o.noise = a.no_noise ? SimulateOptions::Noise::none : (snr ? SimulateOptions::Noise::snr : SimulateOptions::Noise::dose);
  a.o.apply_ctf = !a.no_ctf;
  a.o.progress = !a.quiet;
  a.o.write_hdf5 = !a.no_hdf5;
  a.o.command_line = thon::cli::command_line(app);
  THON_CHECK(a.method == "projection" || a.method == "multislice", "--method must be projection or multislice, got ",
             a.method);
  if (a.method == "multislice") a.o.method = thon::pipeline::SimulateOptions::Method::multislice;
  // With --poses and no --n, every pose of the file is used.
  if (!a.o.poses_path.empty() && app.get_option("--n")->count() == 0) a.o.n_images = 0;
  // A map brings its own box and pixel size unless they are given.
  if (!a.o.map_path.empty()) {
    if (app.get_option("--box")->count() == 0) a.o.box = 0;
    if (app.get_option("--apix")->count() == 0) a.o.pixel_size_A = 0;
  }
  THON_CHECK(!a.o.output_prefix.empty(), "--o: an output prefix is required");
  thon::pipeline::validate(a.o);  // before the device is probed: bad options fail fast
  a.o.device = thon::cli::resolve_device(a.device);
  const auto s = thon::pipeline::simulate(a.o);
  std::printf("simulated %lld images of %d x %d pixels at %.4g Å/pixel on %s (%s%s)\n", (long long)s.n_images, s.box,
              s.box, s.pixel_size_A, thon::to_string(a.o.device),
              s.n_atoms > 0 ? (std::to_string(s.n_atoms) + " atoms").c_str() : "map input",
              a.o.apply_ctf ? ", CTF applied" : ", no CTF");
  std::printf("time: potential %.2f s, projector %.2f s, images %.2f s (%.0f images/s), total %.2f s\n", s.potential_s,
              s.projector_s, s.images_s, s.images_s > 0 ? double(s.n_images) / s.images_s : 0.0, s.total_s);
  std::printf("time per image: slices %.3f ms, image formation %.3f ms, writing %.3f ms (overlapped)\n", 1e3 * s.project_s / s.n_images,
              1e3 * s.form_s / s.n_images, 1e3 * s.write_s / s.n_images);
  for (const auto& path : s.outputs) std::printf("wrote %s\n", path.c_str());
  if (a.png) std::printf("wrote %s\n", thon::cli::write_stack_montage(a.o.output_prefix + ".mrcs", a.o.output_prefix + ".png").c_str());
  thon::cli::print_stage_report();
}

void setup(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto& o = a->o;
  o.output_prefix.clear();
  app.add_option(thon::cli::names("model"), o.model_path, "Atomic model (PDB or mmCIF); 'builtin' (default) = the built-in helix bundle");
  app.add_option(thon::cli::names("map"), o.map_path, "Potential map (MRC) instead of a model; --box/--apix default to the map's");
  app.add_option(thon::cli::names("n"), o.n_images, "Number of images (default 1000; with --poses, all of its rows)")->capture_default_str();
  app.add_option(thon::cli::names("box"), o.box, "Particle box in pixels (even)")->capture_default_str();
  app.add_option(thon::cli::names("apix", {"angpix"}), o.pixel_size_A, "Pixel size in Å")->capture_default_str();
  app.add_option(thon::cli::names("poses", {"ang", "star"}), o.poses_path,
                 "Poses: RELION .star with rlnAngleRot/Tilt/Psi, cryoSPARC .cs or thon .h5 (its origins, defocus and rlnRandomSubset are used when present)");
  app.add_option(thon::cli::names("defocus-min"), o.defocus_min_A, "Smallest mean defocus in Å (underfocus positive)")->capture_default_str();
  app.add_option(thon::cli::names("defocus-max"), o.defocus_max_A, "Largest mean defocus in Å")->capture_default_str();
  app.add_option(thon::cli::names("astig"), o.astig_A, "Largest astigmatism |U - V| in Å (uniform, random angle)")->capture_default_str();
  app.add_option(thon::cli::names("voltage"), o.voltage_kV, "Acceleration voltage in kV")->capture_default_str();
  app.add_option(thon::cli::names("cs"), o.cs_mm, "Spherical aberration in mm")->capture_default_str();
  app.add_option(thon::cli::names("amplitude-contrast", {"ac", "q0"}), o.amplitude_contrast, "Amplitude contrast fraction Q")->capture_default_str();
  app.add_option(thon::cli::names("phase-shift"), o.phase_shift_deg, "Phase-plate phase shift in degrees")->capture_default_str();
  app.add_option(thon::cli::names("bfactor"), o.bfactor_A2, "CTF B-factor envelope exp(-B s^2/4), Å^2")->capture_default_str();
  app.add_flag(thon::cli::names("no-ctf"), a->no_ctf, "Perfect phase contrast: no CTF (images are 2 sigma V_z)");
  app.add_option(thon::cli::names("tilt-angle"), o.tilt_angle_deg, "Specimen tilt in degrees (defocus varies across the image)")
      ->capture_default_str();
  app.add_option(thon::cli::names("tilt-axis"), o.tilt_axis_deg, "Tilt axis angle from +x toward +y in degrees")->capture_default_str();
  app.add_option(thon::cli::names("tilt-handedness"), o.tilt_handedness, "+1: the +d side of the axis is more underfocus; or -1")
      ->capture_default_str();
  app.add_option(thon::cli::names("tilt-strip-width"), o.tilt_strip_width_A, "Width in Å of the strips of constant defocus (tilted specimen); 0: exact per pixel (small boxes)")
      ->capture_default_str();
  app.add_option(thon::cli::names("detector"), o.detector, "ideal | counting | counting:DQE0 | table:MTF_FILE[,DQE_FILE]")
      ->capture_default_str();
  app.add_option(thon::cli::names("dose"), o.dose_e_per_A2, "Poisson shot noise at this dose in e/Å^2 (the default noise)")
      ->capture_default_str();
  app.add_option(thon::cli::names("snr"), o.snr, "Gaussian noise instead: signal variance / noise variance per image");
  app.add_flag(thon::cli::names("no-noise"), a->no_noise, "No noise");
  app.add_option(thon::cli::names("max-shift"), o.max_shift_A, "Random origin shifts up to this radius in Å")->capture_default_str();
  app.add_option(thon::cli::names("subsets"), o.subsets, "rlnRandomSubset: alternating or random")->capture_default_str();
  app.add_option(thon::cli::names("seed"), o.seed, "Random seed (poses, defocus, shifts, noise)")->capture_default_str();
  thon::cli::add_device_option(app, a->device);
  thon::cli::add_threads_option(app);
  app.add_option(thon::cli::names("batch"), o.batch, "Images per batch (0: automatic)")->capture_default_str();
  app.add_option(thon::cli::names("o"), o.output_prefix, "Output prefix: writes PREFIX.mrcs, PREFIX.star, PREFIX_truth.mrc, PREFIX.h5");
  app.add_option(thon::cli::names("write-builtin-model"), a->write_builtin, "Write the built-in model as a PDB file (and stop unless --o)");
  app.add_flag(thon::cli::names("png"), a->png, "Also write PREFIX.png: a montage of the first 16 images");
  app.add_flag(thon::cli::names("no-hdf5"), a->no_hdf5, "Do not write PREFIX.h5 (thon's HDF5 dataset: images, particles, provenance)");
  app.add_flag(thon::cli::names("quiet", {"no-progress"}), a->quiet, "No progress bar");
  app.add_option(thon::cli::names("method"), a->method, "Image formation: projection (weak-phase projection) or multislice")
      ->capture_default_str();
  thon::cli::add_multislice_options(app, o.multislice);
  app.callback([a, &app] { run(*a, app); });
}

const bool registered =
    thon::cli::register_command({"simulate", "Simulate particle images from an atomic model or a map", setup});

}  // namespace
