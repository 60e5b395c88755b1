// The multislice image path of the simulate driver (host/pipeline/multislice.hpp).
#include "pipeline/multislice.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "thon/core/error.hpp"
#include "thon/ops/detector.hpp"

namespace thon::pipeline {

namespace {
bool finite(double x) { return std::isfinite(x); }

struct ProgressContext {
  Progress* progress;
  int batch;
};
void advance(void* ctx, int /*slabs_done*/) {
  auto* c = static_cast<ProgressContext*>(ctx);
  if (c->progress) c->progress->advance(c->batch);
}
}  // namespace

void validate_multislice(const SimulateOptions& o) {
  const MultisliceOptions& m = o.multislice;
  THON_CHECK(o.map_path.empty(), "--method multislice slices atoms: give --model (or the built-in model), not --map");
  THON_CHECK(o.tilt_angle_deg == 0, "--tilt-angle is not used by multislice: tilt the specimen through the pose");
  THON_CHECK(finite(m.slice_thickness_A) && m.slice_thickness_A > 0, "--slice-thickness must be positive, got ",
             m.slice_thickness_A, " Å");
  THON_CHECK(finite(m.ice_thickness_A) && m.ice_thickness_A >= 0, "--ice-thickness must be >= 0, got ",
             m.ice_thickness_A, " Å");
  THON_CHECK(finite(m.depth_A), "--depth must be finite");
  THON_CHECK(m.ice == "constant" || m.ice == "random", "--ice must be constant or random, got ", m.ice);
  THON_CHECK(finite(m.ice_potential_V) && m.ice_potential_V >= 0, "--ice-potential must be >= 0 V, got ", m.ice_potential_V);
  THON_CHECK(m.field >= 0 && m.field % 2 == 0, "--field must be even and >= 0 (0: the box), got ", m.field);
  THON_CHECK(m.field == 0 || m.field >= o.box, "--field ", m.field, " pixels is smaller than the particle box (--box ",
             o.box, ")");
  THON_CHECK(finite(m.source_alpha_mrad) && m.source_alpha_mrad >= 0, "--source-alpha must be >= 0 mrad, got ",
             m.source_alpha_mrad);
  THON_CHECK(finite(m.focal_spread_A) && m.focal_spread_A >= 0, "--focal-spread must be >= 0 Å, got ", m.focal_spread_A);
  THON_CHECK(!m.has_angles || (finite(m.rot_deg) && finite(m.tilt_deg) && finite(m.psi_deg)),
             "--angles must be three finite numbers");
  THON_CHECK(!m.has_angles || o.poses_path.empty(), "give --angles or --poses, not both");
}

MultisliceImager::MultisliceImager(const SimulateOptions& o, std::vector<io::Atom> atoms, int box, double pixel_size_A,
                                   const math::DetectorModel& detector, std::int64_t n_images)
    : o_(o), atoms_(std::move(atoms)), detector_(detector) {
  validate_multislice(o);
  const MultisliceOptions& m = o.multislice;
  centre_A_ = io::centre_of_mass(atoms_);
  s_.field = m.field > 0 ? m.field : box;
  s_.box = box;
  s_.pixel_size_A = pixel_size_A;
  s_.voltage_kV = o.voltage_kV;
  s_.slice_thickness_A = m.slice_thickness_A;
  s_.ice_thickness_A = m.ice_thickness_A;
  s_.depth_A = m.depth_A < 0 ? 0.5 * m.ice_thickness_A : m.depth_A;
  s_.ice = m.ice_thickness_A <= 0 ? math::IceModel::none
                                  : (m.ice == "random" ? math::IceModel::random : math::IceModel::constant);
  s_.ice_potential_V = m.ice_potential_V;
  s_.absorption_ratio = m.absorption_ratio;
  s_.mean_free_path_A = m.mean_free_path_A;
  s_.beam_tilt_x_mrad = m.beam_tilt_x_mrad;
  s_.beam_tilt_y_mrad = m.beam_tilt_y_mrad;
  s_.aperture_mrad = m.aperture_mrad;
  s_.seed = o.seed;
  ops::prepare_multislice(s_, ops::particle_radius_A(atoms_, centre_A_, 0));
  const double phase = ops::max_propagator_phase_rad(s_);
  if (o.progress)
    std::fprintf(stderr, "multislice: %d slabs of %.4g Å through %.4g Å, field %d px; largest propagator phase "
                 "pi lambda dz k_max^2 = %.3g rad\n", s_.n_slabs, s_.slice_thickness_A, s_.thickness_A, s_.field, phase);
  if (phase > 0.25 * 3.14159265358979323846)
    std::fprintf(stderr, "thon: warning: the largest propagator phase %.3g rad is above pi/4: thinner slices "
                 "(--slice-thickness) or a coarser pixel make the propagation more accurate\n", phase);
  progress_ = std::make_unique<Progress>("multislice", n_images * s_.n_slabs, "slices", o.progress);
}

MultisliceImager::~MultisliceImager() = default;

void MultisliceImager::open_outputs(io::AtomicOutputSet& outputs) {
  if (!o_.multislice.save_exit_wave) return;
  exit_re_ = o_.output_prefix + "_exit_re.mrcs";
  exit_im_ = o_.output_prefix + "_exit_im.mrcs";
  exit_re_writer_ = std::make_unique<io::MrcStackWriter>(outputs.add(exit_re_), s_.field, s_.field, s_.pixel_size_A);
  exit_im_writer_ = std::make_unique<io::MrcStackWriter>(outputs.add(exit_im_), s_.field, s_.field, s_.pixel_size_A);
}

std::int64_t MultisliceImager::fft_count() const { return ops::multislice_fft_count(s_, o_.multislice.save_exit_wave); }

std::vector<std::string> MultisliceImager::exit_wave_paths() const {
  if (exit_re_.empty()) return {};
  return {exit_re_, exit_im_};
}

void MultisliceImager::form(const Mat3<double>* poses, const math::ImageParticle* particles, int count, float* images) {
  const index_t nf = index_t(s_.field) * s_.field, nb = index_t(s_.box) * s_.box;
  // About 24 bytes per field pixel per particle in flight: sub-batches of ~256 MiB.
  const int sub = int(std::clamp<index_t>(index_t(256) * 1024 * 1024 / (24 * nf), 1, std::max(count, 1)));
  std::vector<math::ImageParticle> parts(particles, particles + count);
  for (math::ImageParticle& p : parts) {
    if (o_.apply_ctf) {
      p.ctf.source_alpha_mrad = o_.multislice.source_alpha_mrad;
      p.ctf.focal_spread_A = o_.multislice.focal_spread_A;
    } else {
      // No lens: the intensity of the exit wave itself (defocus 0 at the exit surface).
      p.ctf = math::CtfParams{};
      p.ctf.voltage_kV = o_.voltage_kV;
      p.ctf.cs_mm = 0;
      p.ctf.amplitude_contrast = 0;
      p.ctf.defocus_u_A = p.ctf.defocus_v_A = -(s_.z_entrance_A + s_.thickness_A);
    }
    p.ctf.prepare();
  }
  std::vector<Complex<float>> exit(exit_re_writer_ ? std::size_t(sub) * std::size_t(nf) : 0);
  std::vector<float> re, im;
  for (int first = 0; first < count; first += sub) {
    const int k = std::min(sub, count - first);
    ProgressContext ctx{progress_.get(), k};
    const auto t0 = std::chrono::steady_clock::now();
    ops::multislice_images(o_.device, atoms_, centre_A_, s_, poses + first, parts.data() + first, k,
                           images + first * nb, exit.empty() ? nullptr : exit.data(), advance, &ctx);
    run_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    slices_ += std::int64_t(k) * s_.n_slabs;
    if (!exit.empty()) {
      re.resize(std::size_t(k) * std::size_t(nf));
      im.resize(re.size());
      for (std::size_t i = 0; i < re.size(); ++i) {
        re[i] = exit[i].re;
        im[i] = exit[i].im;
      }
      exit_re_writer_->append(re.data(), k);
      exit_im_writer_->append(im.data(), k);
    }
  }
  // The detector and the noise of thon simulate on the intensity (vacuum = 1), then the written
  // convention.
  ops::NoiseParams noise;
  noise.kind = o_.noise == SimulateOptions::Noise::dose
                   ? ops::NoiseKind::poisson
                   : (o_.noise == SimulateOptions::Noise::snr ? ops::NoiseKind::gaussian : ops::NoiseKind::none);
  noise.dose_e_per_A2 = o_.dose_e_per_A2;
  noise.snr = o_.snr;
  noise.seed = o_.seed;
  if (noise.kind != ops::NoiseKind::none || detector_.kind != math::DetectorKind::ideal)
    ops::detect(o_.device, images, count, s_.box, s_.box, s_.pixel_size_A, detector_, noise, particles[0].index);
  const double scale =
      noise.kind == ops::NoiseKind::poisson ? 1.0 / (o_.dose_e_per_A2 * s_.pixel_size_A * s_.pixel_size_A) : 1.0;
  for (index_t i = 0; i < nb * count; ++i) images[i] = float(1.0 - scale * images[i]);
}

void MultisliceImager::commit() {
  progress_->finish();
  if (exit_re_writer_) {
    exit_re_writer_->commit();
    exit_im_writer_->commit();
  }
}

}  // namespace thon::pipeline
