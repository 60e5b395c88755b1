// `thon multislice`: images (and exit waves) of an atomic model by multislice propagation through the
// particle and its ice (docs/multislice.md). The options of thon simulate keep their names and
// meaning; the outputs are those of thon simulate (PREFIX.mrcs, .star, _truth.mrc, .h5) plus the
// exit waves with --save-exit-wave. The driver is host/pipeline/simulate.cpp with method multislice.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/multislice_options.hpp"
#include "pipeline/simulate.hpp"
#include "thon/core/error.hpp"

namespace {

struct Args {
  thon::pipeline::SimulateOptions o;
  std::string device = "auto";
  std::vector<double> angles;
  bool no_noise = false, no_ctf = false, quiet = false, no_hdf5 = false;
};


void run(Args& a, CLI::App& app) {
  using thon::pipeline::SimulateOptions;
  auto& o = a.o;
  o.method = SimulateOptions::Method::multislice;
  const bool dose = app.get_option("--dose")->count() > 0, snr = app.get_option("--snr")->count() > 0;
  THON_CHECK(int(dose) + int(snr) + int(a.no_noise) <= 1, "give one of --dose, --snr, --no-noise");
  o.noise = a.no_noise ? SimulateOptions::Noise::none : (snr ? SimulateOptions::Noise::snr : SimulateOptions::Noise::dose);
  o.apply_ctf = !a.no_ctf;
  o.progress = !a.quiet;
  o.write_hdf5 = !a.no_hdf5;
  o.command_line = thon::cli::command_line(app);
  if (!a.angles.empty()) {
    THON_CHECK(a.angles.size() == 3, "--angles takes rot tilt psi in degrees, got ", a.angles.size(), " numbers");
    o.multislice.has_angles = true;
    o.multislice.rot_deg = a.angles[0];
    o.multislice.tilt_deg = a.angles[1];
    o.multislice.psi_deg = a.angles[2];
  }
  if (!o.poses_path.empty() && app.get_option("--n")->count() == 0) o.n_images = 0;
  THON_CHECK(!o.output_prefix.empty(), "--o: an output prefix is required");
  thon::pipeline::validate(o);
  o.device = thon::parse_device(a.device);
  const auto s = thon::pipeline::simulate(o);
  std::printf("multislice: %lld images of %d x %d pixels (field %d) at %.4g Å/pixel on %s, %lld atoms\n",
              (long long)s.n_images, s.box, s.box, s.field, s.pixel_size_A, thon::to_string(o.device),
              (long long)s.n_atoms);
  std::printf("%d slabs of %.4g Å; largest propagator phase pi lambda dz k_max^2 = %.4g rad%s\n", s.n_slabs,
              o.multislice.slice_thickness_A, s.max_propagator_phase_rad,
              s.max_propagator_phase_rad > 0.25 * 3.14159265358979323846 ? " (above pi/4: use thinner slices)" : "");
  std::printf("time: %.2f s, %.1f slices/s, %.3f s per image, %lld FFTs of %d^2 per image\n", s.total_s,
              s.slices_per_s, s.n_images > 0 ? s.form_s / double(s.n_images) : 0.0, (long long)s.fft_count, s.field);
  for (const auto& path : s.outputs) std::printf("wrote %s\n", path.c_str());
}

void setup(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto& o = a->o;
  o.output_prefix.clear();
  o.n_images = 1;
  o.model_path = "builtin";
  app.add_option(thon::cli::names("model"), o.model_path, "Atomic model (PDB or mmCIF); 'builtin' = the built-in helix bundle")
      ->capture_default_str();
  app.add_option(thon::cli::names("map"), o.map_path, "Potential map (not supported: multislice slices atoms)");
  app.add_option(thon::cli::names("n"), o.n_images, "Number of images (random poses unless --angles or --poses)")->capture_default_str();
  app.add_option(thon::cli::names("angles"), a->angles, "One pose for every image: rot tilt psi in degrees (RELION ZYZ)")->expected(3);
  app.add_option(thon::cli::names("poses", {"ang", "star"}), o.poses_path, "STAR file with rlnAngleRot/Tilt/Psi (origins, defocus used if present)");
  app.add_option(thon::cli::names("box"), o.box, "Particle box in pixels (even): the images")->capture_default_str();
  app.add_option(thon::cli::names("apix", {"angpix"}), o.pixel_size_A, "Pixel size in Å")->capture_default_str();
  app.add_option(thon::cli::names("defocus-min"), o.defocus_min_A, "Smallest mean defocus in Å (underfocus positive), at the particle centre")
      ->capture_default_str();
  app.add_option(thon::cli::names("defocus-max"), o.defocus_max_A, "Largest mean defocus in Å")->capture_default_str();
  app.add_option(thon::cli::names("astig"), o.astig_A, "Largest astigmatism |U - V| in Å (uniform, random angle)")->capture_default_str();
  app.add_option(thon::cli::names("voltage"), o.voltage_kV, "Acceleration voltage in kV")->capture_default_str();
  app.add_option(thon::cli::names("cs"), o.cs_mm, "Spherical aberration in mm")->capture_default_str();
  app.add_option(thon::cli::names("amplitude-contrast", {"ac", "q0"}), o.amplitude_contrast, "Amplitude contrast fraction Q (0 with --absorption-ratio for physical absorption)")
      ->capture_default_str();
  app.add_option(thon::cli::names("phase-shift"), o.phase_shift_deg, "Phase-plate phase shift in degrees")->capture_default_str();
  app.add_option(thon::cli::names("bfactor"), o.bfactor_A2, "CTF B-factor envelope exp(-B s^2/4), Å^2")->capture_default_str();
  app.add_flag(thon::cli::names("no-ctf"), a->no_ctf, "No lens: the intensity of the exit wave");
  app.add_option(thon::cli::names("detector"), o.detector, "ideal | counting | counting:DQE0 | table:MTF_FILE[,DQE_FILE]")
      ->capture_default_str();
  app.add_option(thon::cli::names("dose"), o.dose_e_per_A2, "Poisson shot noise at this dose in e/Å^2 (the default noise)")
      ->capture_default_str();
  app.add_option(thon::cli::names("snr"), o.snr, "Gaussian noise instead: signal variance / noise variance per image");
  app.add_flag(thon::cli::names("no-noise"), a->no_noise, "No noise");
  app.add_option(thon::cli::names("max-shift"), o.max_shift_A, "Random origin shifts up to this radius in Å")->capture_default_str();
  app.add_option(thon::cli::names("seed"), o.seed, "Random seed (poses, defocus, shifts, ice, noise)")->capture_default_str();
  thon::cli::add_multislice_options(app, o.multislice);
  app.add_flag(thon::cli::names("save-exit-wave"), o.multislice.save_exit_wave,
               "Write the exit waves (field x field, complex) as PREFIX_exit_re.mrcs and PREFIX_exit_im.mrcs");
  thon::cli::add_device_option(app, a->device);
  thon::cli::add_threads_option(app);
  app.add_option(thon::cli::names("batch"), o.batch, "Images per batch (0: automatic)")->capture_default_str();
  app.add_option(thon::cli::names("o"), o.output_prefix, "Output prefix: PREFIX.mrcs, PREFIX.star, PREFIX_truth.mrc, PREFIX.h5");
  app.add_flag(thon::cli::names("no-hdf5"), a->no_hdf5, "Do not write PREFIX.h5");
  app.add_flag(thon::cli::names("quiet", {"no-progress"}), a->quiet, "No progress bar");
  app.callback([a, &app] { run(*a, app); });
}

const bool registered = thon::cli::register_command(
    {"multislice", "Images and exit waves of an atomic model by multislice propagation (thick specimens, ice)", setup});

}  // namespace
