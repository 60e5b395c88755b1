// CPU backend of the projector family: the math/slice.hpp functors over OpenMP threads.
#include "cpu/project.hpp"

#include <fftw3.h>
#include <omp.h>

#include <mutex>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/fft.hpp"
#include "cpu/huge_buffer.hpp"
#include "thon/core/array.hpp"
#include "thon/core/parallel.hpp"
#include "thon/math/slice.hpp"

namespace thon::cpu {
namespace {

/// Scatter policy for accumulators shared by all threads: one OpenMP atomic per real number.
struct OmpAtomicAdd {
  template <class V>
  void operator()(V* p, V v) const {
#pragma omp atomic
    *p += v;
  }
};

template <class V>
std::vector<Mat3<V>> cast_poses(const Mat3<double>* poses, index_t count) {
  std::vector<Mat3<V>> out(static_cast<std::size_t>(count));
  for (index_t i = 0; i < count; ++i) out[std::size_t(i)] = poses[i].template cast<V>();
  return out;
}

template <class V>
math::SliceGeometry<V> geometry(const ops::SliceParams& p) {
  math::SliceGeometry<V> g;
  g.n = p.box;
  g.np = p.padded_box;
  g.scale = V(p.scale());
  g.r_max2 = V(p.r_max * p.r_max);
  g.interp = p.interp;
  return g;
}

}  // namespace

int max_threads() { return omp_get_max_threads(); }

namespace {

// FFTW in both precisions behind one name, for the pruned 3D transform below.
template <class V> struct Fftw3;
template <> struct Fftw3<float> {
  using plan = fftwf_plan;
  using cpx = fftwf_complex;
  static plan r2c(int n, int howmany, float* in, int idist, cpx* out, int odist) {
    return fftwf_plan_many_dft_r2c(1, &n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist,
                                   FFTW_ESTIMATE | FFTW_UNALIGNED);
  }
  static plan c2c(int n, int howmany, cpx* a, int stride, int dist) {
    return fftwf_plan_many_dft(1, &n, howmany, a, nullptr, stride, dist, a, nullptr, stride, dist,
                               FFTW_FORWARD, FFTW_ESTIMATE | FFTW_UNALIGNED);
  }
  static void exec_r2c(plan p, float* in, cpx* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void exec_c2c(plan p, cpx* a) { fftwf_execute_dft(p, a, a); }
  static void destroy(plan p) { fftwf_destroy_plan(p); }
  static void single_threaded() { fftwf_plan_with_nthreads(1); }
};
template <> struct Fftw3<double> {
  using plan = fftw_plan;
  using cpx = fftw_complex;
  static plan r2c(int n, int howmany, double* in, int idist, cpx* out, int odist) {
    return fftw_plan_many_dft_r2c(1, &n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist,
                                  FFTW_ESTIMATE | FFTW_UNALIGNED);
  }
  static plan c2c(int n, int howmany, cpx* a, int stride, int dist) {
    return fftw_plan_many_dft(1, &n, howmany, a, nullptr, stride, dist, a, nullptr, stride, dist,
                              FFTW_FORWARD, FFTW_ESTIMATE | FFTW_UNALIGNED);
  }
  static void exec_r2c(plan p, double* in, cpx* out) { fftw_execute_dft_r2c(p, in, out); }
  static void exec_c2c(plan p, cpx* a) { fftw_execute_dft(p, a, a); }
  static void destroy(plan p) { fftw_destroy_plan(p); }
  static void single_threaded() { fftw_plan_with_nthreads(1); }
};

/// FFTW's planner is not thread-safe; thon's FFT module plans under its own lock, so the few plans
/// made here take this one and ask for one thread each (they run inside OpenMP loops).
std::mutex& pruned_planner_mutex() {
  static std::mutex m;
  return m;
}

/// r2c of an np^3 array that is zero except on the rows (y, z) both in the wrapped index set of
/// the centred n box ([0, n - n/2) and [np - n/2, np)): the forward transform computed axis by axis
/// (x, then y, then z, each a batch of 1D FFTs) skipping the lines that are zero: x only on n^2 of
/// the np^2 rows, y only on the n planes z that hold data, z everywhere. Exactly the 3D DFT (the
/// skipped lines transform zeros to zeros); 42% fewer 1D transforms for padding 2. `in` holds only
/// those n^2 rows of np values (compact: row (y, z) of the padded array at ((z + n/2) mod n,
/// (y + n/2) mod n), see PadShiftCompact); `out` holds (np/2+1) np^2 values and must be zero on
/// entry.
template <class V>
void pruned_r2c_3d(V* in, Complex<V>* out, int n, int np) {
  using F = Fftw3<V>;
  using cpx = typename F::cpx;
  const int h = np / 2 + 1, c = n / 2;
  const int lo_count = n - c, hi_first = np - c;  // wrapped index set: [0, lo) U [hi_first, np)
  cpx* o = reinterpret_cast<cpx*>(out);
  typename F::plan px_lo, px_hi = nullptr, py, pz;
  {
    std::lock_guard<std::mutex> lock(pruned_planner_mutex());
    F::single_threaded();
    px_lo = F::r2c(np, lo_count, in, np, o, h);
    if (c > 0) px_hi = F::r2c(np, c, in, np, o, h);
    py = F::c2c(np, h, o, h, 1);            // the h columns of one z plane
    pz = F::c2c(np, h, o, h * np, 1);        // the h columns of one y row across z
  }
  THON_CHECK_CODE(px_lo && (c == 0 || px_hi) && py && pz, fft, "FFTW could not plan the pruned ", np,
                  "^3 transform");
  auto z_of = [&](int i) { return i < lo_count ? i : hi_first + (i - lo_count); };
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      const index_t z = z_of(i);
      F::exec_r2c(px_lo, in + index_t(i) * n * np, o + z * np * h);
      if (c > 0)
        F::exec_r2c(px_hi, in + (index_t(i) * n + lo_count) * np, o + (z * np + hi_first) * h);
    }
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) F::exec_c2c(py, o + index_t(z_of(i)) * np * h);
#pragma omp for schedule(static)
    for (int y = 0; y < np; ++y) F::exec_c2c(pz, o + index_t(y) * h);
  }
  std::lock_guard<std::mutex> lock(pruned_planner_mutex());
  F::destroy(px_lo);
  if (px_hi) F::destroy(px_hi);
  F::destroy(py);
  F::destroy(pz);
}

/// math::PadShift for ndim 3 into the compact input of pruned_r2c_3d: the n^2 rows of the padded
/// array that hold data, np values each (one row per call). Same products as PadShift.
template <class V>
struct PadShiftCompact {
  const V* in;
  V* out;
  const V* corr;
  int n, np;

  void operator()(index_t r) const {  // r = z n + y, input row
    const int z = int(r / n), y = int(r % n), c = n / 2;
    V* o = out + ((index_t(z) + n - c) % n * n + (y + n - c) % n) * np;
    const V* a = in + r * n;
    for (int x = 0; x < n; ++x) {
      const int d = x - c;
      V v = a[x] * corr[x] * corr[y];
      v *= corr[z];
      o[d < 0 ? d + np : d] = v;
    }
  }
};

}  // namespace

template <class V>
void prepare_fourier(const V* in, int n, int ndim, int np, const double* corr, Complex<V>* out) {
  const index_t n_in = ndim == 3 ? index_t(n) * n * n : index_t(n) * n;
  const index_t n_pad = ndim == 3 ? index_t(np) * np * np : index_t(np) * np;
  std::vector<V> table(corr, corr + n);
  if (ndim == 3) {
    Buffer<V> rows(index_t(n) * n * np);  // zeroed, 64-byte aligned for FFTW
    cpu::parallel_for(index_t(n) * n, PadShiftCompact<V>{in, rows.data(), table.data(), n, np});
    pruned_r2c_3d(rows.data(), out, n, np);
    return;
  }
  Buffer<V> buf(n_pad);  // zeroed, 64-byte aligned for FFTW
  cpu::parallel_for(n_in, math::PadShift<V>{in, buf.data(), table.data(), n, np, ndim});
  cpu::fft_r2c(buf.data(), out, Shape{np, np, 1, 1});
}

namespace {

/// Prefetches the cache lines a gather will read (one prefetch per distinct line, in visit order).
template <class V>
struct PrefetchVisit {
  const Complex<V>* a;
  const char* last = nullptr;
  void operator()(index_t i, V, bool) {
    const char* p = reinterpret_cast<const char*>(a + i);
    const char* line = reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(p) &
                                                     ~std::uintptr_t(63));
    if (line == last) return;
    last = line;
    __builtin_prefetch(p, 0, 0);
  }
};

/// The CPU's row loop of ExtractSlice3D with the kernel fixed at compile time: pixel kx is
/// computed by the same functor (math/slice.hpp), and the neighbourhood of pixel kx + kAhead is
/// prefetched meanwhile. Extraction from a padded volume far larger than the cache is bound by the
/// latency of those loads; the prefetches overlap them.
template <math::Interp K, class V>
struct ExtractRows3D {
  math::ExtractSlice3D<V, V> f;
  static constexpr int kAhead = K == math::Interp::cubic ? 4 : 8;

  /// Row iy of slice b into o[0 .. n/2]; with `centre_sign`, pixel (kx, iy) is multiplied by
  /// (-1)^(kx + iy) (the roll by n/2 of an even box, see CheckerboardSign).
  void row_into(int b, int iy, Complex<V>* o, bool centre_sign) const {
    int b2, ky, n_in;
    f.g.row(index_t(b) * f.g.n + iy, &b2, &ky, &n_in);
    const Complex<V>* vol = f.volume;
    for (int kx = 0; kx < std::min(kAhead, n_in); ++kx)
      f.template visit_k<K>(b, kx, ky, PrefetchVisit<V>{vol});
    for (int kx = 0; kx < n_in; ++kx) {
      if (kx + kAhead < n_in) f.template visit_k<K>(b, kx + kAhead, ky, PrefetchVisit<V>{vol});
      o[kx] = f.template value_k<K>(b, kx, ky);
    }
    for (int kx = n_in; kx < f.g.half(); ++kx) o[kx] = Complex<V>();
    if (centre_sign)
      for (int kx = (iy + 1) & 1; kx < n_in; kx += 2) o[kx] = -o[kx];
  }
  void operator()(index_t r) const {
    row_into(int(r / f.g.n), int(r % f.g.n), f.out + r * f.g.half(), false);
  }
};

}  // namespace

template <class V>
void extract_slices_3d(const Complex<V>* volume, const Mat3<double>* poses, index_t count,
                       Complex<V>* out, const ops::SliceParams& p) {
  const auto a = cast_poses<V>(poses, count);
  const math::ExtractSlice3D<V, V> f{volume, a.data(), out, geometry<V>(p)};
  switch (p.interp) {
    case math::Interp::nearest:
      cpu::parallel_for(count * p.box, ExtractRows3D<math::Interp::nearest, V>{f});
      return;
    case math::Interp::linear:
      cpu::parallel_for(count * p.box, ExtractRows3D<math::Interp::linear, V>{f});
      return;
    case math::Interp::cubic:
      cpu::parallel_for(count * p.box, ExtractRows3D<math::Interp::cubic, V>{f});
      return;
  }
}

namespace {

template <math::Interp K, class V>
void project_images_k(const math::ExtractSlice3D<V, V>& f, index_t count, V* images) {
  const ExtractRows3D<K, V> rows{f};
  const int n = f.g.n, h = f.g.half();
  const Shape one{n, n, 1, 1};
  // One image at a time per thread: its slice (n (n/2+1) values) stays in the cache from the
  // extraction to the c2r, which runs on the calling thread (a single-threaded plan). Images are
  // handed out dynamically: on a shared machine a thread that loses its core for a while would
  // otherwise hold up the batch (an image is ~0.3 ms at box 128, far above the hand-out cost).
#pragma omp parallel
  {
    Buffer<Complex<V>> slice(index_t(n) * h);
#pragma omp for schedule(dynamic, 2)
    for (index_t b = 0; b < count; ++b) {
      for (int iy = 0; iy < n; ++iy) rows.row_into(int(b), iy, slice.data() + index_t(iy) * h, true);
      cpu::fft_c2r_destructive(slice.data(), images + b * n * n, one);
    }
  }
}

}  // namespace

template <class V>
void project_images_3d(const Complex<V>* volume, const Mat3<double>* poses, index_t count,
                       V* images, const ops::SliceParams& p) {
  const int n = p.box;
  if (n % 2 != 0) {  // odd boxes roll in real space: slices first, then the batch transform
    Buffer<Complex<V>> slices(count * p.slice_size());
    extract_slices_3d<V>(volume, poses, count, slices.data(), p);
    centred_fourier_to_images<V>(slices.data(), n, count, images);
    return;
  }
  const auto a = cast_poses<V>(poses, count);
  const math::ExtractSlice3D<V, V> f{volume, a.data(), nullptr, geometry<V>(p)};
  switch (p.interp) {
    case math::Interp::nearest: project_images_k<math::Interp::nearest>(f, count, images); return;
    case math::Interp::linear: project_images_k<math::Interp::linear>(f, count, images); return;
    case math::Interp::cubic: project_images_k<math::Interp::cubic>(f, count, images); return;
  }
}

template <class V>
void extract_slices_2d(const Complex<V>* image, const Mat3<double>* poses, index_t count,
                       Complex<V>* out, const ops::SliceParams& p) {
  const auto a = cast_poses<V>(poses, count);
  using F = math::ExtractSlice2D<V, V>;
  cpu::parallel_for(count * p.box, math::ByRow<F>{F{image, a.data(), out, geometry<V>(p)}});
}

template <class V>
void insert_slices_3d(Complex<V>* const* data, V* const* weight, int n_acc,
                      const Complex<V>* slices, const V* weights, const Mat3<double>* poses,
                      index_t count, const ops::SliceParams& p) {
  const auto a = cast_poses<V>(poses, count);
  const auto g = geometry<V>(p);
  if (n_acc <= 1) {
    using F = math::InsertSlice3D<V, V, OmpAtomicAdd>;
    cpu::parallel_for(count * p.box,
                      math::ByRow<F>{F{data[0], weight[0], slices, weights, a.data(), g, {}}});
    return;
  }
#pragma omp parallel num_threads(n_acc)
  {
    const int t = omp_get_thread_num();
    const math::InsertSlice3D<V, V, math::PlainAdd> f{data[t], weight[t], slices, weights,
                                                      a.data(), g, {}};
#pragma omp for schedule(dynamic)
    for (index_t b = 0; b < count; ++b)
      for (index_t r = 0; r < p.box; ++r) f.row(b * p.box + r);
  }
}

template <class V>
void insert_slices_2d(Complex<V>* const* data, V* const* weight, int n_acc,
                      const Complex<V>* slices, const V* weights, const Mat3<double>* poses,
                      index_t count, const ops::SliceParams& p) {
  const auto a = cast_poses<V>(poses, count);
  const auto g = geometry<V>(p);
  if (n_acc <= 1) {
    using F = math::InsertSlice2D<V, V, OmpAtomicAdd>;
    cpu::parallel_for(count * p.box,
                      math::ByRow<F>{F{data[0], weight[0], slices, weights, a.data(), g, {}}});
    return;
  }
#pragma omp parallel num_threads(n_acc)
  {
    const int t = omp_get_thread_num();
    const math::InsertSlice2D<V, V, math::PlainAdd> f{data[t], weight[t], slices, weights,
                                                      a.data(), g, {}};
#pragma omp for schedule(dynamic)
    for (index_t b = 0; b < count; ++b)
      for (index_t r = 0; r < p.box; ++r) f.row(b * p.box + r);
  }
}

template <class V>
void line_project(const V* volume, int n, const Mat3<double>* poses, index_t count, V* out,
                  math::Interp interp) {
  const auto a = cast_poses<V>(poses, count);
  cpu::parallel_for(count * n * n, math::LineProject<V, V>{volume, a.data(), out, n, interp});
}

template <class V>
void resample(const V* in, V* out, int nx, int ny, int nz, index_t count, const Mat3<double>& m,
              const Vec3<double>& t, math::Interp interp) {
  const math::Resample<V, V> f{in, out, nx, ny, nz, m.cast<V>(), {V(t.x), V(t.y), V(t.z)}, interp};
  cpu::parallel_for(count * nx * ny * nz, f);
}

// For even n the roll by n/2 is the factor (-1)^(kx+ky) in Fourier space (exp(-2 pi i k (n/2)/n)),
// applied in the pass over the half-complex data instead of a pass over the real images. Odd n
// rolls in real space. (The reference always rolls in real space: an independent check.)
template <class V>
struct CheckerboardSign {
  Complex<V>* a;
  int n;
  THON_HD void operator()(index_t i) const {
    const int h = n / 2 + 1;
    const int kx = int(i % h), iy = int((i / h) % n);
    if ((kx + iy) & 1) a[i] = -a[i];
  }
};

template <class V>
void images_to_centred_fourier(const V* images, int n, index_t count, Complex<V>* out) {
  if (n % 2 == 0) {
    cpu::fft_r2c(images, out, Shape{n, n, 1, int(count)});
    cpu::parallel_for(count * n * (n / 2 + 1), CheckerboardSign<V>{out, n});
    return;
  }
  Buffer<V> rolled(count * n * n);
  cpu::parallel_for(count * n * n, math::RollImages<V>{images, rolled.data(), n, false});
  cpu::fft_r2c(rolled.data(), out, Shape{n, n, 1, int(count)});
}

template <class V>
void centred_fourier_to_images(const Complex<V>* in, int n, index_t count, V* images) {
  if (n % 2 == 0) {
    Buffer<Complex<V>> tmp(count * n * (n / 2 + 1));
    std::copy(in, in + tmp.size(), tmp.data());
    cpu::parallel_for(tmp.size(), CheckerboardSign<V>{tmp.data(), n});
    cpu::fft_c2r_destructive(tmp.data(), images, Shape{n, n, 1, int(count)});
    return;
  }
  Buffer<V> tmp(count * n * n);
  cpu::fft_c2r(in, tmp.data(), Shape{n, n, 1, int(count)});
  cpu::parallel_for(count * n * n, math::RollImages<V>{tmp.data(), images, n, true});
}

#define THON_INSTANTIATE(V)                                                                       \
  template void prepare_fourier<V>(const V*, int, int, int, const double*, Complex<V>*);         \
  template void extract_slices_3d<V>(const Complex<V>*, const Mat3<double>*, index_t,            \
                                     Complex<V>*, const ops::SliceParams&);                      \
  template void project_images_3d<V>(const Complex<V>*, const Mat3<double>*, index_t, V*,       \
                                     const ops::SliceParams&);                                   \
  template void extract_slices_2d<V>(const Complex<V>*, const Mat3<double>*, index_t,            \
                                     Complex<V>*, const ops::SliceParams&);                      \
  template void insert_slices_3d<V>(Complex<V>* const*, V* const*, int, const Complex<V>*,       \
                                    const V*, const Mat3<double>*, index_t,                      \
                                    const ops::SliceParams&);                                    \
  template void insert_slices_2d<V>(Complex<V>* const*, V* const*, int, const Complex<V>*,       \
                                    const V*, const Mat3<double>*, index_t,                      \
                                    const ops::SliceParams&);                                    \
  template void line_project<V>(const V*, int, const Mat3<double>*, index_t, V*, math::Interp);  \
  template void resample<V>(const V*, V*, int, int, int, index_t, const Mat3<double>&,           \
                            const Vec3<double>&, math::Interp);                                  \
  template void images_to_centred_fourier<V>(const V*, int, index_t, Complex<V>*);               \
  template void centred_fourier_to_images<V>(const Complex<V>*, int, index_t, V*);
THON_INSTANTIATE(float)
THON_INSTANTIATE(double)
#undef THON_INSTANTIATE

namespace {

template <class V>
class Prepared final : public ops::PreparedTransform<V> {
 public:
  Prepared(const V* in, int ndim, const ops::SliceParams& p, const double* corr)
      : ndim_(ndim), data_(ndim == 3 ? p.volume_half_size() : p.image_half_size()) {  // zeroed
    prepare_fourier<V>(in, p.box, ndim, p.padded_box, corr, data_.data());
  }
  void extract(const Mat3<double>* poses, index_t count, Complex<V>* out,
               const ops::SliceParams& p) const override {
    if (ndim_ == 3) extract_slices_3d<V>(data_.data(), poses, count, out, p);
    else extract_slices_2d<V>(data_.data(), poses, count, out, p);
  }
  bool project_images(const Mat3<double>* poses, index_t count, V* images,
                      const ops::SliceParams& p) const override {
    if (ndim_ != 3) return false;
    project_images_3d<V>(data_.data(), poses, count, images, p);
    return true;
  }
  std::vector<Complex<V>> transform() const override {
    return std::vector<Complex<V>>(data_.begin(), data_.end());
  }

 private:
  int ndim_;
  HugeBuffer<Complex<V>> data_;
};

}  // namespace

template <class V>
std::unique_ptr<ops::PreparedTransform<V>> make_prepared_transform(const V* in, int ndim,
                                                                   const ops::SliceParams& p,
                                                                   const double* corr) {
  return std::make_unique<Prepared<V>>(in, ndim, p, corr);
}
template std::unique_ptr<ops::PreparedTransform<float>> make_prepared_transform<float>(
    const float*, int, const ops::SliceParams&, const double*);
template std::unique_ptr<ops::PreparedTransform<double>> make_prepared_transform<double>(
    const double*, int, const ops::SliceParams&, const double*);

}  // namespace thon::cpu
