// The `thon reconstruct` driver (host/pipeline/reconstruct.hpp): particles -> batches (reader
// thread) -> CTF images -> Fourier insertion into two half-set accumulators -> FSC-regularised
// inversion -> half maps, map, FSC table and plot.
#include "pipeline/reconstruct.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "core/progress.hpp"
#include "io/atomic_file.hpp"
#include "io/png.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"
#include "thon/core/units.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particle_source.hpp"
#include "thon/io/particles.hpp"
#include "thon/io/star.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/fsc.hpp"
#include "thon/ops/reconstruct_maps.hpp"
#include "thon/ops/symmetry.hpp"

namespace thon::pipeline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void warn(const std::string& msg) { std::fprintf(stderr, "thon: warning: %s\n", msg.c_str()); }

/// One batch of particles read from disk.
struct Batch {
  std::int64_t first = 0;
  int count = 0;                      ///< particles of the table in this batch
  std::vector<float> images;          ///< count * box * box (the accepted ones first, compacted)
  std::vector<ops::InsertPose> poses; ///< accepted images only
  std::vector<math::CtfParams> ctf;   ///< accepted images only
  std::int64_t n_nonfinite = 0;
  double read_s = 0;
};

/// Batches of particles of an io::ParticleSource (STAR, .cs or HDF5): images with NaN/Inf are
/// dropped and counted, the others come with their pose and CTF.
class BatchReader {
 public:
  BatchReader(const io::ParticleSource& source, const std::vector<int>& half, double pixel_size_A, bool use_ctf)
      : src_(source), t_(source.table()), half_(half), pixel_size_A_(pixel_size_A), use_ctf_(use_ctf) {}

  void set_box(int box) { box_ = box; }

  Batch load(std::int64_t first, int count) const {
    const auto t0 = Clock::now();
    Batch b;
    b.first = first;
    b.count = count;
    const std::size_t npix = std::size_t(box_) * box_;
    std::vector<float> raw(std::size_t(count) * npix);
    std::vector<unsigned char> ok(std::size_t(count), 1);
    src_.read_images(first, count, raw.data(), ok.data());
    for (unsigned char f : ok) b.n_nonfinite += f ? 0 : 1;
    if (b.n_nonfinite == 0) b.images = std::move(raw);  // every image kept: no copy
    else b.images.reserve(std::size_t(count - b.n_nonfinite) * npix);
    for (int i = 0; i < count; ++i) {
      if (!ok[std::size_t(i)]) continue;
      const io::Particle& p = t_.particles[std::size_t(first + i)];
      ops::InsertPose pose;
      pose.A = math::euler_to_matrix(p.rot_deg, p.tilt_deg, p.psi_deg);
      pose.shift_x_px = p.origin_x_A / pixel_size_A_;
      pose.shift_y_px = p.origin_y_A / pixel_size_A_;
      pose.half = half_[std::size_t(first + i)];
      b.poses.push_back(pose);
      if (use_ctf_) {
        b.ctf.push_back(t_.ctf_of(p));
      }
      if (b.n_nonfinite == 0) continue;
      const float* src = raw.data() + std::size_t(i) * npix;
      b.images.insert(b.images.end(), src, src + npix);
    }
    b.read_s = seconds_since(t0);
    return b;
  }

 private:
  const io::ParticleSource& src_;
  const io::ParticleTable& t_;
  const std::vector<int>& half_;
  int box_ = 0;
  double pixel_size_A_;
  bool use_ctf_;
};

std::string stem_of(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / p.stem()).string();
}

/// Soft spherical mask or a mask map, as a volume of the box.
Volume<float> make_mask(const ReconstructJob& job, int box, double pixel_size_A) {
  if (!job.mask_file.empty()) {
    Volume<float> m = io::read_mrc_volume(job.mask_file);
    THON_CHECK(m.nx() == box && m.ny() == box && m.nz() == box, job.mask_file, ": mask is ", m.nx(), " x ",
               m.ny(), " x ", m.nz(), ", the particles are ", box, " px");
    return m;
  }
  Volume<float> m = Volume<float>::cube(box, pixel_size_A);
  std::fill(m.begin(), m.end(), 1.f);
  const double diameter_px = job.mask_diameter_A > 0 ? job.mask_diameter_A / pixel_size_A : 0.8 * box;
  THON_CHECK(diameter_px > 0, "--mask_diameter ", job.mask_diameter_A, " must be positive");
  ops::apply_soft_sphere_mask(m, 0.5 * diameter_px, job.mask_edge_px);
  return m;
}

void write_fsc_table(const std::string& path, const ReconstructReport& r) {
  io::StarFile star;
  io::StarBlock general("general", false);
  general.set_number(0, general.add_column("rlnFinalResolution"),
                     std::isfinite(r.resolution_masked_A) ? r.resolution_masked_A : 999.0);
  general.set_number(0, general.add_column("rlnUnmaskedMapResolution"),
                     std::isfinite(r.resolution_unmasked_A) ? r.resolution_unmasked_A : 999.0);
  star.add_block(std::move(general));
  io::StarBlock fsc("fsc", true);
  const int c_idx = fsc.add_column("rlnSpectralIndex"), c_res = fsc.add_column("rlnResolution"),
            c_ang = fsc.add_column("rlnAngstromResolution"),
            c_un = fsc.add_column("rlnFourierShellCorrelationUnmaskedMaps"),
            c_ma = fsc.add_column("rlnFourierShellCorrelationMaskedMaps"), c_ssnr = fsc.add_column("rlnSsnrMap");
  for (std::size_t s = 0; s < r.fsc_unmasked.size(); ++s) {
    const std::int64_t row = fsc.add_row();
    const double f = double(s) / (r.box * r.pixel_size_A);
    fsc.set_integer(row, c_idx, (long long)s);
    fsc.set_number(row, c_res, s == 0 ? 1.0 / 999.0 : f);
    fsc.set_number(row, c_ang, s == 0 ? 999.0 : 1.0 / f);
    fsc.set_number(row, c_un, r.fsc_unmasked[s]);
    fsc.set_number(row, c_ma, s < r.fsc_masked.size() ? r.fsc_masked[s] : 0.0);
    fsc.set_number(row, c_ssnr, s < r.ssnr.size() ? r.ssnr[s] : 0.0);
  }
  star.add_block(std::move(fsc));
  star.write(path);
}

void write_fsc_plot(const std::string& path, const ReconstructReport& r) {
  io::PlotOptions opt;
  char title[160];
  std::snprintf(title, sizeof title, "FSC of the half maps: %.2f A masked, %.2f A unmasked at 0.143",
                r.resolution_masked_A, r.resolution_unmasked_A);
  opt.title = title;
  opt.x_label = "resolution (1/A)";
  opt.y_label = "FSC";
  opt.auto_y = false;
  opt.y_min = -0.1;
  opt.y_max = 1.05;
  opt.horizontal_lines = {0.0, 0.143, 0.5};
  io::PlotSeries un, ma;
  for (std::size_t s = 0; s < r.fsc_unmasked.size(); ++s) {
    const double f = double(s) / (r.box * r.pixel_size_A);
    un.x.push_back(f);
    un.y.push_back(r.fsc_unmasked[s]);
    ma.x.push_back(f);
    ma.y.push_back(s < r.fsc_masked.size() ? r.fsc_masked[s] : 0.0);
  }
  un.label = "unmasked";
  ma.label = "masked";
  io::write_line_plot_png(path, {un, ma}, opt);
}

}  // namespace

std::vector<std::string> reconstruct_output_paths(const std::string& output_map) {
  const std::string s = stem_of(output_map);
  return {output_map, s + "_half1.mrc", s + "_half2.mrc", s + "_fsc.star", s + "_fsc.png"};
}

ReconstructReport run_reconstruct(const ReconstructJob& job) {
  const auto t_start = Clock::now();
  ReconstructReport rep;
  const std::vector<std::string> outputs = reconstruct_output_paths(job.output_map);
  for (const std::string& o : outputs) io::check_writable_path(o, "--o");

  // --- particles, geometry and checks -----------------------------------------------------------
  // STAR + MRC, cryoSPARC .cs + MRC or thon HDF5; every image is checked to exist here.
  io::ParticleSourceOptions source_options;
  source_options.image_directory = job.image_directory;
  const io::ParticleSource particles(job.input_star, source_options);
  const io::ParticleTable& table = particles.table();
  THON_CHECK(!table.particles.empty(), job.input_star, ": no particles");
  THON_CHECK(table.present.angles, job.input_star,
             ": the particles have no poses (rlnAngleRot, rlnAngleTilt, rlnAnglePsi): reconstruction needs them");
  rep.n_particles = std::int64_t(table.particles.size());

  std::set<int> groups_used;
  for (const io::Particle& p : table.particles) groups_used.insert(p.optics_group);
  const io::OpticsGroup& og0 = table.optics_of(table.particles[0]);
  double pixel_A = og0.pixel_size_A;
  if (!table.present.pixel_size) {  // RELION 3.0 file without pixel size: the first stack's header says
    const io::ParticleImageFile& first = particles.image_files().front();
    pixel_A = first.pixel_size_A;
    THON_CHECK(pixel_A > 0, job.input_star, ": no pixel size in the STAR file (rlnImagePixelSize) nor in the header of ",
               first.path);
    warn(job.input_star + ": no pixel size in the STAR file; using " + std::to_string(pixel_A) + " Å from " + first.path);
  }
  THON_CHECK(pixel_A > 0, job.input_star, ": pixel size ", pixel_A, " Å of optics group ", og0.number);
  for (const io::Particle& p : table.particles) {
    if (!table.present.pixel_size) break;
    const io::OpticsGroup& og = table.optics_of(p);
    THON_CHECK_CODE(std::abs(og.pixel_size_A - pixel_A) <= 1e-6 * pixel_A, unsupported, job.input_star,
                    ": optics groups ", og0.number, " and ", og.number, " have pixel sizes ", pixel_A, " and ",
                    og.pixel_size_A, " Å; reconstructing from several pixel sizes is not supported");
  }

  const bool use_ctf = job.ctf == CtfMode::on || (job.ctf == CtfMode::automatic && table.present.ctf);
  THON_CHECK(!(job.ctf == CtfMode::on && !table.present.ctf), job.input_star,
             ": --ctf asks for CTF correction but the file has no rlnDefocusU/rlnDefocusV columns");
  rep.ctf = use_ctf;

  // Half-sets: rlnRandomSubset when present (1 or 2), else a seeded random split into equal halves.
  std::vector<int> half(table.particles.size());
  bool subsets_ok = table.present.random_subset;
  std::int64_t in_subset[3] = {0, 0, 0};
  if (subsets_ok)
    for (const io::Particle& p : table.particles) {
      subsets_ok = subsets_ok && (p.random_subset == 1 || p.random_subset == 2);
      if (subsets_ok) ++in_subset[p.random_subset];
    }
  if (subsets_ok && in_subset[1] > 0 && in_subset[2] > 0) {
    for (std::size_t i = 0; i < half.size(); ++i) half[i] = table.particles[i].random_subset - 1;
  } else {
    if (table.present.random_subset)
      warn(job.input_star + ": rlnRandomSubset does not split the particles into two non-empty halves 1 and 2; "
           "splitting them at random (--seed) instead");
    std::vector<std::size_t> order(half.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::mt19937_64 rng(job.seed);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i = 0; i < order.size(); ++i) half[order[i]] = int(i % 2);
  }

  BatchReader src(particles, half, pixel_A, use_ctf);
  // Image size from the stacks: all the same and square; pixel size in the headers vs the STAR file.
  int box = og0.image_size;
  std::string box_from = job.input_star + " (rlnImageSize)";
  for (const io::ParticleImageFile& h : particles.image_files()) {
    const std::string& path = h.path;
    THON_CHECK(h.nx == h.ny, path, ": images are ", h.nx, " x ", h.ny, "; reconstruction needs square images");
    if (box <= 0) {
      box = h.nx;
      box_from = path;
    }
    THON_CHECK(h.nx == box, "particles of different sizes: ", path, " holds ", h.nx, " x ", h.ny, " images, ",
               box_from, " says ", box, " x ", box);
    const double hp = h.pixel_size_A;
    if (table.present.pixel_size && hp > 0 && std::abs(hp - pixel_A) > 1e-3 * pixel_A)
      warn(path + ": pixel size " + std::to_string(hp) + " Å in the MRC header differs from " +
           std::to_string(pixel_A) + " Å in " + job.input_star + "; using the STAR file's value (as RELION does)");
  }
  rep.box = box;
  rep.pixel_size_A = pixel_A;

  ops::ReconstructGeometry geom;
  geom.box = box;
  geom.pad = job.pad;
  geom.kernel = job.interp;
  geom.pixel_size_A = pixel_A;
  geom.maxres_A = job.maxres_A;
  geom.pad_images = job.pad_images < 0 ? ops::default_pad_images(job.interp, job.pad) : job.pad_images != 0;
  (void)geom.insert_geometry();  // validates pad, maxres vs Nyquist, kernel

  const PointGroup group = make_point_group(job.symmetry);
  rep.symmetry_order = group.order();

  src.set_box(box);
  const std::int64_t n = rep.n_particles;
  auto inserter = ops::make_fourier_inserter(job.device, geom, group.ops, job.max_memory_bytes);
  // --batch, else the backend's preference (the CUDA chunk that fits free device memory), else 256.
  int batch = job.batch > 0 ? job.batch : (inserter->preferred_batch() > 0 ? inserter->preferred_batch() : 256);
  batch = int(std::min<std::int64_t>(batch, n));

  // --- stream: read batch i+1 while batch i is inserted -------------------------------------------
  Progress progress("reconstruct", n, "images", job.progress);
  std::future<Batch> next = std::async(std::launch::async, [&] { return src.load(0, int(std::min<std::int64_t>(batch, n))); });
  for (std::int64_t first = 0; first < n; first += batch) {
    Batch b = next.get();
    const std::int64_t nf = first + batch;
    if (nf < n) next = std::async(std::launch::async, [&src, nf, batch, n] {
      return src.load(nf, int(std::min<std::int64_t>(batch, n - nf)));
    });
    rep.time_read_s += b.read_s;
    rep.n_skipped_nonfinite += b.n_nonfinite;
    const auto t0 = Clock::now();
    const int k = int(b.poses.size());
    if (k > 0) {
      if (use_ctf) inserter->insert_ctf(b.images.data(), b.ctf.data(), b.poses.data(), k);
      else inserter->insert(b.images.data(), nullptr, b.poses.data(), k);
      for (const auto& p : b.poses) ++rep.n_half[p.half];
      rep.n_inserted += k;
    }
    rep.time_insert_s += seconds_since(t0);
    progress.advance(b.count);
  }
  progress.finish();
  rep.images_per_s = rep.time_insert_s > 0 ? double(rep.n_inserted) / rep.time_insert_s : 0.0;
  if (rep.n_skipped_nonfinite > 0)
    warn(std::to_string(rep.n_skipped_nonfinite) + " of " + std::to_string(n) +
         " images contain NaN or Inf values and were skipped");
  THON_CHECK(rep.n_half[0] > 0 && rep.n_half[1] > 0, job.input_star, ": half-sets of ", rep.n_half[0], " and ",
             rep.n_half[1], " usable images; each half needs at least one");

  // --- inversion, where the accumulators are (ops/reconstruct_maps.hpp) ---------------------------
  const auto t_inv = Clock::now();
  std::unique_ptr<ops::MapMaker> maps = ops::make_map_maker(job.device, std::move(inserter));
  enum Slot { kFull, kHalf0, kHalf1, kPlain0, kPlain1, kMasked0, kMasked1 };
  const std::vector<double> w0 = maps->shell_mean_weight(1), w1 = maps->shell_mean_weight(2),
                            wf = maps->shell_mean_weight(3);
  std::vector<double> it0, it1, itf;
  rep.ssnr.assign(std::size_t(box / 2 + 1), 0.0);
  switch (job.regularisation) {
    case ops::Regularisation::fsc: {
      // SSNR from the FSC of the plainly divided half maps (RELION's tau^2 update from the FSC).
      maps->invert(kPlain0, 1, {});
      maps->invert(kPlain1, 2, {});
      if (job.edge_mask)
        for (int sl : {kPlain0, kPlain1}) maps->soften_outside_sphere(sl, 0.5 * box);
      const std::vector<double> f0 = maps->fsc(kPlain0, kPlain1);
      maps->release(kPlain0);
      maps->release(kPlain1);
      it0 = ops::inv_tau2_from_fsc(f0, w0, false, job.tau2_fudge);
      it1 = ops::inv_tau2_from_fsc(f0, w1, false, job.tau2_fudge);
      itf = ops::inv_tau2_from_fsc(f0, wf, true, job.tau2_fudge);
      for (std::size_t s = 0; s < rep.ssnr.size() && s < f0.size(); ++s) rep.ssnr[s] = math::ssnr_from_fsc(f0[s], false);
      break;
    }
    case ops::Regularisation::tau2:
      THON_CHECK(job.tau2 > 0, "--tau2 ", job.tau2, " must be positive");
      it0.assign(w0.size(), 1.0 / job.tau2);
      it1 = itf = it0;
      break;
    case ops::Regularisation::wiener:
      THON_CHECK(job.wiener > 0, "--wiener ", job.wiener, " must be positive");
      it0.assign(w0.size(), job.wiener);
      it1 = itf = it0;
      break;
    case ops::Regularisation::none: break;
  }
  maps->invert(kHalf0, 1, it0);
  maps->invert(kHalf1, 2, it1);
  maps->invert(kFull, 3, itf);
  if (job.edge_mask)  // as RELION does to every reconstruction: no noise in the corners
    for (int sl : {kHalf0, kHalf1, kFull}) maps->soften_outside_sphere(sl, 0.5 * box);
  rep.time_invert_s = seconds_since(t_inv);

  // --- FSC ---------------------------------------------------------------------------------------
  const auto t_fsc = Clock::now();
  maps->set_mask(make_mask(job, box, pixel_A));
  rep.fsc_unmasked = maps->fsc(kHalf0, kHalf1);
  maps->multiply_mask(kMasked0, kHalf0);
  maps->multiply_mask(kMasked1, kHalf1);
  rep.fsc_masked = maps->fsc(kMasked0, kMasked1);
  rep.resolution_unmasked_A = fsc_resolution(rep.fsc_unmasked, 0.143, box, pixel_A).resolution_A;
  rep.resolution_masked_A = fsc_resolution(rep.fsc_masked, 0.143, box, pixel_A).resolution_A;
  rep.time_fsc_s = seconds_since(t_fsc);
  if (job.mask_maps) {
    maps->multiply_mask(kFull, kFull);
    maps->release(kHalf0);
    maps->release(kHalf1);
  } else {
    maps->release(kMasked0);
    maps->release(kMasked1);
  }
  Volume<float> full = maps->take(kFull);
  Volume<float> half0 = maps->take(job.mask_maps ? kMasked0 : kHalf0);
  Volume<float> half1 = maps->take(job.mask_maps ? kMasked1 : kHalf1);
  maps.reset();
  for (Volume<float>* v : {&full, &half0, &half1}) v->set_pixel_size_A(pixel_A);

  // --- outputs: all or none ----------------------------------------------------------------------
  io::AtomicOutputSet out;
  io::write_mrc(out.add(outputs[0]), full);
  io::write_mrc(out.add(outputs[1]), half0);
  io::write_mrc(out.add(outputs[2]), half1);
  write_fsc_table(out.add(outputs[3]), rep);
  write_fsc_plot(out.add(outputs[4]), rep);
  out.commit_all();
  rep.outputs = outputs;
  rep.time_total_s = seconds_since(t_start);
  return rep;
}

}  // namespace thon::pipeline
