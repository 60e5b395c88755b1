// `thon reconstruct`: 3D reconstruction by direct Fourier inversion from particles (RELION STAR, cryoSPARC .cs or thon HDF5)
// (DESIGN.md section 4.6). Writes the map, two half maps, the FSC table and its plot; prints the
// resolution at FSC 0.143.
#include <cstdio>
#include <string>

#include "cli/command.hpp"
#include "pipeline/reconstruct.hpp"
#include "thon/core/error.hpp"

namespace {

struct Options {
  std::string input, image_dir, output = "map.mrc", device, interp = "linear", sym = "C1", mask;
  int pad = 2, batch = 0;
  double maxres = 0, tau2 = 0, wiener = 0, tau2_fudge = 1, mask_diameter = 0, mask_edge = 6;
  bool ctf = false, no_ctf = false, pad_images = false, no_pad_images = false, no_regularisation = false,
       mask_maps = false, quiet = false, no_edge_mask = false;
  unsigned long long seed = 1;
};

void setup(CLI::App& app) {
  static Options o;
  app.add_option(thon::cli::names("i"), o.input, "Particles with poses (and CTF): RELION 3.0/3.1 .star, cryoSPARC .cs or thon .h5")->required();
  app.add_option(thon::cli::names("image-dir", {"img"}), o.image_dir,
                 "Directory the image paths of a .cs file are relative to (default: the .cs file's directory or its parent)");
  app.add_option(thon::cli::names("o"), o.output, "Output map; also <stem>_half1.mrc, <stem>_half2.mrc, <stem>_fsc.star, <stem>_fsc.png")
      ->capture_default_str();
  auto* ctf = app.add_flag(thon::cli::names("ctf"), o.ctf, "Correct for the CTF (default: when the particles have CTF parameters)");
  app.add_flag(thon::cli::names("no-ctf"), o.no_ctf, "Do not correct for the CTF")->excludes(ctf);
  app.add_option(thon::cli::names("pad"), o.pad, "Padding factor of the 3D Fourier grid (1-3)")->capture_default_str();
  app.add_option(thon::cli::names("interp"), o.interp, "Insertion kernel: nearest, linear, cubic")
      ->check(CLI::IsMember({"nearest", "linear", "cubic"}))
      ->capture_default_str();
  auto* pi = app.add_flag(thon::cli::names("pad-images"), o.pad_images,
                          "Zero-pad the images to pad x box before their FFT (default for nearest and cubic at --pad 2, and for --pad 3)");
  app.add_flag(thon::cli::names("no-pad-images"), o.no_pad_images, "Insert box-sized transforms at pad x their frequencies (RELION)")
      ->excludes(pi);
  app.add_option(thon::cli::names("sym"), o.sym, "Point-group symmetry: C<n>, D<n>, T, O, I (I1-I4)")->capture_default_str();
  app.add_option(thon::cli::names("maxres"), o.maxres, "Highest resolution inserted, Å (default Nyquist)");
  auto* tau2 = app.add_option(thon::cli::names("tau2"), o.tau2, "Constant tau^2 (1/tau^2 added to sum(CTF^2)) instead of the FSC-based SSNR");
  auto* wiener = app.add_option(thon::cli::names("wiener"), o.wiener, "Constant Wiener term added to sum(CTF^2) instead of the FSC-based SSNR")
                     ->excludes(tau2);
  app.add_flag(thon::cli::names("no-regularisation"), o.no_regularisation, "Plain division sum(CTF X) / sum(CTF^2) (with a small floor)")
      ->excludes(tau2)
      ->excludes(wiener);
  app.add_option(thon::cli::names("tau2-fudge"), o.tau2_fudge, "Multiplies the FSC-based tau^2 (RELION's --tau2_fudge)")->capture_default_str();
  app.add_option(thon::cli::names("mask-diameter"), o.mask_diameter, "Soft spherical mask of the masked FSC, diameter in Å (default 0.8 box)");
  app.add_option(thon::cli::names("mask-edge", {"width-mask-edge"}), o.mask_edge, "Soft edge of the spherical mask, pixels")->capture_default_str();
  app.add_option(thon::cli::names("mask"), o.mask, "Mask map for the masked FSC instead of the sphere");
  app.add_flag(thon::cli::names("mask-maps"), o.mask_maps, "Multiply the written maps by the mask");
  app.add_flag(thon::cli::names("no-edge-mask"), o.no_edge_mask,
               "Keep the box corners (default: RELION's soft mask outside radius box/2, 3 px edge, background mean)");
  app.add_option(thon::cli::names("batch"), o.batch, "Images per batch (default 256)");
  app.add_option(thon::cli::names("seed"), o.seed, "Seed of the random half-set split (when rlnRandomSubset is absent)")->capture_default_str();
  app.add_flag(thon::cli::names("quiet", {"no-progress"}), o.quiet, "No progress bar");
  thon::cli::add_device_option(app, o.device);
  thon::cli::add_threads_option(app);

  app.callback([] {
    thon::pipeline::ReconstructJob job;
    job.input_star = o.input;
    job.image_directory = o.image_dir;
    job.output_map = o.output;
    job.device = thon::cli::resolve_device(o.device);
    job.pad = o.pad;
    job.interp = thon::parse_interp(o.interp);
    job.pad_images = o.pad_images ? 1 : (o.no_pad_images ? 0 : -1);
    job.symmetry = o.sym;
    job.maxres_A = o.maxres;
    job.ctf = o.ctf ? thon::pipeline::CtfMode::on : (o.no_ctf ? thon::pipeline::CtfMode::off : thon::pipeline::CtfMode::automatic);
    if (o.tau2 > 0 || o.wiener > 0 || o.no_regularisation) {
      job.regularisation = o.tau2 > 0 ? thon::ops::Regularisation::tau2
                                      : (o.wiener > 0 ? thon::ops::Regularisation::wiener : thon::ops::Regularisation::none);
    }
    THON_CHECK(o.tau2 >= 0 && o.wiener >= 0, "--tau2 and --wiener must be positive");
    job.tau2 = o.tau2;
    job.wiener = o.wiener;
    job.tau2_fudge = o.tau2_fudge;
    THON_CHECK(o.batch >= 0, "--batch ", o.batch, " must be positive");
    job.batch = o.batch;
    job.seed = o.seed;
    job.mask_diameter_A = o.mask_diameter;
    job.mask_edge_px = o.mask_edge;
    job.mask_file = o.mask;
    job.mask_maps = o.mask_maps;
    job.edge_mask = !o.no_edge_mask;
    job.progress = !o.quiet;

    const thon::pipeline::ReconstructReport r = thon::pipeline::run_reconstruct(job);
    std::printf("particles: %lld (inserted %lld: half1 %lld, half2 %lld; skipped for NaN/Inf %lld)\n",
                (long long)r.n_particles, (long long)r.n_inserted, (long long)r.n_half[0], (long long)r.n_half[1],
                (long long)r.n_skipped_nonfinite);
    std::printf("box: %d px, pixel size %.4f A, CTF %s, symmetry %s (%d operators), device %s\n", r.box,
                r.pixel_size_A, r.ctf ? "on" : "off", o.sym.c_str(), r.symmetry_order, thon::to_string(job.device));
    std::printf("time_read_s: %.3f\ntime_insert_s: %.3f\ntime_invert_s: %.3f\ntime_fsc_s: %.3f\ntime_total_s: %.3f\n",
                r.time_read_s, r.time_insert_s, r.time_invert_s, r.time_fsc_s, r.time_total_s);
    std::printf("insert_images_per_s: %.1f\n", r.images_per_s);
    std::printf("resolution_0.143_unmasked_A: %.3f\n", r.resolution_unmasked_A);
    std::printf("resolution_0.143_A: %.3f\n", r.resolution_masked_A);
    for (const auto& f : r.outputs) std::printf("wrote %s\n", f.c_str());
    thon::cli::print_stage_report();
  });
}

const bool registered = thon::cli::register_command(
    {"reconstruct", "3D reconstruction by direct Fourier inversion: map, half maps, FSC", setup});

}  // namespace
