// FFTW3 plans, cached by (precision, kind, shape, threads, alignment) and executed through the
// new-array interface, so one plan serves every buffer of the same shape. FFTW's planner is not
// thread-safe: plan creation is serialised by a mutex; execution is concurrent.
#include "cpu/fft.hpp"

#include <fftw3.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "thon/core/error.hpp"

namespace thon::cpu {
namespace {

enum class Kind { r2c, c2r, c2c_forward, c2c_inverse };

// Precision traits: the fftwf_* and fftw_* APIs behind one name.
template <class Real> struct Fftw;

template <> struct Fftw<float> {
  using plan = fftwf_plan;
  using complex = fftwf_complex;
  static void* malloc(std::size_t n) { return fftwf_malloc(n); }
  static void free(void* p) { fftwf_free(p); }
  static void destroy(plan p) { fftwf_destroy_plan(p); }
  static void init_threads() { fftwf_init_threads(); }
  static void plan_with_nthreads(int n) { fftwf_plan_with_nthreads(n); }
  static int alignment_of(const void* p) { return fftwf_alignment_of(reinterpret_cast<float*>(const_cast<void*>(p))); }
  static plan r2c(int rank, const int* n, int howmany, float* in, complex* out, unsigned flags) {
    return fftwf_plan_many_dft_r2c(rank, n, howmany, in, nullptr, 1, dist(rank, n), out, nullptr, 1, hdist(rank, n), flags);
  }
  static plan c2r(int rank, const int* n, int howmany, complex* in, float* out, unsigned flags) {
    return fftwf_plan_many_dft_c2r(rank, n, howmany, in, nullptr, 1, hdist(rank, n), out, nullptr, 1, dist(rank, n), flags);
  }
  static plan c2c(int rank, const int* n, int howmany, complex* in, complex* out, int sign, unsigned flags) {
    return fftwf_plan_many_dft(rank, n, howmany, in, nullptr, 1, dist(rank, n), out, nullptr, 1, dist(rank, n), sign, flags);
  }
  static void exec_r2c(plan p, float* in, complex* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void exec_c2r(plan p, complex* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
  static void exec_c2c(plan p, complex* in, complex* out) { fftwf_execute_dft(p, in, out); }
  static int dist(int rank, const int* n) { int d = 1; for (int i = 0; i < rank; ++i) d *= n[i]; return d; }
  static int hdist(int rank, const int* n) { return dist(rank - 1, n) * (n[rank - 1] / 2 + 1); }
};

template <> struct Fftw<double> {
  using plan = fftw_plan;
  using complex = fftw_complex;
  static void* malloc(std::size_t n) { return fftw_malloc(n); }
  static void free(void* p) { fftw_free(p); }
  static void destroy(plan p) { fftw_destroy_plan(p); }
  static void init_threads() { fftw_init_threads(); }
  static void plan_with_nthreads(int n) { fftw_plan_with_nthreads(n); }
  static int alignment_of(const void* p) { return fftw_alignment_of(reinterpret_cast<double*>(const_cast<void*>(p))); }
  static plan r2c(int rank, const int* n, int howmany, double* in, complex* out, unsigned flags) {
    return fftw_plan_many_dft_r2c(rank, n, howmany, in, nullptr, 1, dist(rank, n), out, nullptr, 1, hdist(rank, n), flags);
  }
  static plan c2r(int rank, const int* n, int howmany, complex* in, double* out, unsigned flags) {
    return fftw_plan_many_dft_c2r(rank, n, howmany, in, nullptr, 1, hdist(rank, n), out, nullptr, 1, dist(rank, n), flags);
  }
  static plan c2c(int rank, const int* n, int howmany, complex* in, complex* out, int sign, unsigned flags) {
    return fftw_plan_many_dft(rank, n, howmany, in, nullptr, 1, dist(rank, n), out, nullptr, 1, dist(rank, n), sign, flags);
  }
  static void exec_r2c(plan p, double* in, complex* out) { fftw_execute_dft_r2c(p, in, out); }
  static void exec_c2r(plan p, complex* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
  static void exec_c2c(plan p, complex* in, complex* out) { fftw_execute_dft(p, in, out); }
  static int dist(int rank, const int* n) { int d = 1; for (int i = 0; i < rank; ++i) d *= n[i]; return d; }
  static int hdist(int rank, const int* n) { return dist(rank - 1, n) * (n[rank - 1] / 2 + 1); }
};

/// FFTW planner effort, from THON_FFTW_PLANNER (estimate | measure | patient); default measure.
unsigned planner_flag() {
  static const unsigned flag = [] {
    const char* env = std::getenv("THON_FFTW_PLANNER");
    if (!env || std::strcmp(env, "measure") == 0) return unsigned(FFTW_MEASURE);
    if (std::strcmp(env, "estimate") == 0) return unsigned(FFTW_ESTIMATE);
    if (std::strcmp(env, "patient") == 0) return unsigned(FFTW_PATIENT);
    fail(ErrorCode::invalid_argument, "THON_FFTW_PLANNER='", env, "' (expected estimate, measure or patient)");
  }();
  return flag;
}

using Key = std::tuple<int /*precision bytes*/, int /*kind*/, int, int, int, int /*batch*/, int /*threads*/,
                       bool /*unaligned*/, bool /*in place*/>;

struct PlanEntry {
  void* plan = nullptr;
  void (*destroy)(void*) = nullptr;
  ~PlanEntry() {
    if (plan) destroy(plan);
  }
};

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

std::map<Key, std::unique_ptr<PlanEntry>>& plan_cache() {
  static std::map<Key, std::unique_ptr<PlanEntry>> cache;
  return cache;
}

template <class Real>
void ensure_threads_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { Fftw<Real>::init_threads(); });
}

/// FFTW dims are slowest-first: {nz, ny, nx} for 3D, {ny, nx} for 2D, {nx} for 1D.
int fftw_dims(const Shape& s, int* n) {
  THON_CHECK(s.nx > 0 && s.ny > 0 && s.nz > 0 && s.batch > 0, "FFT: invalid shape ", s.nx, " x ", s.ny,
             " x ", s.nz, " (batch ", s.batch, ")");
  if (s.nz > 1) { n[0] = s.nz; n[1] = s.ny; n[2] = s.nx; return 3; }
  if (s.ny > 1) { n[0] = s.ny; n[1] = s.nx; return 2; }
  n[0] = s.nx;
  return 1;
}

template <class Real>
typename Fftw<Real>::plan get_plan(Kind kind, const Shape& s, bool unaligned, bool in_place = false) {
  using F = Fftw<Real>;
  ensure_threads_initialised<Real>();
  // Inside an OpenMP parallel region the caller is already one of many threads: plan for one.
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const Key key{int(sizeof(Real)), int(kind), s.nx, s.ny, s.nz, s.batch, threads, unaligned, in_place};
  std::lock_guard<std::mutex> lock(planner_mutex());
  auto& cache = plan_cache();
  auto it = cache.find(key);
  if (it != cache.end()) return static_cast<typename F::plan>(it->second->plan);

  int n[3];
  const int rank = fftw_dims(s, n);
  // Plan on scratch arrays: FFTW_MEASURE overwrites them. Execution uses the caller's arrays.
  const std::size_t real_n = std::size_t(s.total());
  const std::size_t half_n = std::size_t(s.half_total());
  const std::size_t complex_n = kind == Kind::r2c || kind == Kind::c2r ? half_n : real_n;
  Real* r = static_cast<Real*>(F::malloc(sizeof(Real) * (real_n + 1)));
  auto* c = static_cast<typename F::complex*>(F::malloc(sizeof(typename F::complex) * complex_n));
  auto* c2 = static_cast<typename F::complex*>(F::malloc(sizeof(typename F::complex) * complex_n));
  if (!r || !c || !c2) fail(ErrorCode::out_of_memory, "FFT: scratch allocation for planning failed");
  // An unaligned plan is made on arrays offset by one element, which FFTW then treats generally.
  Real* r_plan = unaligned ? r + 1 : r;
  const unsigned flags = planner_flag() | (unaligned ? FFTW_UNALIGNED : 0u);
  F::plan_with_nthreads(threads);
  typename F::plan p = nullptr;
  switch (kind) {
    case Kind::r2c: p = F::r2c(rank, n, s.batch, r_plan, c, flags); break;
    case Kind::c2r: p = F::c2r(rank, n, s.batch, c, r_plan, flags); break;
    case Kind::c2c_forward: p = F::c2c(rank, n, s.batch, c, in_place ? c : c2, FFTW_FORWARD, flags); break;
    case Kind::c2c_inverse: p = F::c2c(rank, n, s.batch, c, in_place ? c : c2, FFTW_BACKWARD, flags); break;
  }
  F::free(r);
  F::free(c);
  F::free(c2);
  if (!p) fail(ErrorCode::fft, "FFTW could not plan a transform of ", s.nx, " x ", s.ny, " x ", s.nz);
  auto entry = std::make_unique<PlanEntry>();
  entry->plan = p;
  entry->destroy = [](void* q) { F::destroy(static_cast<typename F::plan>(q)); };
  cache.emplace(key, std::move(entry));
  return p;
}

template <class Real>
bool is_unaligned(const void* a, const void* b) {
  return Fftw<Real>::alignment_of(a) != 0 || Fftw<Real>::alignment_of(b) != 0;
}

/// Below this many elements the 1/N pass runs on the calling thread: a serial pass over 1 M floats
/// takes about 0.5 ms, less than an OpenMP fork/join costs when the cores are oversubscribed.
constexpr index_t kParallelScaleMin = index_t(1) << 20;

template <class Real>
void scale(Real* data, index_t n, Real factor) {
  if (omp_in_parallel() || n < kParallelScaleMin) {
    for (index_t i = 0; i < n; ++i) data[i] *= factor;
  } else {
#pragma omp parallel for schedule(static)
    for (index_t i = 0; i < n; ++i) data[i] *= factor;
  }
}

template <class Real>
void r2c_impl(const Real* in, Complex<Real>* out, const Shape& s) {
  using F = Fftw<Real>;
  auto p = get_plan<Real>(Kind::r2c, s, is_unaligned<Real>(in, out));
  // r2c does not modify its input (FFTW guarantees this for out-of-place r2c).
  F::exec_r2c(p, const_cast<Real*>(in), reinterpret_cast<typename F::complex*>(out));
}

template <class Real>
void c2r_destructive_impl(Complex<Real>* in, Real* out, const Shape& s) {
  using F = Fftw<Real>;
  auto p = get_plan<Real>(Kind::c2r, s, is_unaligned<Real>(in, out));
  F::exec_c2r(p, reinterpret_cast<typename F::complex*>(in), out);
  scale(out, s.total(), Real(1) / Real(s.size()));
}

template <class Real>
void c2r_impl(const Complex<Real>* in, Real* out, const Shape& s) {
  // FFTW's multi-dimensional c2r overwrites its input: work on a per-thread scratch copy.
  thread_local std::vector<Complex<Real>> scratch;
  scratch.assign(in, in + s.half_total());
  c2r_destructive_impl(scratch.data(), out, s);
}

template <class Real>
void c2c_impl(const Complex<Real>* in, Complex<Real>* out, const Shape& s, FftDirection dir, bool normalise = true) {
  using F = Fftw<Real>;
  const Kind kind = dir == FftDirection::forward ? Kind::c2c_forward : Kind::c2c_inverse;
  auto p = get_plan<Real>(kind, s, is_unaligned<Real>(in, out), static_cast<const void*>(in) == out);
  F::exec_c2c(p, reinterpret_cast<typename F::complex*>(const_cast<Complex<Real>*>(in)),
              reinterpret_cast<typename F::complex*>(out));
  if (normalise && dir == FftDirection::inverse)
    scale(reinterpret_cast<Real*>(out), 2 * s.total(), Real(1) / Real(s.size()));
}

}  // namespace

void fft_r2c(const float* in, Complex<float>* out, const Shape& s) { r2c_impl(in, out, s); }
void fft_r2c(const double* in, Complex<double>* out, const Shape& s) { r2c_impl(in, out, s); }
void fft_c2r(const Complex<float>* in, float* out, const Shape& s) { c2r_impl(in, out, s); }
void fft_c2r(const Complex<double>* in, double* out, const Shape& s) { c2r_impl(in, out, s); }
void fft_c2r_destructive(Complex<float>* in, float* out, const Shape& s) { c2r_destructive_impl(in, out, s); }
void fft_c2r_destructive(Complex<double>* in, double* out, const Shape& s) { c2r_destructive_impl(in, out, s); }
void fft_c2c(const Complex<float>* in, Complex<float>* out, const Shape& s, FftDirection d) { c2c_impl(in, out, s, d); }
void fft_c2c(const Complex<double>* in, Complex<double>* out, const Shape& s, FftDirection d) { c2c_impl(in, out, s, d); }
void fft_c2c_unnormalised(Complex<float>* in, Complex<float>* out, const Shape& s, FftDirection d) {
  c2c_impl<float>(in, out, s, d, false);
}

int fft_plan_cache_size() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  return int(plan_cache().size());
}

}  // namespace thon::cpu
