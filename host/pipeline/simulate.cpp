// The `thon simulate` driver (host/pipeline/simulate.hpp, docs/simulate.md).
#include "pipeline/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>

#include "core/progress.hpp"
#include "cuda/runtime.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/multislice.hpp"
#include "thon/core/array.hpp"
#include "thon/core/error.hpp"
#include "thon/core/units.hpp"
#include "thon/io/hdf5.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particle_source.hpp"
#include "thon/io/particles.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/random.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/ctf.hpp"
#include "thon/ops/detector.hpp"
#include "thon/ops/potential.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/sampling.hpp"
#include "thon/ops/simulate.hpp"

namespace thon::pipeline {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool finite(double x) { return std::isfinite(x); }

/// The true parameters of one particle, as written to the STAR file.
struct ParticleRecord {
  double rot_deg = 0, tilt_deg = 0, psi_deg = 0;
  double origin_x_A = 0, origin_y_A = 0;
  double defocus_u_A = 0, defocus_v_A = 0, defocus_angle_deg = 0;
  int random_subset = 1;
};

/// "ideal" | "counting" | "counting:DQE0" | "table:MTF[,DQE]" -> detector model.
math::DetectorModel parse_detector(const std::string& spec, bool read_files) {
  if (spec == "ideal") return ops::ideal_detector();
  if (spec == "counting") return ops::counting_detector();
  if (spec.rfind("counting:", 0) == 0) {
    const std::string v = spec.substr(9);
    char* end = nullptr;
    const double dqe0 = std::strtod(v.c_str(), &end);
    THON_CHECK(!v.empty() && end && *end == '\0' && dqe0 > 0 && dqe0 <= 1,
               "--detector ", spec, ": DQE(0) after 'counting:' must be a number in (0, 1]");
    return ops::counting_detector(dqe0);
  }
  if (spec.rfind("table:", 0) == 0) {
    const std::string files = spec.substr(6);
    const auto comma = files.find(',');
    const std::string mtf = files.substr(0, comma);
    const std::string dqe = comma == std::string::npos ? std::string() : files.substr(comma + 1);
    THON_CHECK(!mtf.empty() || !dqe.empty(), "--detector ", spec, ": give table:MTF_FILE[,DQE_FILE]");
    if (!read_files) return ops::ideal_detector();
    return ops::read_detector_tables(mtf, dqe);
  }
  fail(ErrorCode::invalid_argument, "--detector ", spec,
       ": unknown detector (ideal, counting, counting:DQE0, table:MTF_FILE[,DQE_FILE])");
}

/// The potential map: from the atoms on the particle grid, or the --map file (windowed to --box).
Volume<float> make_truth(const SimulateOptions& o, SimulateSummary& summary) {
  if (!o.map_path.empty()) {
    Volume<float> map = io::read_mrc_volume(o.map_path);
    THON_CHECK(map.nx() == map.ny() && map.ny() == map.nz(), "--map ", o.map_path, ": the map must be cubic, got ",
               map.nx(), " x ", map.ny(), " x ", map.nz());
    const double p = o.pixel_size_A > 0 ? o.pixel_size_A : map.pixel_size_A();
    THON_CHECK(p > 0, "--map ", o.map_path, ": the header has no pixel size; give --apix");
    for (float v : map) THON_CHECK(std::isfinite(v), "--map ", o.map_path, ": NaN or Inf voxel");
    const int n = map.nx(), b = o.box > 0 ? o.box : n;
    THON_CHECK(b % 2 == 0, "--box must be even, got ", b, " (from --map ", o.map_path, ")");
    summary.box = b;
    summary.pixel_size_A = p;
    if (b == n) {
      map.set_pixel_size_A(p);
      return map;
    }
    // Window about the centre (index n/2 -> b/2): crop or pad with zeros.
    Volume<float> out = Volume<float>::cube(b, p);
    for (int z = 0; z < b; ++z)
      for (int y = 0; y < b; ++y)
        for (int x = 0; x < b; ++x) {
          const int sx = x - b / 2 + n / 2, sy = y - b / 2 + n / 2, sz = z - b / 2 + n / 2;
          if (sx >= 0 && sx < n && sy >= 0 && sy < n && sz >= 0 && sz < n) out(z, y, x) = map(sz, sy, sx);
        }
    return out;
  }
  const io::AtomicModel model = load_model(o.model_path);
  const std::string name = o.model_path.empty() || o.model_path == "builtin" ? "the built-in model" : o.model_path;
  THON_CHECK(!model.atoms.empty(), "--model ", name, ": no atoms");
  summary.n_atoms = std::int64_t(model.atoms.size());
  summary.box = o.box;
  summary.pixel_size_A = o.pixel_size_A;
  ops::PotentialGrid grid;
  grid.nx = grid.ny = grid.nz = o.box;
  grid.pixel_size_A = o.pixel_size_A;
  grid.centre_A = io::centre_of_mass(model.atoms);
  // The atoms should fit in the box (the projector assumes the map is zero near the edges).
  double r_max = 0;
  for (const io::Atom& a : model.atoms) r_max = std::max(r_max, length(a.position_A - grid.centre_A));
  if (2 * r_max > 0.95 * o.box * o.pixel_size_A)
    std::fprintf(stderr, "thon simulate: warning: the model (%.0f Å across from its centre) does not fit in the %d x %.3g Å box\n",
                 2 * r_max, o.box, o.pixel_size_A);
  return ops::atom_potential(o.device, model.atoms, grid);
}

/// Fills the randomly drawn geometry of particle i: origin uniform in a disc of radius max_shift,
/// half-set alternating or random. Three draws from the stream (seed, particle) in a fixed order,
/// whatever is used: particle i gets the same values in every run, batch size and device.
void draw_random(const SimulateOptions& o, std::int64_t i, bool origin, bool subset, ParticleRecord& r) {
  math::RandomStream rng(o.seed, math::particle_stream(i));
  const double u_r = rng.uniform(), u_phi = rng.uniform(), u_sub = rng.uniform();
  if (origin) {
    const double rad = o.max_shift_A * std::sqrt(u_r), phi = 2 * thon::kPi * u_phi;
    r.origin_x_A = rad > 0 ? rad * std::cos(phi) : 0.0;  // no "-0" in the STAR file
    r.origin_y_A = rad > 0 ? rad * std::sin(phi) : 0.0;
  }
  if (subset) r.random_subset = o.subsets == "random" ? (u_sub <= 0.5 ? 1 : 2) : int(i % 2) + 1;
}

/// Defocus of particles [first, first + count) from ops::sample_ctf_params (mean uniform in
/// [min, max], |U - V| uniform in [0, astig], angle uniform in [0, 180); counter-based, keyed by
/// seed and particle, so the values do not depend on the batching).
void draw_defocus(const SimulateOptions& o, std::int64_t first, std::int64_t count, ParticleRecord* rec) {
  ops::DefocusRange range;
  range.min_A = o.defocus_min_A;
  range.max_A = o.defocus_max_A;
  range.astigmatism_max_A = o.astig_A;
  const math::CtfParams base;
  const std::int64_t chunk = 4096;
  for (std::int64_t done = 0; done < count; done += chunk) {
    const int m = int(std::min(chunk, count - done));
    const auto c = ops::sample_ctf_params(base, range, m, o.seed, first + done);
    for (int i = 0; i < m; ++i) {
      ParticleRecord& r = rec[done + i];
      r.defocus_u_A = c[std::size_t(i)].defocus_u_A;
      r.defocus_v_A = c[std::size_t(i)].defocus_v_A;
      r.defocus_angle_deg = c[std::size_t(i)].defocus_angle_deg;
    }
  }
}

/// Poses, shifts, CTF and half-set of every particle, produced a batch at a time in index order,
/// so a run holds one batch of them. Random values are drawn per particle from the counter-based
/// stream (seed, particle) (math/random.hpp) and do not depend on batching; random poses are the
/// sequence of ops/sampling.hpp's RandomRotationStream (seeded, uniform on SO(3)), the same as
/// random_orientations(n, seed). A --poses file is read and checked whole by the constructor
/// (that input is a table of N rows anyway), before any output exists.
class ParticleSource {
 public:
  explicit ParticleSource(const SimulateOptions& o) : o_(o), rotations_(o.seed) {
    if (o.poses_path.empty()) {
      n_ = o.n_images;
      return;
    }
    table_ = io::read_particle_table(o.poses_path);
    const io::ParticleTable& table = *table_;
    THON_CHECK(table.present.angles, "--poses ", o.poses_path,
               ": no angles (rlnAngleRot, rlnAngleTilt, rlnAnglePsi columns)");
    const std::int64_t rows = std::int64_t(table.particles.size());
    THON_CHECK(rows > 0, "--poses ", o.poses_path, ": no particles");
    n_ = o.n_images > 0 ? o.n_images : rows;
    THON_CHECK(n_ <= rows, "--n ", n_, " is more than the ", rows, " poses in ", o.poses_path);
    for (std::int64_t i = 0; i < n_; ++i) {
      const io::Particle& p = table.particles[std::size_t(i)];
      THON_CHECK(finite(p.rot_deg) && finite(p.tilt_deg) && finite(p.psi_deg), "--poses ", o.poses_path,
                 ": particle ", i + 1, " has a NaN or infinite angle");
      THON_CHECK(!table.present.ctf || (p.defocus_u_A > 0 && p.defocus_v_A > 0), "--poses ", o.poses_path,
                 ": particle ", i + 1, " has a non-positive defocus");
    }
  }

  std::int64_t size() const { return n_; }

  /// Particles [first, first + count); `first` is where the previous call ended.
  void fill(std::int64_t first, std::int64_t count, ParticleRecord* out) {
    THON_CHECK(first == next_ && count >= 0 && first + count <= n_, "ParticleSource: batch [", first, ", ",
               first + count, ") out of order");
    next_ = first + count;
    for (std::int64_t i = 0; i < count; ++i) out[i] = ParticleRecord{};
    if (!table_) {
      for (std::int64_t i = 0; i < count; ++i) {
        const EulerAnglesD e = rotations_.next();
        const MultisliceOptions& m = o_.multislice;  // one given pose (thon multislice --angles)
        out[i].rot_deg = m.has_angles ? m.rot_deg : e.rot_deg;
        out[i].tilt_deg = m.has_angles ? m.tilt_deg : e.tilt_deg;
        out[i].psi_deg = m.has_angles ? m.psi_deg : e.psi_deg;
        draw_random(o_, first + i, true, true, out[i]);
      }
      draw_defocus(o_, first, count, out);
      return;
    }
    // Angles from the file; origins, CTF and half-sets from it when it has them (then the random
    // ranges are not used), drawn otherwise.
    const io::ParticleTable& table = *table_;
    for (std::int64_t i = 0; i < count; ++i) {
      const io::Particle& p = table.particles[std::size_t(first + i)];
      ParticleRecord& r = out[i];
      r.rot_deg = p.rot_deg;
      r.tilt_deg = p.tilt_deg;
      r.psi_deg = p.psi_deg;
      if (table.present.origins) {
        r.origin_x_A = p.origin_x_A;
        r.origin_y_A = p.origin_y_A;
      }
      if (table.present.ctf) {
        r.defocus_u_A = p.defocus_u_A;
        r.defocus_v_A = p.defocus_v_A;
        r.defocus_angle_deg = p.defocus_angle_deg;
      }
      if (table.present.random_subset) r.random_subset = p.random_subset;
    }
    if (!table.present.ctf) draw_defocus(o_, first, count, out);
    for (std::int64_t i = 0; i < count; ++i)
      draw_random(o_, first + i, !table.present.origins, !table.present.random_subset, out[i]);
  }

 private:
  const SimulateOptions& o_;
  std::optional<io::ParticleTable> table_;
  RandomRotationStream rotations_;
  std::int64_t n_ = 0, next_ = 0;
};

math::CtfParams ctf_of(const SimulateOptions& o, const ParticleRecord& r) {
  math::CtfParams c;
  c.voltage_kV = o.voltage_kV;
  c.cs_mm = o.cs_mm;
  c.amplitude_contrast = o.amplitude_contrast;
  c.defocus_u_A = r.defocus_u_A;
  c.defocus_v_A = r.defocus_v_A;
  c.defocus_angle_deg = r.defocus_angle_deg;
  c.phase_shift_deg = o.phase_shift_deg;
  c.b_factor_A2 = o.bfactor_A2;
  c.prepare();
  return c;
}

/// The one optics group of a simulated data set.
io::OpticsGroup make_optics(const SimulateOptions& o, const SimulateSummary& s) {
  io::OpticsGroup g;
  g.pixel_size_A = s.pixel_size_A;
  g.voltage_kV = o.voltage_kV;
  g.cs_mm = o.cs_mm;
  g.amplitude_contrast = o.amplitude_contrast;
  g.image_size = s.box;
  g.image_dimensionality = 2;
  return g;
}

io::ParticleColumns output_columns(const SimulateOptions& o) {
  io::ParticleColumns c;
  c.angles = c.origins = c.random_subset = true;
  c.ctf = o.apply_ctf;
  return c;
}

/// The STAR/HDF5 rows of particles [first, first + count) (records of the batch in `rec`).
void make_rows(const SimulateOptions& o, const ParticleRecord* rec, std::int64_t first, std::int64_t count,
               const std::string& stack_name, std::vector<io::Particle>& out) {
  out.resize(std::size_t(count));
  for (std::int64_t i = 0; i < count; ++i) {
    io::Particle& p = out[std::size_t(i)];
    const ParticleRecord& r = rec[i];
    p = io::Particle{};
    p.image_name = io::format_image_name(first + i, stack_name);
    p.optics_group = 1;
    p.rot_deg = r.rot_deg;
    p.tilt_deg = r.tilt_deg;
    p.psi_deg = r.psi_deg;
    p.origin_x_A = r.origin_x_A;
    p.origin_y_A = r.origin_y_A;
    p.defocus_u_A = r.defocus_u_A;
    p.defocus_v_A = r.defocus_v_A;
    p.defocus_angle_deg = r.defocus_angle_deg;
    p.phase_shift_deg = o.phase_shift_deg;
    p.ctf_bfactor_A2 = o.bfactor_A2;
    p.ctf_scale = 1;
    p.random_subset = r.random_subset;
  }
}

int auto_batch(const SimulateOptions& o, int box, std::int64_t n) {
  if (o.batch > 0) return int(std::min<std::int64_t>(o.batch, std::max<std::int64_t>(n, 1)));
  // About 20 bytes per pixel per image in flight (slices, transfer, images, strips): ~128 MiB; on
  // the GPU a quarter of its free memory, at most 1 GiB (larger batches amortise the launches).
  const double per_image = 20.0 * double(box) * box * (o.tilt_angle_deg != 0 ? 1.5 : 1.0);
  double budget = 128.0 * 1024 * 1024;
  if (o.device == Device::cuda) {
    std::size_t free_b = 0, total_b = 0;
    cuda::memory_info(&free_b, &total_b);
    budget = std::max(budget, std::min(0.25 * double(free_b), 1024.0 * 1024 * 1024));
  }
  const std::int64_t b = std::int64_t(budget / per_image);
  return int(std::clamp<std::int64_t>(std::min<std::int64_t>(b, n), 1, 4096));
}

}  // namespace

io::AtomicModel load_model(const std::string& model_path) {
  if (model_path.empty() || model_path == "builtin") {
    io::AtomicModel m;
    m.name = "builtin-helix-bundle";
    m.atoms = ops::builtin_helix_bundle();
    return m;
  }
  return io::read_model(model_path);
}

void validate(const SimulateOptions& o) {
  THON_CHECK(o.model_path.empty() || o.map_path.empty(), "give --model or --map, not both");
  THON_CHECK(!o.output_prefix.empty(), "--o: an output prefix is required");
  const bool map = !o.map_path.empty();
  THON_CHECK(o.box > 0 || (map && o.box == 0), "--box must be positive, got ", o.box);
  THON_CHECK(o.box % 2 == 0, "--box must be even, got ", o.box);
  THON_CHECK(finite(o.pixel_size_A) && (o.pixel_size_A > 0 || (map && o.pixel_size_A == 0)),
             "--apix (pixel size) must be positive, got ", o.pixel_size_A);
  THON_CHECK(o.n_images > 0 || (!o.poses_path.empty() && o.n_images == 0), "--n must be positive, got ", o.n_images);
  THON_CHECK(finite(o.defocus_min_A) && finite(o.defocus_max_A), "--defocus-min/--defocus-max must be finite");
  THON_CHECK(o.defocus_min_A <= o.defocus_max_A, "--defocus-min (", o.defocus_min_A, " Å) is larger than --defocus-max (",
             o.defocus_max_A, " Å)");
  THON_CHECK(finite(o.astig_A) && o.astig_A >= 0, "--astig must be >= 0, got ", o.astig_A);
  THON_CHECK(!o.apply_ctf || o.defocus_min_A - 0.5 * o.astig_A > 0,
             "--defocus-min minus half of --astig must stay positive (underfocus), got ",
             o.defocus_min_A - 0.5 * o.astig_A, " Å");
  THON_CHECK(finite(o.voltage_kV) && o.voltage_kV > 0, "--voltage must be positive, got ", o.voltage_kV);
  THON_CHECK(finite(o.cs_mm) && o.cs_mm >= 0, "--cs must be >= 0, got ", o.cs_mm);
  THON_CHECK(finite(o.amplitude_contrast) && o.amplitude_contrast >= 0 && o.amplitude_contrast < 1,
             "--amplitude-contrast/--ac (amplitude contrast) must be in [0, 1), got ", o.amplitude_contrast);
  THON_CHECK(finite(o.phase_shift_deg), "--phase-shift must be finite");
  THON_CHECK(finite(o.bfactor_A2) && o.bfactor_A2 >= 0, "--bfactor must be >= 0, got ", o.bfactor_A2);
  THON_CHECK(finite(o.tilt_angle_deg) && std::fabs(o.tilt_angle_deg) < 80, "--tilt-angle must be in (-80, 80) degrees, got ",
             o.tilt_angle_deg);
  THON_CHECK(finite(o.tilt_axis_deg), "--tilt-axis must be finite");
  THON_CHECK(finite(o.tilt_strip_width_A) && o.tilt_strip_width_A >= 0, "--tilt-strip-width must be >= 0, got ",
             o.tilt_strip_width_A);
  THON_CHECK(o.tilt_strip_width_A > 0 || o.tilt_angle_deg == 0 || o.box <= 128,
             "--tilt-strip-width 0 (exact per-pixel defocus) costs box^4 per image: use it with --box <= 128");
  THON_CHECK(o.tilt_handedness == 1 || o.tilt_handedness == -1, "--tilt-handedness must be +1 or -1");
  THON_CHECK(o.noise != SimulateOptions::Noise::dose || (finite(o.dose_e_per_A2) && o.dose_e_per_A2 > 0),
             "--dose must be positive, got ", o.dose_e_per_A2, " e/Å^2");
  THON_CHECK(o.noise != SimulateOptions::Noise::snr || (finite(o.snr) && o.snr > 0), "--snr must be positive, got ", o.snr);
  THON_CHECK(finite(o.max_shift_A) && o.max_shift_A >= 0, "--max-shift must be >= 0, got ", o.max_shift_A);
  THON_CHECK(o.subsets == "alternating" || o.subsets == "random", "--subsets must be alternating or random, got ", o.subsets);
  THON_CHECK(o.batch >= 0, "--batch must be >= 0, got ", o.batch);
  parse_detector(o.detector, false);
  if (o.method == SimulateOptions::Method::multislice) validate_multislice(o);
  io::check_writable_path(o.output_prefix + ".star", "--o");
}

SimulateSummary simulate(const SimulateOptions& o) {
  const auto t_start = Clock::now();
  validate(o);
  SimulateSummary summary;
  const math::DetectorModel detector = parse_detector(o.detector, true);

  // Inputs first: every bad-input error is raised before any output file exists.
  ParticleSource source(o);
  const std::int64_t n = source.size();
  auto t0 = Clock::now();
  std::unique_ptr<MultisliceImager> multislice;  // --method multislice: replaces projector and form_images
  if (o.method == SimulateOptions::Method::multislice)  // its checks come before the truth map is made
    multislice = std::make_unique<MultisliceImager>(o, load_model(o.model_path).atoms, o.box, o.pixel_size_A, detector, n);
  Volume<float> truth = make_truth(o, summary);
  summary.potential_s = seconds_since(t0);
  const int b = summary.box;
  const double p = summary.pixel_size_A;
  summary.n_images = n;

  const std::string stack_path = o.output_prefix + ".mrcs", star_path = o.output_prefix + ".star";
  const std::string truth_path = o.output_prefix + "_truth.mrc", h5_path = o.output_prefix + ".h5";
  io::AtomicOutputSet outputs;
  io::write_mrc(outputs.add(truth_path), truth);

  t0 = Clock::now();
  std::unique_ptr<const ops::FourierProjector<float>> projector;
  if (multislice) {
    multislice->open_outputs(outputs);
  } else {
    ops::ProjectorOptions popt;
    popt.padding = 2.0;
    popt.interp = math::Interp::linear;
    projector = std::make_unique<const ops::FourierProjector<float>>(o.device, truth, popt);
  }
  summary.projector_s = seconds_since(t0);

  ops::ImageFormationSetup setup;
  setup.box = b;
  setup.pixel_size_A = p;
  setup.contrast_scale = 2.0 * math::interaction_constant_kV(o.voltage_kV) * p;
  setup.apply_ctf = o.apply_ctf;
  setup.tilted = o.apply_ctf && o.tilt_angle_deg != 0;
  setup.strip_width_A = o.tilt_strip_width_A;
  setup.tilt.tilt_deg = o.tilt_angle_deg;
  setup.tilt.axis_angle_deg = o.tilt_axis_deg;
  setup.tilt.handedness = o.tilt_handedness;
  setup.tilt.prepare();
  if (setup.strip_width_A > 0) math::tilt_strip_range(setup);
  setup.detector = detector;
  setup.noise = o.noise == SimulateOptions::Noise::dose
                    ? math::ImageNoise::poisson
                    : (o.noise == SimulateOptions::Noise::snr ? math::ImageNoise::gaussian : math::ImageNoise::none);
  setup.dose_e_per_A2 = o.dose_e_per_A2;
  setup.snr = o.snr;
  setup.seed = o.seed;

  const int batch = auto_batch(o, b, n);
  summary.batch = batch;
  const index_t nhalf = index_t(b / 2 + 1) * b, npix = index_t(b) * b;
  // The STAR file names the stack relative to its own directory (run RELION from there).
  const std::string stack_name = fs::path(stack_path).filename().string();
  const std::vector<io::OpticsGroup> optics = {make_optics(o, summary)};
  const io::ParticleColumns columns = output_columns(o);
  // Rows streamed to the STAR file (spooled beside it: its columns are aligned at the end).
  io::ParticleStarWriter star(outputs.add(star_path), optics, columns);
  std::unique_ptr<io::DatasetWriter> h5;
  if (o.write_hdf5) {
    io::DatasetAttributes attributes;
    attributes.generator = "thon simulate";
    attributes.command_line = o.command_line;
    attributes.seed = std::int64_t(o.seed);
    attributes.pixel_size_A = p;
    attributes.voltage_kV = o.voltage_kV;
    io::DatasetWriteOptions write_options;  // table chunks no longer than the table: small files stay small
    write_options.table_chunk = std::clamp<std::int64_t>(std::int64_t(n), 1, write_options.table_chunk);
    h5 = std::make_unique<io::DatasetWriter>(outputs.add(h5_path), b, b, optics, columns, attributes, write_options);
  }
  std::vector<Mat3<double>> poses(static_cast<std::size_t>(batch));
  std::vector<ops::ImageParticle> particles(static_cast<std::size_t>(batch));
  std::vector<ParticleRecord> records(static_cast<std::size_t>(batch));
  Buffer<Complex<float>> slices(batch * nhalf);
  // Two image buffers: batch k is written to disk by a second thread while batch k+1 is computed.
  Buffer<float> image_buffers[2] = {Buffer<float>(batch * npix), Buffer<float>(batch * npix)};
  std::vector<io::Particle> row_buffers[2];

  t0 = Clock::now();
  {
    io::MrcStackWriter writer(outputs.add(stack_path), b, b, p);
    Progress progress("simulate", n, "images", o.progress && !multislice);
    double write_s = 0;
    // Declared after the writers: destroyed first, so an exception waits for the pending write.
    std::future<void> pending;
    int k = 0;
    for (std::int64_t first = 0; first < n; first += batch, k ^= 1) {
      Buffer<float>& images = image_buffers[k];
      std::vector<io::Particle>& rows = row_buffers[k];
      const std::int64_t count = std::min<std::int64_t>(batch, n - first);
      source.fill(first, count, records.data());
      for (std::int64_t i = 0; i < count; ++i) {
        const ParticleRecord& r = records[std::size_t(i)];
        poses[std::size_t(i)] = math::euler_to_matrix(r.rot_deg, r.tilt_deg, r.psi_deg);
        ops::ImageParticle& ip = particles[std::size_t(i)];
        ip.ctf = ctf_of(o, r);
        ip.origin_x_A = r.origin_x_A;
        ip.origin_y_A = r.origin_y_A;
        ip.index = first + i;
      }
      auto t = Clock::now();
      if (multislice) {
        multislice->form(poses.data(), particles.data(), int(count), images.data());
      } else if (o.device == Device::cuda) {  // slices stay on the device (project_s counts in form_s)
        ops::project_and_form_images(*projector, setup, poses.data(), particles.data(), count, slices.data(),
                                     images.data());
      } else {
        projector->project(poses.data(), count, slices.data());
        summary.project_s += seconds_since(t);
        t = Clock::now();
        ops::form_images(o.device, setup, particles.data(), count, slices.data(), images.data());
      }
      summary.form_s += seconds_since(t);
      if (pending.valid()) pending.get();  // the previous batch is on disk (rethrows its error)
      make_rows(o, records.data(), first, count, stack_name, rows);
      pending = std::async(std::launch::async, [&writer, &star, &h5, &rows, &images, &write_s, count] {
        const auto tw = Clock::now();
        writer.append(images.data(), count);
        star.append(rows.data(), count);
        if (h5) h5->append(images.data(), rows.data(), count);
        write_s += seconds_since(tw);
      });
      progress.advance(count);
    }
    if (pending.valid()) pending.get();
    summary.write_s = write_s;
    progress.finish();
    writer.commit();
    if (h5) h5->commit();
  }
  summary.images_s = seconds_since(t0);

  t0 = Clock::now();
  star.finish();
  summary.write_s += seconds_since(t0);
  if (multislice) multislice->commit();
  outputs.commit_all();
  summary.outputs = {stack_path, star_path, truth_path};
  if (o.write_hdf5) summary.outputs.push_back(h5_path);
  if (multislice) {
    for (const auto& path : multislice->exit_wave_paths()) summary.outputs.push_back(path);
    summary.n_slabs = multislice->setup().n_slabs;
    summary.field = multislice->setup().field;
    summary.max_propagator_phase_rad = ops::max_propagator_phase_rad(multislice->setup());
    summary.fft_count = multislice->fft_count();
    summary.slices_per_s = multislice->slices_per_s();
  }
  summary.total_s = seconds_since(t_start);
  return summary;
}

}  // namespace thon::pipeline
