// The `thon verify` driver (host/pipeline/verify.hpp, docs/verify.md).
#include "pipeline/verify.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "thon/core/array.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/fourier_grid.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/backproject.hpp"
#include "thon/ops/classify2d.hpp"
#include "thon/ops/ctf.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// The user's input, cut to the first n rows.
struct Inputs {
  std::int64_t n = 0;
  int box = 0;
  double pixel_size_A = 1;
  Interp interp = Interp::linear;
  std::vector<Mat3<double>> poses;
  std::vector<double> shift_x_px, shift_y_px;
  std::vector<int> half;
  std::vector<float> images;            ///< n * box * box
  std::vector<math::CtfParams> ctf;     ///< prepared, one per image (kNeedsCtf)
  bool have_ctf = false;
  Volume<float> map;
  std::vector<float> refs;              ///< --ref: n_refs * box * box class references, or empty
  int n_refs = 0;
  int n_classes = 4;                    ///< classes of the start model when there is no --ref
  std::string description;
};

/// An operation's output, flattened, with its shape for locating the worst pixel.
struct Output {
  std::vector<double> values;
  std::vector<std::string> axes;        ///< names, slowest first ("image", "y", "x")
  std::vector<std::int64_t> shape;      ///< sizes, slowest first
  bool complex = false;                 ///< values are (re, im) pairs
  std::string what;
};

template <class T>
Output to_output(const T* p, std::size_t count) {
  Output o;
  o.values.assign(p, p + count);
  return o;
}

// ---- project: map + poses -> projections -------------------------------------------------------

Output run_project(const Inputs& in, Device d, bool reference) {
  ops::ProjectorOptions opt;
  opt.interp = in.interp;
  const std::size_t count = std::size_t(in.n) * in.box * in.box;
  Output o;
  if (reference) {
    Volume<double> v = Volume<double>::cube(in.box, in.pixel_size_A);
    std::copy(in.map.begin(), in.map.end(), v.begin());
    const ops::FourierProjector<double> p(Device::reference, v, opt);
    std::vector<double> out(count);
    p.project_images(in.poses.data(), in.n, out.data());
    o = to_output(out.data(), count);
  } else {
    const ops::FourierProjector<float> p(d, in.map, opt);
    std::vector<float> out(count);
    p.project_images(in.poses.data(), in.n, out.data());
    o = to_output(out.data(), count);
  }
  o.axes = {"image", "y", "x"};
  o.shape = {in.n, in.box, in.box};
  o.what = std::to_string(in.n) + " projections of " + std::to_string(in.box) + " x " + std::to_string(in.box) + " (" +
           to_string(in.interp) + ", padding 2)";
  return o;
}

// ---- backproject: images + poses -> 3D Fourier accumulator -------------------------------------

template <class T>
Output backproject_as(const Inputs& in, Device d) {
  std::vector<T> images(in.images.begin(), in.images.end());
  ops::BackprojectorOptions opt;
  opt.interp = in.interp;
  ops::FourierBackprojector<T> bp(d, in.box, opt);
  std::vector<Complex<T>> slices(std::size_t(bp.params().slice_size()) * std::size_t(in.n));
  ops::images_to_centred_fourier(d, images.data(), in.box, in.n, slices.data());
  bp.insert(in.poses.data(), in.n, slices.data());
  const auto& data = bp.data();
  Output o = to_output(reinterpret_cast<const T*>(data.data()), 2 * data.size());
  const int np = bp.params().padded_box;
  o.complex = true;
  o.axes = {"z", "y", "x"};
  o.shape = {np, np, np / 2 + 1};
  o.what = "3D Fourier accumulator (" + std::to_string(np / 2 + 1) + " x " + std::to_string(np) + " x " +
           std::to_string(np) + ", " + to_string(in.interp) + ") of " + std::to_string(in.n) + " images";
  return o;
}

Output run_backproject(const Inputs& in, Device d, bool reference) {
  return reference ? backproject_as<double>(in, Device::reference) : backproject_as<float>(in, d);
}

// ---- reconstruct: particles -> map -------------------------------------------------------------

Output run_reconstruct(const Inputs& in, Device d, bool reference) {
  const Device dev = reference ? Device::reference : d;
  ops::ReconstructGeometry g;
  g.box = in.box;
  g.pad = 2;
  g.kernel = in.interp;
  g.pad_images = ops::default_pad_images(in.interp, g.pad);
  g.pixel_size_A = in.pixel_size_A;
  const math::InsertGeometry ig = g.insert_geometry();
  // The CTF of every image pixel, computed once on the CPU: both sides insert the same weights.
  std::vector<float> ctf;
  if (in.have_ctf) {
    ctf.resize(std::size_t(in.n) * std::size_t(ig.image_half_size()));
    ops::ctf_grid(Device::cpu, in.ctf.data(), int(in.n), ig.m, ig.m, in.pixel_size_A, ctf.data());
  }
  std::vector<ops::InsertPose> poses(static_cast<std::size_t>(in.n));
  for (std::int64_t i = 0; i < in.n; ++i) {
    poses[i].A = in.poses[i];
    poses[i].shift_x_px = in.shift_x_px[i];
    poses[i].shift_y_px = in.shift_y_px[i];
    poses[i].half = in.half[i];
  }
  auto inserter = ops::make_fourier_inserter(dev, g);
  inserter->insert(in.images.data(), in.have_ctf ? ctf.data() : nullptr, poses.data(), int(in.n));
  ops::FourierAccumulator a0 = inserter->accumulator(0), a1 = inserter->accumulator(1);
  ops::complete_hermitian_plane(a0);
  ops::complete_hermitian_plane(a1);
  // A Wiener term of a tenth of each shell's mean weight: a well-conditioned division, so the
  // comparison measures the backends rather than the conditioning of sparse shells.
  std::vector<double> inv_tau2 = ops::shell_mean_weight({&a0, &a1});
  for (double& v : inv_tau2) v = 0.1 * v + 1e-12;
  const Volume<float> map = ops::invert(dev, {&a0, &a1}, g, inv_tau2);
  Output o = to_output(map.data(), std::size_t(map.size()));
  o.axes = {"z", "y", "x"};
  o.shape = {in.box, in.box, in.box};
  o.what = "map " + std::to_string(in.box) + "^3 from " + std::to_string(in.n) + " particles (" + to_string(in.interp) +
           " insertion, pad 2, CTF " + (in.have_ctf ? "on" : "off") + ", Wiener 0.1 <W>)";
  return o;
}

// ---- ctf: images x CTF -------------------------------------------------------------------------

Output run_ctf(const Inputs& in, Device d, bool reference) {
  std::vector<float> images = in.images;
  ops::apply_ctf(reference ? Device::reference : d, images.data(), int(in.n), in.box, in.box, in.pixel_size_A,
                 in.ctf.data(), ops::CtfOperation::multiply);
  Output o = to_output(images.data(), images.size());
  o.axes = {"image", "y", "x"};
  o.shape = {in.n, in.box, in.box};
  o.what = std::to_string(in.n) + " images of " + std::to_string(in.box) + " x " + std::to_string(in.box) +
           " multiplied by their CTF (r2c, CTF, c2r)";
  return o;
}

// ---- classify2d: particles (+ references) -> E-step log-posteriors -----------------------------

/// The E-step's sampling in verify: resolution limit box/4 (at least 4, below Nyquist), psi every
/// 10 degrees (RELION's 2D default; see docs/verify.md for multiples of 45 degrees with the start
/// model), translations within 2 px on a 1 px grid (13).
int classify2d_r_limit(int box) { return std::clamp(box / 4, std::min(4, box / 2 - 1), box / 2 - 1); }

/// Fourier pixels used by the E-step (kx^2 + ky^2 <= r_limit^2 in the half plane).
double classify2d_pixels(int box) {
  const int r = classify2d_r_limit(box);
  double p = 0;
  for (int ky = -box / 2; ky < box / 2; ++ky)
    for (int kx = 0; kx <= box / 2; ++kx) p += kx * kx + ky * ky <= r * r;
  return p;
}

Output run_classify2d(const Inputs& in, Device d, bool reference) {
  const int box = in.box, hx = box / 2 + 1, n = int(in.n);
  const std::int64_t half = std::int64_t(box) * hx;
  const int r_limit = classify2d_r_limit(box);
  THON_CHECK(box >= 8, "thon verify: classify2d needs images of at least 8 px, got ", box);
  // Both sides get the same float transforms, CTF and model (the engine's inputs are float):
  // the comparison is of the E-step alone.
  std::vector<Complex<float>> ft(std::size_t(n * half));
  ops::fft_r2c(Device::cpu, in.images.data(), ft.data(), Shape{box, box, 1, n});
  ops::classify2d_centre_transforms(ft.data(), n, box, false);
  std::vector<float> ctf;
  if (in.have_ctf) {
    ctf.resize(std::size_t(n * half));
    ops::ctf_grid(Device::cpu, in.ctf.data(), n, box, box, in.pixel_size_A, ctf.data());
  }
  const float* ctf_p = ctf.empty() ? nullptr : ctf.data();
  const int k_start = in.n_refs > 0 ? 1 : in.n_classes;
  THON_CHECK(k_start <= n, "thon verify: --k ", k_start, " classes for ", n, " particles (--n)");
  // The engine's start model (RELION's: random subsets at random angles, seeded); with --ref the
  // classes are replaced by the references' transforms inside r_limit.
  ops::Classify2dModel m = ops::classify2d_initial_model(ft.data(), ctf_p, nullptr, n, box, 1, k_start,
                                                         in.pixel_size_A, r_limit, 1, 2.0, 1.0);
  if (in.n_refs > 0) {
    m.n_classes = in.n_refs;
    m.classes.assign(std::size_t(in.n_refs * half), Complex<float>());
    ops::fft_r2c(Device::cpu, in.refs.data(), m.classes.data(), Shape{box, box, 1, in.n_refs});
    ops::classify2d_centre_transforms(m.classes.data(), in.n_refs, box, false);
    for (int k = 0; k < in.n_refs; ++k)
      for (int iy = 0; iy < box; ++iy)
        for (int kx = 0; kx < hx; ++kx) {
          const int ky = math::wrapped_frequency(iy, box);
          if (kx * kx + ky * ky > r_limit * r_limit) m.classes[std::size_t(k * half + iy * hx + kx)] = Complex<float>();
        }
    m.class_weights.assign(std::size_t(in.n_refs), 1.0 / in.n_refs);
    ops::update_tau2_from_classes(m, 2.0);
  }
  const ops::Classify2dSampling s = ops::Classify2dSampling::make(box, r_limit, 10.0, 2.0, 1.0);
  const std::int64_t per_image = std::int64_t(s.n_translations()) * m.n_classes * s.n_rotations();
  auto engine = ops::make_classify2d_engine(reference ? Device::reference : d, m, s);
  std::vector<ops::Classify2dPose> poses(static_cast<std::size_t>(n));
  std::vector<float> logp(std::size_t(n * per_image));
  ops::Classify2dBatch b;
  b.n = n;
  b.ft = ft.data();
  b.ctf = ctf_p;
  engine->process(b, poses.data(), logp.data());
  Output o = to_output(logp.data(), logp.size());
  o.axes = {"image", "translation", "class x rotation"};
  o.shape = {n, s.n_translations(), std::int64_t(m.n_classes) * s.n_rotations()};
  o.what = "E-step log-posteriors of " + std::to_string(n) + " images over " + std::to_string(m.n_classes) +
           " classes (" + (in.n_refs > 0 ? "--ref" : "start model, seed 1") + ") x " +
           std::to_string(s.n_rotations()) + " rotations x " + std::to_string(s.n_translations()) +
           " translations, box " + std::to_string(box) + ", r_limit " + std::to_string(r_limit) + " (" +
           std::to_string(int(classify2d_pixels(box))) + " Fourier pixels), CTF " + (in.have_ctf ? "on" : "off");
  return o;
}

// ---- The operation table -------------------------------------------------------------------------

/// sqrt(n / 16), at least 1: float sums of n terms carry an error growing as sqrt(n) eps; the
/// tolerances were measured against the reference at n = 16 (tests/host).
double sum_growth(std::int64_t n) { return std::max(1.0, std::sqrt(double(n) / 16.0)); }

struct Operation {
  const char* name;
  const char* input;
  const char* output;
  unsigned needs;
  std::int64_t default_n;
  const char* tolerance_text;
  double (*tolerance)(std::int64_t n, int box);
  const char* derivation;
  Output (*run)(const Inputs&, Device, bool reference);
};

/// Adding an operation: its run function above and one line here (docs/verify.md gets the row of
/// its tolerance).
const Operation kOperations[] = {
    {"project", "--map + --i (STAR with rlnAngleRot/Tilt/Psi)", "projections", kNeedsMap | kNeedsPoses, 100, "1e-5",
     [](std::int64_t, int) { return 1e-5; },
     "float against double: an interpolated value sums at most 64 kernel terms (64 x 6e-8 = 4e-6), the "
     "float FFTs add ~log2(N) eps",
     run_project},
    {"backproject", "--i (particle STAR: images, poses)", "3D Fourier accumulator", kNeedsPoses | kNeedsImages, 100,
     "1e-5 sqrt(max(1, n/16))", [](std::int64_t n, int) { return 1e-5 * sum_growth(n); },
     "float scatter sums: 1e-5 at 16 images (tests/host/project_test.cpp), growing as sqrt(n) with the number of "
     "images summed per voxel",
     run_backproject},
    {"reconstruct", "--i (particle STAR: images, poses, CTF if present)", "map", kNeedsPoses | kNeedsImages, 200,
     "2e-5 sqrt(max(1, n/16))", [](std::int64_t n, int) { return 2e-5 * sum_growth(n); },
     "insertion (1e-5) and inversion (1e-5, float 3D FFT) in series, the sums growing as sqrt(n)", run_reconstruct},
    {"ctf", "--i (particle STAR: images, CTF columns)", "images x CTF", kNeedsImages | kNeedsCtf, 100, "2e-5",
     [](std::int64_t, int) { return 2e-5; },
     "two float FFTs (~log2(N) eps each) and chi evaluated in float (|chi| < 1e3 rad: 1e3 x 6e-8 relative)",
     run_ctf},
    {"classify2d", "--i (particle STAR: images, CTF if present) [+ --ref classes.mrcs]",
     "E-step log-posteriors", kNeedsImages, 50, "1e-4 sqrt(max(1, P/300))",
     [](std::int64_t, int box) { return 1e-4 * std::max(1.0, std::sqrt(classify2d_pixels(box) / 300.0)); },
     "float GEMM sums over P Fourier pixels against double direct sums: |X|^2 + |A|^2 - 2 Re(X A*) carries "
     "~sqrt(P) eps of terms ~10x the log-posteriors (cancellation at low SNR), 1e-4 at P = 300 "
     "(tests/host/classify2d_test.cpp), growing as sqrt(P); independent of n (one sum per pose)",
     run_classify2d},
};

const Operation& find_operation(const std::string& name) {
  for (const Operation& op : kOperations)
    if (name == op.name) return op;
  std::string list;
  for (const Operation& op : kOperations) list += (list.empty() ? "" : ", ") + std::string(op.name);
  fail(ErrorCode::invalid_argument, "thon verify: unknown operation '", name, "' (known: ", list, ")");
}

Inputs load_inputs(const VerifyJob& job, const Operation& op) {
  THON_CHECK(job.n >= 0, "thon verify: --n ", job.n, " must be positive");
  THON_CHECK(job.perturbation >= 0 && std::isfinite(job.perturbation), "thon verify: --inject-perturbation ",
             job.perturbation, " must be a finite value >= 0");
  THON_CHECK(!job.star.empty(), "thon verify: --i (a STAR file) is required for '", op.name, "'");
  Inputs in;
  in.interp = job.interp;
  const io::ParticleTable table = io::read_particles(job.star);
  THON_CHECK(!table.particles.empty(), job.star, ": no particles");
  in.n = std::min<std::int64_t>(job.n > 0 ? job.n : op.default_n, std::int64_t(table.particles.size()));
  if (op.needs & kNeedsPoses)
    THON_CHECK(table.present.angles, job.star, ": no rlnAngleRot / rlnAngleTilt / rlnAnglePsi columns: '", op.name,
               "' needs poses");
  if (op.needs & kNeedsCtf)
    THON_CHECK(table.present.ctf, job.star, ": no rlnDefocusU / rlnDefocusV columns: '", op.name,
               "' needs the CTF of each particle");
  double pixel_size_A = 0;
  if (op.needs & kNeedsMap) {
    THON_CHECK(!job.map.empty(), "thon verify: '", op.name, "' needs --map (the map to project)");
    in.map = io::read_mrc_volume(job.map);
    THON_CHECK(in.map.nx() == in.map.ny() && in.map.ny() == in.map.nz(), job.map, ": the map must be cubic, got ",
               in.map.nx(), " x ", in.map.ny(), " x ", in.map.nz());
    in.box = in.map.nx();
    pixel_size_A = in.map.pixel_size_A();
  }
  if (op.needs & kNeedsImages) {
    in.images.reserve(std::size_t(in.n) * 64 * 64);
    for (std::int64_t i = 0; i < in.n; ++i) {
      const io::Particle& p = table.particles[std::size_t(i)];
      const io::ImageLocation loc = io::parse_image_name(p.image_name, table.directory);
      const Image<float> im = io::read_mrc_image(loc.path, loc.index);
      THON_CHECK(im.nx() == im.ny(), loc.path, ": image ", loc.index + 1, " is ", im.nx(), " x ", im.ny(),
                 ", square images are needed");
      if (i == 0) {
        in.box = im.nx();
        pixel_size_A = im.pixel_size_A();
        in.images.reserve(std::size_t(in.n) * in.box * in.box);
      }
      THON_CHECK(im.nx() == in.box, loc.path, ": image ", loc.index + 1, " is ", im.nx(), " x ", im.ny(),
                 ", the first was ", in.box, " x ", in.box);
      in.images.insert(in.images.end(), im.begin(), im.end());
    }
  }
  if (table.present.pixel_size) pixel_size_A = table.optics_of(table.particles[0]).pixel_size_A;
  in.pixel_size_A = pixel_size_A > 0 ? pixel_size_A : 1.0;
  THON_CHECK(in.box >= 2, "thon verify: box ", in.box, " too small");
  for (std::int64_t i = 0; i < in.n; ++i) {
    const io::Particle& p = table.particles[std::size_t(i)];
    in.poses.push_back(math::euler_to_matrix(p.rot_deg, p.tilt_deg, p.psi_deg));
    in.shift_x_px.push_back(p.origin_x_A / in.pixel_size_A);
    in.shift_y_px.push_back(p.origin_y_A / in.pixel_size_A);
    in.half.push_back(p.random_subset == 2 ? 1 : (p.random_subset == 1 ? 0 : int(i % 2)));
    if (table.present.ctf) {
      in.ctf.push_back(table.ctf_of(p));
    }
  }
  in.have_ctf = table.present.ctf;
  THON_CHECK(job.n_classes >= 0, "thon verify: --k ", job.n_classes, " must be positive");
  if (job.n_classes > 0) in.n_classes = job.n_classes;
  if (!job.ref.empty()) {
    const ImageStack<float> refs = io::read_mrc_stack(job.ref);
    THON_CHECK(refs.nx() == in.box && refs.ny() == in.box, job.ref, ": references are ", refs.nx(), " x ",
               refs.ny(), ", the particles are ", in.box, " x ", in.box);
    THON_CHECK(refs.n() >= 1, job.ref, ": no reference images");
    THON_CHECK(job.n_classes == 0 || job.n_classes == refs.n(), job.ref, " holds ", refs.n(),
               " classes but --k is ", job.n_classes);
    in.n_refs = refs.n();
    in.refs.assign(refs.begin(), refs.end());
  }
  return in;
}

std::string locate(const Output& o, std::int64_t value_index) {
  std::int64_t i = o.complex ? value_index / 2 : value_index;
  std::vector<std::int64_t> coord(o.shape.size());
  for (std::size_t a = o.shape.size(); a-- > 0;) {
    coord[a] = i % o.shape[a];
    i /= o.shape[a];
  }
  std::string s;
  for (std::size_t a = 0; a < coord.size(); ++a) s += (a ? ", " : "") + o.axes[a] + " " + std::to_string(coord[a]);
  if (o.complex) s += value_index % 2 ? " (imaginary part)" : " (real part)";
  return s;
}

}  // namespace

std::vector<VerifyOperationInfo> verify_operation_list() {
  std::vector<VerifyOperationInfo> v;
  for (const Operation& op : kOperations)
    v.push_back({op.name, op.input, op.output, op.needs, op.default_n, op.tolerance_text, op.derivation});
  return v;
}

VerifyResult run_verify(const VerifyJob& job) {
  const Operation& op = find_operation(job.op);
  const Inputs in = load_inputs(job, op);
  VerifyResult r;
  r.op = op.name;
  r.device = job.device;
  r.n_items = in.n;

  auto t0 = Clock::now();
  // The reference against itself runs the same double computation twice (deterministic): error 0.
  Output fast = op.run(in, job.device, job.device == Device::reference);
  r.fast_s = since(t0);
  t0 = Clock::now();
  const Output ref = op.run(in, Device::reference, true);
  r.reference_s = since(t0);
  THON_CHECK_CODE(fast.values.size() == ref.values.size(), internal, "thon verify: '", op.name, "' gave ",
                  fast.values.size(), " values on ", to_string(job.device), " and ", ref.values.size(),
                  " on the reference");
  if (job.perturbation > 0)
    for (double& v : fast.values) v *= 1.0 + job.perturbation;

  long double num = 0, den = 0;
  bool finite = true;
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < ref.values.size(); ++i) {
    const double a = fast.values[i], b = ref.values[i];
    finite = finite && std::isfinite(a);
    const double d = std::fabs(a - b);
    num += (long double)d * d;
    den += (long double)b * b;
    if (d > r.worst_abs || !std::isfinite(d)) {
      r.worst_abs = d;
      worst = std::int64_t(i);
    }
    r.ref_max_abs = std::max(r.ref_max_abs, std::fabs(b));
  }
  THON_CHECK(den > 0, "thon verify: the reference output of '", op.name,
             "' is all zero for this input (nothing to compare: empty images or map?)");
  r.n_values = std::int64_t(ref.values.size());
  r.rel_l2 = finite ? double(std::sqrt(num / den)) : INFINITY;
  r.worst_rel = r.worst_abs / r.ref_max_abs;
  r.worst_where = locate(ref, worst);
  r.what = ref.what;
  r.tolerance = op.tolerance(in.n, in.box);
  r.tolerance_note = op.derivation;
  r.within = finite && r.rel_l2 <= r.tolerance;
  return r;
}

std::string format_verify(const VerifyResult& r) {
  std::ostringstream s;
  char buf[512];
  std::snprintf(buf, sizeof buf, "thon verify: %s on %s against the reference (double precision)\n", r.op.c_str(),
                to_string(r.device));
  s << buf;
  s << "  compared:     " << r.what << ", " << r.n_values << " values\n";
  std::snprintf(buf, sizeof buf, "  rel L2 error: %.3e   (tolerance %.3e)\n", r.rel_l2, r.tolerance);
  s << buf;
  std::snprintf(buf, sizeof buf, "  worst pixel:  |diff| %.3e at %s (%.3e of max |ref| %.4g)\n", r.worst_abs,
                r.worst_where.c_str(), r.worst_rel, r.ref_max_abs);
  s << buf;
  s << "  tolerance:    " << r.tolerance_note << "\n";
  std::snprintf(buf, sizeof buf, "  time:         %s %.3f s, reference %.3f s\n", to_string(r.device), r.fast_s,
                r.reference_s);
  s << buf;
  s << "  result:       " << (r.within ? "within tolerance" : "OUTSIDE tolerance") << "\n";
  return s.str();
}

}  // namespace thon::pipeline
