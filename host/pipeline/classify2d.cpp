// The `thon classify2d` driver (host/pipeline/classify2d.hpp): particles -> masked, centred
// transforms and CTFs (held for the run) -> EM iterations on the chosen engine -> per iteration the
// class averages, model and data STAR files, the montage and a checkpoint, all or none.
#include "pipeline/classify2d.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include "core/progress.hpp"
#include "cpu/classify2d.hpp"
#include "io/atomic_file.hpp"
#include "io/png.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particle_source.hpp"
#include "thon/io/particles.hpp"
#include "thon/io/star.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/fourier_grid.hpp"
#include "thon/ops/classify2d.hpp"
#include "thon/ops/fft.hpp"

namespace thon::pipeline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr char kCheckpointMagic[8] = {'T', 'H', 'O', 'N', 'C', '2', 'D', '1'};

/// FNV-1a over the image names and the box: identifies the dataset of a checkpoint.
std::uint64_t dataset_hash(const io::ParticleTable& t, int box) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, std::size_t n) {
    const unsigned char* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ c[i]) * 1099511628211ull;
  };
  for (const io::Particle& p : t.particles) mix(p.image_name.data(), p.image_name.size() + 1);
  mix(&box, sizeof box);
  return h;
}

struct Checkpoint {
  int iteration = 0, r_limit = 0, r_first = 0;
  std::int64_t n_particles = 0;
  std::uint64_t hash = 0;
  ops::Classify2dModel model;
  std::vector<int> class_of;  ///< 0-based, -1 unset
};

template <class T>
void put(std::ofstream& f, const T& v) { f.write(reinterpret_cast<const char*>(&v), sizeof v); }
template <class T>
void put_vec(std::ofstream& f, const std::vector<T>& v) {
  const std::int64_t n = std::int64_t(v.size());
  put(f, n);
  f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(T)));
}

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  std::ofstream f(path, std::ios::binary);
  THON_CHECK_CODE(f.good(), io, "cannot write checkpoint '", path, "'");
  f.write(kCheckpointMagic, 8);
  const ops::Classify2dModel& m = c.model;
  put(f, std::int32_t(1));
  put(f, std::int32_t(c.iteration));
  put(f, std::int32_t(c.r_limit));
  put(f, std::int32_t(c.r_first));
  put(f, c.n_particles);
  put(f, c.hash);
  put(f, std::int32_t(m.n_classes));
  put(f, std::int32_t(m.box));
  put(f, std::int32_t(m.n_groups));
  put(f, m.pixel_size_A);
  put(f, m.sigma_offset_px);
  put_vec(f, m.classes);
  put_vec(f, m.sigma2);
  put_vec(f, m.class_weights);
  put_vec(f, m.tau2);
  put_vec(f, c.class_of);
  f.flush();
  THON_CHECK_CODE(f.good(), io, "write error on checkpoint '", path, "'");
}

template <class T>
T get(std::ifstream& f, const std::string& path) {
  T v{};
  f.read(reinterpret_cast<char*>(&v), sizeof v);
  THON_CHECK_CODE(f.good(), io, path, ": truncated checkpoint");
  return v;
}
template <class T>
std::vector<T> get_vec(std::ifstream& f, const std::string& path, std::int64_t expect, const char* what) {
  const std::int64_t n = get<std::int64_t>(f, path);
  THON_CHECK_CODE(n == expect, io, path, ": checkpoint field ", what, " holds ", n, " values, expected ", expect);
  std::vector<T> v(static_cast<std::size_t>(n));
  f.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(T)));
  THON_CHECK_CODE(f.good(), io, path, ": truncated checkpoint (", what, ")");
  return v;
}

Checkpoint read_checkpoint(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  THON_CHECK_CODE(f.good(), io, "--continue: cannot open checkpoint '", path, "'");
  char magic[8] = {};
  f.read(magic, 8);
  THON_CHECK_CODE(f.good() && std::memcmp(magic, kCheckpointMagic, 8) == 0, io, path,
                  ": not a thon classify2d checkpoint");
  Checkpoint c;
  const int version = get<std::int32_t>(f, path);
  THON_CHECK_CODE(version == 1, unsupported, path, ": checkpoint version ", version, " (this thon reads 1)");
  c.iteration = get<std::int32_t>(f, path);
  c.r_limit = get<std::int32_t>(f, path);
  c.r_first = get<std::int32_t>(f, path);
  c.n_particles = get<std::int64_t>(f, path);
  c.hash = get<std::uint64_t>(f, path);
  ops::Classify2dModel& m = c.model;
  m.n_classes = get<std::int32_t>(f, path);
  m.box = get<std::int32_t>(f, path);
  m.n_groups = get<std::int32_t>(f, path);
  THON_CHECK_CODE(m.n_classes >= 1 && m.n_classes < 100000 && m.box >= 8 && m.box < 100000 && m.n_groups >= 1 &&
                      m.n_groups < 100000 && c.n_particles >= 1 && c.iteration >= 1,
                  io, path, ": corrupt checkpoint header (K ", m.n_classes, ", box ", m.box, ", groups ", m.n_groups,
                  ", iteration ", c.iteration, ")");
  m.pixel_size_A = get<double>(f, path);
  m.sigma_offset_px = get<double>(f, path);
  m.classes = get_vec<Complex<float>>(f, path, m.n_classes * m.half_size(), "classes");
  m.sigma2 = get_vec<double>(f, path, std::int64_t(m.n_groups) * m.n_shells(), "sigma2");
  m.class_weights = get_vec<double>(f, path, m.n_classes, "class weights");
  m.tau2 = get_vec<double>(f, path, std::int64_t(m.n_classes) * m.n_shells(), "tau2");
  c.class_of = get_vec<int>(f, path, c.n_particles, "class assignments");
  return c;
}

/// Soft circular mask (raised cosine over `edge` px outside `radius`), background: the mean outside.
void soft_mask_image(float* img, int box, double radius, double edge) {
  double out_sum = 0, out_n = 0;
  for (int y = 0; y < box; ++y)
    for (int x = 0; x < box; ++x)
      if (std::hypot(double(x - box / 2), double(y - box / 2)) > radius) {
        out_sum += img[std::size_t(y) * box + x];
        out_n += 1;
      }
  const float bg = out_n > 0 ? float(out_sum / out_n) : 0.f;
  for (int y = 0; y < box; ++y)
    for (int x = 0; x < box; ++x) {
      const double r = std::hypot(double(x - box / 2), double(y - box / 2));
      double w = 1;
      if (r > radius + edge) w = 0;
      else if (r > radius) w = 0.5 + 0.5 * std::cos(M_PI * (r - radius) / edge);
      float& v = img[std::size_t(y) * box + x];
      v = float((v - bg) * w);
    }
}

/// The particles' data held for the run.
struct Data {
  int box = 0, n_groups = 1;
  double pixel_size_A = 0;
  std::int64_t n = 0;
  std::vector<Complex<float>> ft;  ///< n * half, centred origin
  std::vector<float> ctf;          ///< n * half, or empty
  std::vector<int> group;          ///< 0-based
};

Data load_data(const Classify2dJob& job, const io::ParticleSource& source, bool use_ctf, double mask_radius_px,
               double* read_s) {
  const io::ParticleTable& table = source.table();
  Data d;
  d.n = std::int64_t(table.particles.size());
  int box = 0;
  std::string box_from;
  for (const io::ParticleImageFile& f : source.image_files()) {
    THON_CHECK(f.nx == f.ny, f.path, ": images are ", f.nx, " x ", f.ny, "; classify2d needs square images");
    if (box == 0) {
      box = f.nx;
      box_from = f.path;
    }
    THON_CHECK(f.nx == box, "particles of different sizes: ", f.path, " holds ", f.nx, " x ", f.ny, " images, ",
               box_from, " holds ", box, " x ", box);
  }
  for (const io::Particle& p : table.particles) {
    const int s = table.optics_of(p).image_size;
    THON_CHECK(s <= 0 || s == box, job.input_star, ": rlnImageSize ", s, " of optics group ", p.optics_group,
               " but the images are ", box, " x ", box);
  }
  THON_CHECK(box >= 8, job.input_star, ": images of ", box, " px are too small for classify2d");
  d.box = box;
  double pixel_A = table.optics_of(table.particles[0]).pixel_size_A;
  if (!table.present.pixel_size || !(pixel_A > 0)) pixel_A = source.image_files().front().pixel_size_A;
  THON_CHECK(pixel_A > 0, job.input_star, ": no pixel size in the particle file or the image header");
  d.pixel_size_A = pixel_A;
  for (const io::Particle& p : table.particles)
    THON_CHECK_CODE(!table.present.pixel_size || std::abs(table.optics_of(p).pixel_size_A - pixel_A) <= 1e-6 * pixel_A,
                    unsupported, job.input_star, ": optics group ", p.optics_group, " has pixel size ",
                    table.optics_of(p).pixel_size_A, " Å, another ", pixel_A, " Å; classify2d needs one pixel size");
  // Optics groups: index in the table's order.
  std::map<int, int> group_index;
  for (const io::OpticsGroup& g : table.optics) group_index.emplace(g.number, int(group_index.size()));
  d.n_groups = std::max(1, int(group_index.size()));
  for (const io::Particle& p : table.particles) d.group.push_back(group_index.count(p.optics_group) ? group_index[p.optics_group] : 0);

  const std::size_t npix = std::size_t(box) * box;
  const int hx = box / 2 + 1;
  const std::int64_t half = std::int64_t(box) * hx;
  d.ft.assign(std::size_t(d.n * half), Complex<float>());
  const std::int64_t chunk = 512;
  std::vector<float> raw;
  for (std::int64_t first = 0; first < d.n; first += chunk) {
    const std::int64_t cnt = std::min(chunk, d.n - first);
    raw.assign(std::size_t(cnt) * npix, 0.f);
    const auto t_read = Clock::now();
    source.read_images(first, cnt, raw.data());
    *read_s += seconds_since(t_read);
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < cnt; ++i) soft_mask_image(raw.data() + std::size_t(i) * npix, box, mask_radius_px, 5.0);
    ops::fft_r2c(Device::cpu, raw.data(), d.ft.data() + first * half, Shape{box, box, 1, int(cnt)});
  }
  ops::classify2d_centre_transforms(d.ft.data(), d.n, box, false);
  if (use_ctf) {
    d.ctf.assign(std::size_t(d.n * half), 1.f);
    std::vector<math::CtfParams> params(std::size_t(d.n));
    for (std::int64_t i = 0; i < d.n; ++i) {
      params[std::size_t(i)] = table.ctf_of(table.particles[std::size_t(i)]);
    }
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < d.n; ++i) {
      const math::CtfParams& c = params[std::size_t(i)];
      const double w = std::atan2(c.amplitude_contrast, std::sqrt(std::max(0.0, 1 - c.amplitude_contrast * c.amplitude_contrast)));
      for (int iy = 0; iy < box; ++iy)
        for (int ix = 0; ix < hx; ++ix) {
          double kx, ky;
          math::half_complex_frequency(ix, iy, box, box, pixel_A, &kx, &ky);
          double v = math::ctf_value(c, kx, ky);
          // RELION's --ctf_intact_first_peak: 1 up to the first maximum, chi + w < pi/2.
          if (job.ctf_intact_first_peak && math::ctf_chi(c, kx, ky) + w < M_PI / 2) v = 1;
          d.ctf[std::size_t(i * half + iy * hx + ix)] = float(v);
        }
    }
  }
  return d;
}


/// Class averages in real space (K images), from the centred transforms.
std::vector<float> class_images(const ops::Classify2dModel& m) {
  std::vector<Complex<float>> ft(m.classes);
  ops::classify2d_centre_transforms(ft.data(), m.n_classes, m.box, true);
  std::vector<float> img(std::size_t(m.n_classes) * m.box * m.box);
  ops::fft_c2r(Device::cpu, ft.data(), img.data(), Shape{m.box, m.box, 1, m.n_classes});
  return img;
}

const io::StarBlock* particle_block(const io::StarFile& star) {
  if (star.find("optics")) return star.find("particles");
  for (const auto& b : star.blocks())
    if (b.is_loop() && b.has_column("rlnImageName")) return &b;
  return nullptr;
}

void write_model_star(const std::string& path, const std::string& classes_name, const ops::Classify2dModel& m,
                      const std::vector<int>& res_shell, int r_limit, double log_likelihood, double avg_pmax,
                      double tau2_fudge) {
  io::StarFile star;
  io::StarBlock g("model_general", false);
  const double pix = m.pixel_size_A, boxA = m.box * pix;
  int best = 1;
  for (int r : res_shell) best = std::max(best, r);
  g.set_integer(0, g.add_column("rlnReferenceDimensionality"), 2);
  g.set_integer(0, g.add_column("rlnDataDimensionality"), 2);
  g.set_integer(0, g.add_column("rlnOriginalImageSize"), m.box);
  g.set_number(0, g.add_column("rlnCurrentResolution"), boxA / best);
  g.set_integer(0, g.add_column("rlnCurrentImageSize"), 2 * (r_limit + 1));
  g.set_number(0, g.add_column("rlnPaddingFactor"), 1.0);
  g.set_integer(0, g.add_column("rlnNrClasses"), m.n_classes);
  g.set_integer(0, g.add_column("rlnNrGroups"), m.n_groups);
  g.set_integer(0, g.add_column("rlnNrOpticsGroups"), m.n_groups);
  g.set_number(0, g.add_column("rlnTau2FudgeFactor"), tau2_fudge);
  g.set_number(0, g.add_column("rlnNormCorrectionAverage"), 1.0);
  g.set_number(0, g.add_column("rlnSigmaOffsetsAngst"), m.sigma_offset_px * pix);
  g.set_number(0, g.add_column("rlnLogLikelihood"), log_likelihood);
  g.set_number(0, g.add_column("rlnAveragePmax"), avg_pmax);
  star.add_block(std::move(g));
  io::StarBlock c("model_classes", true);
  const int c_img = c.add_column("rlnReferenceImage"), c_dist = c.add_column("rlnClassDistribution"),
            c_res = c.add_column("rlnEstimatedResolution"), c_comp = c.add_column("rlnOverallFourierCompleteness");
  for (int k = 0; k < m.n_classes; ++k) {
    const std::int64_t r = c.add_row();
    c.set_text(r, c_img, io::format_image_name(k, classes_name));
    c.set_number(r, c_dist, m.class_weights[std::size_t(k)]);
    c.set_number(r, c_res, boxA / std::max(1, res_shell[std::size_t(k)]));
    c.set_number(r, c_comp, 1.0);
  }
  star.add_block(std::move(c));
  const int S = m.n_shells();
  for (int k = 0; k < m.n_classes; ++k) {
    io::StarBlock b("model_class_" + std::to_string(k + 1), true);
    const int ci = b.add_column("rlnSpectralIndex"), cr = b.add_column("rlnResolution"),
              ca = b.add_column("rlnAngstromResolution"), ct = b.add_column("rlnReferenceTau2");
    for (int sh = 0; sh < S; ++sh) {
      const std::int64_t r = b.add_row();
      b.set_integer(r, ci, sh);
      b.set_number(r, cr, sh / boxA);
      b.set_number(r, ca, sh == 0 ? 999.0 : boxA / sh);
      b.set_number(r, ct, m.tau2.empty() ? 0.0 : m.tau2[std::size_t(k * S + sh)]);
    }
    star.add_block(std::move(b));
  }
  for (int gi = 0; gi < m.n_groups; ++gi) {
    io::StarBlock b("model_group_" + std::to_string(gi + 1), true);
    const int ci = b.add_column("rlnSpectralIndex"), cr = b.add_column("rlnResolution"),
              cs = b.add_column("rlnSigma2Noise");
    for (int sh = 0; sh < S; ++sh) {
      const std::int64_t r = b.add_row();
      b.set_integer(r, ci, sh);
      b.set_number(r, cr, sh / boxA);
      b.set_number(r, cs, m.sigma2[std::size_t(gi * S + sh)]);
    }
    star.add_block(std::move(b));
  }
  star.write(path);
}

/// Classes from a .mrcs stack or a RELION _model.star (rlnReferenceImage, rlnClassDistribution).
void load_reference(const std::string& ref, const Data& d, int r_limit, ops::Classify2dModel& m, double mask_radius_px) {
  std::vector<float> imgs;
  std::vector<double> dist;
  const int box = d.box;
  const std::size_t npix = std::size_t(box) * box;
  auto add_image = [&](const Image<float>& im, const std::string& where) {
    THON_CHECK(im.nx() == box && im.ny() == box, where, ": reference is ", im.nx(), " x ", im.ny(),
               ", the particles are ", box, " x ", box);
    imgs.insert(imgs.end(), im.begin(), im.end());
  };
  if (fs::path(ref).extension() == ".star") {
    const io::StarFile star = io::StarFile::read(ref);
    const io::StarBlock* b = star.find("model_classes");
    THON_CHECK(b, ref, ": no data_model_classes block (a RELION _model.star is expected)");
    const int ci = b->require_column("rlnReferenceImage");
    const int cd = b->column_index("rlnClassDistribution");
    const std::string dir = fs::path(ref).parent_path().string();
    for (std::int64_t r = 0; r < b->n_rows(); ++r) {
      io::ImageLocation loc = io::parse_image_name(std::string(b->text(r, ci)), dir);
      if (!fs::exists(loc.path)) {  // RELION writes paths relative to its project directory
        const io::ImageLocation alt = io::parse_image_name(std::string(b->text(r, ci)), "");
        const fs::path local = fs::path(dir) / fs::path(alt.path).filename();
        if (fs::exists(local)) loc.path = local.string();
      }
      add_image(io::read_mrc_image(loc.path, loc.index), b->where(r, ci));
      dist.push_back(cd >= 0 ? b->number(r, cd) : 0.0);
    }
  } else {
    const ImageStack<float> s = io::read_mrc_stack(ref);
    for (int i = 0; i < s.n(); ++i) {
      Image<float> im(s.nx(), s.ny());
      std::copy(s.data() + std::size_t(i) * s.nx() * s.ny(), s.data() + std::size_t(i + 1) * s.nx() * s.ny(), im.begin());
      add_image(im, ref);
    }
  }
  const int K = int(imgs.size() / npix);
  THON_CHECK(K >= 1, ref, ": no reference images");
  THON_CHECK(m.n_classes == 0 || m.n_classes == K, ref, " holds ", K, " classes but --k is ", m.n_classes);
  m.n_classes = K;
  for (int k = 0; k < K; ++k) soft_mask_image(imgs.data() + std::size_t(k) * npix, box, mask_radius_px, 5.0);
  m.classes.assign(std::size_t(K * m.half_size()), Complex<float>());
  ops::fft_r2c(Device::cpu, imgs.data(), m.classes.data(), Shape{box, box, 1, K});
  ops::classify2d_centre_transforms(m.classes.data(), K, box, false);
  const int hx = box / 2 + 1;
  for (int k = 0; k < K; ++k)
    for (int iy = 0; iy < box; ++iy)
      for (int kx = 0; kx < hx; ++kx) {
        const int ky = math::wrapped_frequency(iy, box);
        if (kx * kx + ky * ky > r_limit * r_limit) m.classes[std::size_t(k * m.half_size() + iy * hx + kx)] = Complex<float>();
      }
  double tot = 0;
  for (double v : dist) tot += v;
  m.class_weights.assign(std::size_t(K), 1.0 / K);
  if (tot > 0)
    for (int k = 0; k < K; ++k) m.class_weights[std::size_t(k)] = std::max(dist[std::size_t(k)] / tot, 1e-6);
}

}  // namespace

std::string classify2d_output_path(const std::string& output, int iteration, const std::string& what) {
  char b[32];
  std::snprintf(b, sizeof b, "_it%03d_", iteration);
  return output + b + what;
}

Classify2dReport run_classify2d(const Classify2dJob& job) {
  Classify2dReport rep;
  cpu::set_classify2d_threads(job.threads);
  THON_CHECK(job.iterations >= 1 && job.iterations <= 999, "--iter ", job.iterations, " must be in 1 .. 999");
  THON_CHECK(job.tau2_fudge > 0 && std::isfinite(job.tau2_fudge), "--tau2-fudge ", job.tau2_fudge, " must be positive");
  THON_CHECK(job.psi_step_deg > 0 && std::isfinite(job.psi_step_deg), "--psi-step ", job.psi_step_deg,
             " must be positive (degrees)");
  THON_CHECK(job.offset_step_px > 0, "--offset-step ", job.offset_step_px, " must be positive (px)");
  THON_CHECK(job.offset_range_px >= 0, "--offset-range ", job.offset_range_px, " must be >= 0 (px)");
  THON_CHECK(job.batch >= 0, "--batch ", job.batch, " must be positive");
  THON_CHECK(job.maxres_A >= 0 && job.diameter_A >= 0 && job.ini_high_A >= 0,
             "--maxres, --diameter and --ini-high must be positive (Å)");
  THON_CHECK(!job.continue_from.empty() || !job.reference.empty() || job.n_classes >= 1, "--k ", job.n_classes, " must be at least 1");
  io::check_writable_path(classify2d_output_path(job.output, 1, "classes.mrcs"), "--o");

  const io::ParticleSource source(job.input_star);  // STAR, cryoSPARC .cs or thon HDF5
  const io::ParticleTable& table = source.table();
  THON_CHECK(!table.particles.empty(), job.input_star, ": no particles");
  const std::int64_t n = std::int64_t(table.particles.size());
  THON_CHECK(job.continue_from.empty() ? job.n_classes <= n : true, "--k ", job.n_classes,
             " is larger than the number of particles (", n, ") in ", job.input_star);
  THON_CHECK(!(job.ctf == 1 && !table.present.ctf), job.input_star,
             ": --ctf asks for CTF correction but the file has no rlnDefocusU/rlnDefocusV columns");
  const bool use_ctf = job.ctf == 1 || (job.ctf < 0 && table.present.ctf);

  // Box and pixel size from the first image file, to size the mask before reading everything.
  const io::ParticleImageFile& f0 = source.image_files().front();
  const int box0 = f0.nx;
  double pix0 = table.present.pixel_size ? table.optics_of(table.particles[0]).pixel_size_A : f0.pixel_size_A;
  if (!(pix0 > 0)) pix0 = 1;
  const double mask_radius_px = job.diameter_A > 0 ? 0.5 * job.diameter_A / pix0 : 0.45 * box0;
  THON_CHECK(job.offset_range_px < box0 / 2, "--offset-range ", job.offset_range_px,
             " px must be smaller than half the box (", box0 / 2, " px)");

  const auto t_load = Clock::now();
  const Data d = load_data(job, source, use_ctf, mask_radius_px, &rep.read_s);
  const int box = d.box;
  rep.n_particles = n;
  rep.box = box;
  rep.pixel_size_A = d.pixel_size_A;
  rep.ctf = use_ctf;
  const double load_s = seconds_since(t_load);
  rep.prepare_s = std::max(0.0, load_s - rep.read_s);
  const std::uint64_t hash = dataset_hash(table, box);

  int r_max = box / 2 - 1;
  if (job.maxres_A > 0) {
    THON_CHECK(job.maxres_A >= 2 * d.pixel_size_A * (1 - 1e-9), "--maxres ", job.maxres_A,
               " Å is finer than Nyquist (", 2 * d.pixel_size_A, " Å)");
    r_max = std::clamp(int(std::floor(box * d.pixel_size_A / job.maxres_A)), 1, box / 2 - 1);
  }
  int r_first = job.ini_high_A > 0 ? int(std::floor(box * d.pixel_size_A / job.ini_high_A)) : std::max(4, box / 4);
  r_first = std::clamp(r_first, 1, r_max);

  ops::Classify2dModel model;
  std::vector<int> prev_class(static_cast<std::size_t>(n), -1);
  int start_it = 0, r_limit = r_first;
  if (!job.continue_from.empty()) {
    Checkpoint c = read_checkpoint(job.continue_from);
    THON_CHECK(c.n_particles == n && c.hash == hash, job.continue_from, ": checkpoint of another dataset (",
               c.n_particles, " particles of ", c.model.box, " px; ", job.input_star, " has ", n, " of ", box, " px)");
    THON_CHECK(job.n_classes <= 0 || job.n_classes == c.model.n_classes, job.continue_from, ": checkpoint has K = ",
               c.model.n_classes, " classes, --k asks for ", job.n_classes);
    THON_CHECK(c.model.n_groups == d.n_groups, job.continue_from, ": checkpoint has ", c.model.n_groups,
               " optics groups, ", job.input_star, " has ", d.n_groups);
    THON_CHECK(c.iteration < job.iterations, job.continue_from, ": checkpoint is of iteration ", c.iteration,
               ", --iter ", job.iterations, " asks for no more");
    model = std::move(c.model);
    prev_class = std::move(c.class_of);
    start_it = c.iteration;
    r_limit = std::min(c.r_limit, r_max);
    r_first = std::min(c.r_first, r_max);
  } else {
    model = ops::classify2d_initial_model(d.ft.data(), d.ctf.empty() ? nullptr : d.ctf.data(), d.group.data(), int(n),
                                          box, d.n_groups, std::max(1, job.n_classes), d.pixel_size_A, r_limit, job.seed,
                                          job.tau2_fudge, 0.5 * job.offset_range_px > 0 ? 0.5 * job.offset_range_px : 1.0);
    if (!job.reference.empty()) {
      const int k_asked = job.n_classes;
      model.n_classes = k_asked;
      load_reference(job.reference, d, r_limit, model, mask_radius_px);
      ops::update_tau2_from_classes(model, job.tau2_fudge);
      THON_CHECK(model.n_classes <= n, job.reference, ": ", model.n_classes, " classes for ", n, " particles");
    }
  }
  rep.n_classes = model.n_classes;
  const int K = model.n_classes;
  if (!job.quiet)
    std::printf("classify2d: %lld particles, box %d px, %.4f A/px, K %d, CTF %s, device %s, data loaded in %.1f s\n",
                (long long)n, box, d.pixel_size_A, K, use_ctf ? "on" : "off", to_string(job.device), load_s);

  ops::Classify2dMaximise mopt;
  mopt.tau2_fudge = job.tau2_fudge;
  mopt.mask_radius_px = mask_radius_px;
  const int incr = std::max(2, box / 16);
  std::vector<ops::Classify2dPose> poses(static_cast<std::size_t>(n));
  for (int it = start_it + 1; it <= job.iterations; ++it) {
    const auto t0 = Clock::now();
    const ops::Classify2dSampling s =
        ops::Classify2dSampling::make(box, r_limit, job.psi_step_deg, job.offset_range_px, job.offset_step_px);
    Classify2dIterationLog lg;
    auto t_stage = Clock::now();
    auto engine = ops::make_classify2d_engine(job.device, model, s);
    const int batch = job.batch > 0 ? job.batch : std::max(1, ops::classify2d_batch_size(s, K, 0));
    const std::int64_t half = model.half_size();
    {
      char label[32];
      std::snprintf(label, sizeof label, "iteration %d", it);
      Progress progress(label, n, "images", job.progress);
      for (std::int64_t first = 0; first < n; first += batch) {
        const int cnt = int(std::min<std::int64_t>(batch, n - first));
        ops::Classify2dBatch b;
        b.n = cnt;
        b.ft = d.ft.data() + first * half;
        b.ctf = d.ctf.empty() ? nullptr : d.ctf.data() + first * half;
        b.group = d.group.data() + first;
        engine->process(b, poses.data() + first, nullptr);
        progress.advance(cnt);
      }
      progress.finish();
    }
    lg.estep_s = seconds_since(t_stage);
    t_stage = Clock::now();
    const ops::Classify2dSums sums = engine->sums();
    lg.sums_s = seconds_since(t_stage);
    lg.gemm_s = engine->gemm_seconds();
    lg.gemm_flops = engine->gemm_flops();
    const double gflops = engine->gemm_seconds() > 0 ? engine->gemm_flops() / engine->gemm_seconds() * 1e-9 : 0.0;
    engine.reset();
    t_stage = Clock::now();
    ops::Classify2dModel next = ops::maximise(sums, model, s, mopt);
    const std::vector<int> res = ops::classify2d_resolution_shells(sums, next, r_limit);
    const int best_res = *std::max_element(res.begin(), res.end());
    const int r_next = std::clamp(best_res + incr, r_first, r_max);

    std::int64_t changes = 0;
    double pmax = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      changes += poses[std::size_t(i)].k != prev_class[std::size_t(i)];
      pmax += poses[std::size_t(i)].max_probability;
      prev_class[std::size_t(i)] = poses[std::size_t(i)].k;
    }
    lg.maximise_s = seconds_since(t_stage);
    t_stage = Clock::now();
    // --- outputs of this iteration: all or none ---------------------------------------------------
    const std::string p_classes = classify2d_output_path(job.output, it, "classes.mrcs"),
                      p_model = classify2d_output_path(job.output, it, "model.star"),
                      p_data = classify2d_output_path(job.output, it, "data.star"),
                      p_png = classify2d_output_path(job.output, it, "classes.png"),
                      p_ck = classify2d_output_path(job.output, it, "checkpoint.bin");
    io::AtomicOutputSet out;
    std::vector<float> cimg = class_images(next);
    ImageStack<float> stack(box, box, K, d.pixel_size_A);
    std::copy(cimg.begin(), cimg.end(), stack.begin());
    io::write_mrc(out.add(p_classes), stack);
    write_model_star(out.add(p_model), fs::path(p_classes).filename().string(), next, res, r_limit, sums.log_likelihood,
                     pmax / double(n), job.tau2_fudge);
    {
      io::ParticleTable t = table;
      t.present.angles = t.present.origins = t.present.class_number = true;
      const io::StarBlock* cb = particle_block(t.star);
      io::StarBlock* pb = const_cast<io::StarBlock*>(cb);
      int c_pmax = -1, c_ll = -1, c_ns = -1;
      if (pb) {
        auto col = [&](const char* name) { return pb->has_column(name) ? pb->column_index(name) : pb->add_column(name, "0"); };
        c_pmax = col("rlnMaxValueProbDistribution");
        c_ll = col("rlnLogLikeliContribution");
        c_ns = col("rlnNrOfSignificantSamples");
      }
      for (std::int64_t i = 0; i < n; ++i) {
        io::Particle& p = t.particles[std::size_t(i)];
        const ops::Classify2dPose& q = poses[std::size_t(i)];
        p.class_number = q.k + 1;
        p.rot_deg = p.tilt_deg = 0;
        p.psi_deg = s.psi_deg[std::size_t(q.r)];
        p.origin_x_A = s.shift_x_px[std::size_t(q.t)] * d.pixel_size_A;
        p.origin_y_A = s.shift_y_px[std::size_t(q.t)] * d.pixel_size_A;
        if (pb && p.source_row >= 0 && p.source_row < pb->n_rows()) {
          pb->set_number(p.source_row, c_pmax, q.max_probability);
          pb->set_number(p.source_row, c_ll, q.log_likelihood);
          pb->set_integer(p.source_row, c_ns, q.n_significant);
        }
      }
      io::write_particles(out.add(p_data), t);
    }
    {
      std::vector<int> order(static_cast<std::size_t>(K));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return next.class_weights[std::size_t(a)] > next.class_weights[std::size_t(b)];
      });
      std::vector<float> tiles;
      std::vector<std::string> captions;
      for (int k : order) {
        tiles.insert(tiles.end(), cimg.begin() + std::ptrdiff_t(k) * box * box, cimg.begin() + std::ptrdiff_t(k + 1) * box * box);
        char cap[48];
        std::snprintf(cap, sizeof cap, "%d: %.1f%%", k + 1, 100 * next.class_weights[std::size_t(k)]);
        captions.emplace_back(cap);
      }
      const int zoom = box < 96 ? 2 : 1;
      io::write_png_montage(out.add(p_png), box, box, K, tiles.data(), captions,
                            std::max(1, int(std::ceil(std::sqrt(double(K))))), zoom);
    }
    Checkpoint ck;
    ck.iteration = it;
    ck.r_limit = r_next;
    ck.r_first = r_first;
    ck.n_particles = n;
    ck.hash = hash;
    ck.model = next;
    ck.class_of = prev_class;
    write_checkpoint(out.add(p_ck), ck);
    out.commit_all();
    lg.write_s = seconds_since(t_stage);
    rep.outputs = {p_classes, p_model, p_data, p_png, p_ck};

    lg.iteration = it;
    lg.log_likelihood = sums.log_likelihood;
    lg.changes_fraction = double(changes) / double(n);
    lg.seconds = seconds_since(t0);
    lg.gflops = gflops;
    lg.r_limit = r_limit;
    lg.resolution_A = box * d.pixel_size_A / std::max(1, best_res);
    rep.iterations.push_back(lg);
    if (!job.quiet)
      std::printf("iteration %3d: log-likelihood %.6e, changes %5.2f%% (%lld), limit %d px (%.1f A), resolution %.1f A, "
                  "%.2f s, GEMM %.1f GFLOP/s\n",
                  it, lg.log_likelihood, 100 * lg.changes_fraction, (long long)changes, r_limit,
                  box * d.pixel_size_A / r_limit, lg.resolution_A, lg.seconds, lg.gflops);
    std::fflush(stdout);
    model = std::move(next);
    r_limit = r_next;
  }
  rep.class_of.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) rep.class_of[std::size_t(i)] = prev_class[std::size_t(i)] + 1;
  return rep;
}

}  // namespace thon::pipeline
