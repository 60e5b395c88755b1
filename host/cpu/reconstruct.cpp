// CPU Fourier insertion: FFTW r2c of each batch, the shared per-sample functors and enumerator
// (include/thon/math/reconstruct_insert.hpp, math/interp.hpp) over OpenMP threads, the scatter as a
// gather by z slab (see CpuInserter::insert_by_slab).
#include "cpu/reconstruct.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "common/reconstruct.hpp"
#include "cpu/fft.hpp"
#include "cpu/huge_buffer.hpp"
#include "thon/core/parallel.hpp"

namespace thon::cpu {
namespace {

struct PlainAdd {
  void operator()(float* p, float v) const { *p += v; }
};

struct AtomicAdd {
  void operator()(float* p, float v) const {
#pragma omp atomic
    *p += v;
  }
};

std::atomic<InsertStrategy> g_last_strategy{InsertStrategy::slab};

/// pad * (row 0, row 1) of A S for every image and symmetry operator.
std::vector<float> orientation_rows(const ops::InsertPose* poses, int n,
                                    const std::vector<Mat3<double>>& sym, int pad) {
  const int n_orient = int(sym.size());
  std::vector<float> rows(std::size_t(6) * n * n_orient);
  for (int i = 0; i < n; ++i)
    for (int s = 0; s < n_orient; ++s) {
      const Mat3<double> a = poses[i].A * sym[std::size_t(s)];
      float* r = rows.data() + 6 * (std::size_t(i) * n_orient + s);
      for (int c = 0; c < 3; ++c) {
        r[c] = float(pad * a.m[0][c]);
        r[3 + c] = float(pad * a.m[1][c]);
      }
    }
  return rows;
}

/// One sample of the slab path: grid position and prepared value (re, im, CTF^2).
struct SlabSample {
  float qx, qy, qz, re, im, w;
};
constexpr std::size_t kMaxSlabSamples = std::size_t(1) << 22;  ///< sorted at a time (at most 96 MiB)
constexpr index_t kPrefetchAhead = 8;  ///< samples between a prefetch and its adds
constexpr int kChunkPlanes = 8;  ///< z planes per task (>= the widest kernel's support, 4)

class CpuInserter final : public ops::FourierInserter {
 public:
  CpuInserter(const ops::ReconstructGeometry& geom, const std::vector<Mat3<double>>& sym,
              std::size_t budget, InsertStrategy strategy)
      : ops::FourierInserter(geom), g_(geom.insert_geometry()), sym_(sym) {
    if (sym_.empty()) sym_.push_back(Mat3<double>::identity());
    const std::size_t half_bytes = (sizeof(Complex<float>) + sizeof(float)) * std::size_t(g_.acc_voxels());
    if (budget == 0) budget = available_host_memory() / 2;
    THON_CHECK_CODE(2 * half_bytes <= budget, out_of_memory, "reconstruct: the two half-set accumulators need ",
                    2 * half_bytes / (1 << 20), " MiB, more than the ", budget / (1 << 20),
                    " MiB allowed (reduce --pad or --maxres)");
    threads_ = omp_get_max_threads();
    // The slab path needs a sorted copy of the samples (at most kMaxSlabSamples at a time) beside
    // the two accumulators; with less memory, one shared pair is updated with atomic adds.
    const std::size_t packed_bytes = 4 * sizeof(float) * std::size_t(g_.acc_voxels());
    const bool slab_fits = 2 * packed_bytes + kMaxSlabSamples * sizeof(SlabSample) <= budget;
    if (strategy == InsertStrategy::automatic)
      strategy = slab_fits ? InsertStrategy::slab : InsertStrategy::atomic;
    THON_CHECK_CODE(strategy != InsertStrategy::slab || slab_fits, out_of_memory,
                    "reconstruct: the slab insertion needs ", kMaxSlabSamples * sizeof(SlabSample) / (1 << 20),
                    " MiB beside the accumulators, more than allowed");
    strategy_ = strategy;
    g_last_strategy = strategy;
    for (int h = 0; h < 2; ++h) {
      if (strategy_ == InsertStrategy::slab) packed_[h] = HugeBuffer<float>(4 * g_.acc_voxels());  // zeroed
      else acc_[h] = ops::FourierAccumulator(g_);
    }
  }

  void insert(const float* images, const float* ctf, const ops::InsertPose* poses, int n) override {
    run(images, ctf, nullptr, poses, n);
  }
  void insert_ctf(const float* images, const math::CtfParams* ctf, const ops::InsertPose* poses,
                  int n) override {
    run(images, nullptr, ctf, poses, n);
  }

  // One batch: FFT, phase tables, preparation (with the CTF table `ctf`, or fused with the CTF of
  // `ctf_params`, or no CTF), then the adds.
  void run(const float* images, const float* ctf, const math::CtfParams* ctf_params,
           const ops::InsertPose* poses, int n) {
    if (n <= 0) return;
    const index_t per = g_.image_half_size();
    const int m = g_.m;
    if (fft_.size() < index_t(n) * per) {
      fft_ = Buffer<Complex<float>>(index_t(n) * per);
      prepared_ = Buffer<float>(3 * index_t(n) * per);
      if (m != g_.n) padded_ = Buffer<float>(index_t(n) * m * m);
    }
    if (m != g_.n) {
      ops::pad_image_batch(images, g_.n, m, n, padded_.data());
      images = padded_.data();
    }
    fft_r2c(images, fft_.data(), Shape{m, m, 1, n});

    std::vector<Complex<float>> phase_x(std::size_t(n) * g_.hx()), phase_y(std::size_t(n) * g_.m);
    std::vector<int> half(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      math::centring_phase_tables(g_, float(poses[i].shift_x_px), float(poses[i].shift_y_px),
                                  phase_x.data() + std::size_t(i) * g_.hx(), phase_y.data() + std::size_t(i) * g_.m);
      THON_CHECK(poses[i].half == 0 || poses[i].half == 1, "reconstruct: half-set ", poses[i].half,
                 " of image ", i, " is not 0 or 1");
      half[std::size_t(i)] = poses[i].half;
    }
    const std::vector<float> rows = orientation_rows(poses, n, sym_, g_.sample_scale());

    if (ctf_params) {
      prepare_fused(ctf_params, phase_x.data(), phase_y.data(), n);
    } else {
      math::PrepareSample prep{g_, fft_.data(), ctf, phase_x.data(), phase_y.data(), prepared_.data()};
      parallel_for(index_t(n) * per, prep);
    }

    const int n_orient = int(sym_.size());
    if (strategy_ == InsertStrategy::slab) {
      insert_by_slab(rows.data(), half.data(), n, n_orient);
    } else {
      math::InsertSample<AtomicAdd> ins{g_, prepared_.data(), rows.data(), n_orient, half.data(),
                                        acc_[0].data.data(), acc_[0].weight.data(), acc_[1].data.data(),
                                        acc_[1].weight.data(), {}};
      parallel_for(index_t(n) * n_orient * per, ins);
    }
    n_images_[0] += std::count(half.begin(), half.end(), 0);
    n_images_[1] += std::count(half.begin(), half.end(), 1);
  }

  // PrepareSample with the CTF evaluated in the same pass (math::ctf_value_fast at the frequencies
  // of math::CtfImageKernel), row by row: no index divisions per pixel, the CTF never stored, and
  // nothing computed outside r_max.
  void prepare_fused(const math::CtfParams* ctf, const Complex<float>* phase_x,
                     const Complex<float>* phase_y, int n) {
    const int m = g_.m, hx = g_.hx(), rm = g_.r_max_image();
    const index_t per = g_.image_half_size();
    const float mp = float(m) * float(geometry_.pixel_size_A);
    std::vector<float> kx_A(static_cast<std::size_t>(hx));
    for (int kx = 0; kx < hx; ++kx) kx_A[std::size_t(kx)] = float(kx) / mp;
    const Complex<float>* fft = fft_.data();
    float* prepared = prepared_.data();
#pragma omp parallel
    {
    std::vector<float> ctf_row(static_cast<std::size_t>(hx));
#pragma omp for schedule(static)
    for (int img = 0; img < n; ++img) {
      const math::CtfParams c = ctf[img];
      const bool envelope = math::ctf_has_envelope(c);
      const Complex<float>* px = phase_x + index_t(img) * hx;
      const Complex<float>* py = phase_y + index_t(img) * m;
      for (int iy = 0; iy < m; ++iy) {
        const int ky = math::signed_row_frequency(iy, m);
        const Complex<float>* f = fft + index_t(img) * per + index_t(iy) * hx;
        float* o = prepared + 3 * (index_t(img) * per + index_t(iy) * hx);
        const int k0 = ky < 0 ? 1 : 0;
        int k1 = -1;  // last kx inside r_max
        if (ky * ky <= rm * rm) {
          k1 = int(std::sqrt(float(rm * rm - ky * ky)));
          while ((k1 + 1) * (k1 + 1) + ky * ky <= rm * rm) ++k1;
          while (k1 * k1 + ky * ky > rm * rm) --k1;
          k1 = std::min(k1, hx - 1);
        }
        if (k1 < k0) {
          std::fill(o, o + 3 * hx, 0.f);
          continue;
        }
        std::fill(o, o + 3 * k0, 0.f);
        std::fill(o + 3 * (k1 + 1), o + 3 * hx, 0.f);
        const float ky_A = float(iy <= m / 2 ? iy : iy - m) / mp;
        const float ky2 = ky_A * ky_A;
        // The CTF of the row in two passes: the branch-free sine (vectorised), then the envelope
        // where there is one (math::ctf_value_fast split at its seam).
        float* w = ctf_row.data();
        const float* kxa = kx_A.data();
        for (int kx = k0; kx <= k1; ++kx)
          w[kx] = math::ctf_sine_fast(c, kxa[kx], ky_A, kxa[kx] * kxa[kx] + ky2);
        if (envelope)
          for (int kx = k0; kx <= k1; ++kx) {
            const float s2 = kxa[kx] * kxa[kx] + ky2;
            w[kx] *= math::ctf_envelope(c, s2, math::defocus_at_frequency(c, kxa[kx], ky_A, s2));
          }
        const Complex<float> pyv = py[iy];
        for (int kx = k0; kx <= k1; ++kx) {
          const Complex<float> v = f[kx] * px[kx] * pyv;
          o[3 * kx] = w[kx] * v.re;
          o[3 * kx + 1] = w[kx] * v.im;
          o[3 * kx + 2] = w[kx] * w[kx];
        }
      }
    }
    }
  }

  // Calls f(p, kx, ky, v) for the pixels of image img that PrepareSample did not zero (inside
  // r_max, not the redundant half of the kx = 0 column), v = prepared (re, im, weight).
  template <class F>
  void for_pixels(int img, F&& f) const {
    const index_t per = g_.image_half_size();
    const int hx = g_.hx();
    const int rm = g_.r_max_image();
    const float* base = prepared_.data() + 3 * index_t(img) * per;
    for (int iy = 0; iy < g_.m; ++iy) {
      const int ky = math::signed_row_frequency(iy, g_.m);
      if (ky * ky > rm * rm) continue;
      int kmax = int(std::sqrt(float(rm * rm - ky * ky)));
      while ((kmax + 1) * (kmax + 1) + ky * ky <= rm * rm) ++kmax;
      while (kmax * kmax + ky * ky > rm * rm) --kmax;
      kmax = std::min(kmax, hx - 1);
      for (int kx = ky < 0 ? 1 : 0; kx <= kmax; ++kx) {
        const index_t p = index_t(iy) * hx + kx;
        const float* v = base + 3 * p;
        if (v[2] == 0.f && v[0] == 0.f && v[1] == 0.f) continue;
        f(p, kx, ky, v);
      }
    }
  }

  // Gather by slab. The samples of the batch (every prepared pixel under every orientation) are
  // sorted by half-set and by the first z plane their kernel touches (a counting sort, two passes:
  // histogram, then scatter), and the planes are cut into chunks of kChunkPlanes. One task adds
  // the samples of one chunk of one half-set; a sample starting in chunk j writes planes of chunk j
  // and, when its kernel overhangs, of chunk j+1, so the even chunks run first, then the odd ones
  // (and a last odd-numbered chunk that wraps onto chunk 0 on its own): no two running tasks write
  // the same plane, so plain adds, no atomics, no per-thread copies. Each task's writes stay in a
  // few planes (a 396 KB plane per half-set at box 128, pad 2) instead of wandering over the
  // 100 MB grid, so they hit the cache. Samples whose kernel crosses the x = 0 plane (only the cubic
  // kernel's, whose conjugate mirrors them to other planes) are added afterwards by one thread.
  // Every sample is added by math::insert_fourier_3d, as in InsertSample.
  void insert_by_slab(const float* rows, const int* half, int n, int n_orient) {
    const index_t per = g_.image_half_size();
    const int n3 = g_.np();
    const int s = math::interp_support(g_.kernel);
    const int n_keys = 2 * n3 + 2;  // (half, first plane), then the mirrored samples of each half
    const int items = n * n_orient;
    const int per_block = int(std::max<index_t>(1, index_t(kMaxSlabSamples) / per));
    const math::Interp kernel = g_.kernel;

    // Key of the sample at grid position q of an image of half-set h.
    auto key_of = [&](float qx, float qz, int h) -> std::uint32_t {
      // The enumerator works at -q for qx < 0 (conjugate); find the planes it will touch.
      const float sx = qx < 0 ? -qx : qx, sz = qx < 0 ? -qz : qz;
      float w[4];
      const int x0 = math::interp_weights_1d(kernel, sx, w);
      if (x0 < 0 || x0 + s - 1 > (n3 - 1) / 2) return std::uint32_t(2 * n3 + h);
      int z0 = math::interp_weights_1d(kernel, sz, w) % n3;
      if (z0 < 0) z0 += n3;
      return std::uint32_t(h * n3 + z0);
    };
    const int threads = threads_;
    local_.resize(std::size_t(threads));
    std::vector<index_t> hist(std::size_t(threads) * n_keys);
    if (keys_.size() < std::size_t(std::min(items, per_block)) * std::size_t(per))
      keys_.resize(std::size_t(std::min(items, per_block)) * std::size_t(per));
    for (int b0 = 0; b0 < items; b0 += per_block) {
      const int b1 = std::min(items, b0 + per_block);
      std::fill(hist.begin(), hist.end(), 0);
      auto range = [&](int t, int& lo, int& hi) {
        lo = b0 + int(index_t(b1 - b0) * t / threads);
        hi = b0 + int(index_t(b1 - b0) * (t + 1) / threads);
      };
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num();
        int lo, hi;
        range(t, lo, hi);
        index_t* h = hist.data() + std::size_t(t) * n_keys;
        for (int io = lo; io < hi; ++io) {
          const float* r = rows + 6 * index_t(io);
          const int hf = half[io / n_orient];
          std::uint32_t* key = keys_.data() + index_t(io - b0) * per;
          for_pixels(io / n_orient, [&](index_t p, int kx, int ky, const float*) {
            float qx, qy, qz;
            math::insert_position(kx, ky, r, qx, qy, qz);
            const std::uint32_t k = key_of(qx, qz, hf);
            key[p] = k;
            ++h[k];
          });
        }
      }
      // Start of each key, and each thread's offset inside it.
      std::vector<index_t> start(std::size_t(n_keys) + 1, 0);
      for (int k = 0; k < n_keys; ++k) {
        index_t c = start[std::size_t(k)];
        for (int t = 0; t < threads; ++t) {
          const index_t cnt = hist[std::size_t(t) * n_keys + k];
          hist[std::size_t(t) * n_keys + k] = c;
          c += cnt;
        }
        start[std::size_t(k) + 1] = c;
      }
      if (sorted_.size() < std::size_t(start.back())) sorted_.resize(std::size_t(start.back()));
      SlabSample* sorted = sorted_.data();
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num();
        int lo, hi;
        range(t, lo, hi);
        index_t* off = hist.data() + std::size_t(t) * n_keys;
        for (int io = lo; io < hi; ++io) {
          const float* r = rows + 6 * index_t(io);
          const std::uint32_t* key = keys_.data() + index_t(io - b0) * per;
          for_pixels(io / n_orient, [&](index_t p, int kx, int ky, const float* v) {
            float qx, qy, qz;
            math::insert_position(kx, ky, r, qx, qy, qz);
            sorted[off[key[p]]++] = SlabSample{qx, qy, qz, v[0], v[1], v[2]};
          });
        }
      }

      // Add chunk by chunk: phase 0 the even chunks, phase 1 the odd ones, phase 2 the last chunk
      // alone when the chunk count is odd (its index is even and it wraps onto chunk 0).
      // Chunk j holds planes [j n3 / n_chunks, (j + 1) n3 / n_chunks): kChunkPlanes or more each,
      // so an overhang (support - 1 <= 3 planes) never reaches past the next chunk.
      const int n_chunks = std::max(1, n3 / kChunkPlanes);
      auto phase_of = [&](int j) { return (n_chunks % 2 == 1 && j == n_chunks - 1) ? 2 : j % 2; };
      // Adds samples[a, e) to half-set h.
      auto add_range = [&](int h, const SlabSample* samples, index_t a, index_t e) {
        float* acc4 = packed_[h].data();
        for (index_t i = a; i < e; ++i) {
          // Prefetch the voxels of the sample kPrefetchAhead places on: the adds are bound by the
          // latency of the accumulator lines, not by arithmetic.
          if (i + kPrefetchAhead < e) {
            const SlabSample& f = samples[i + kPrefetchAhead];
            math::visit_fourier_3d(kernel, f.qx, f.qy, f.qz, n3, n3, n3, 1e30f, [&](index_t v, float, bool) {
              __builtin_prefetch(acc4 + 4 * v, 1);
            });
          }
          const SlabSample& q = samples[i];
          math::insert_fourier_3d_packed<float>(kernel, acc4, n3, n3, n3, q.qx, q.qy, q.qz, 1e30f,
                                                Complex<float>(q.re, q.im), q.w, PlainAdd{});
        }
      };
      auto row_of = [&](const SlabSample& q) {  // first y row the kernel touches, wrapped
        float w[4];
        int y0 = math::interp_weights_1d(kernel, q.qx < 0 ? -q.qy : q.qy, w) % n3;
        return y0 < 0 ? y0 + n3 : y0;
      };
      for (int phase = 0; phase < 3; ++phase) {
        std::vector<int> tasks;  // h * n_chunks + j
        for (int h = 0; h < 2; ++h)
          for (int j = 0; j < n_chunks; ++j)
            if (phase_of(j) == phase) tasks.push_back(h * n_chunks + j);
#pragma omp parallel num_threads(threads)
        {
          std::vector<SlabSample>& local = local_[std::size_t(omp_get_thread_num())];
          std::vector<index_t> count(std::size_t(n3) + 1);
#pragma omp for schedule(dynamic, 1)
          for (int ti = 0; ti < int(tasks.size()); ++ti) {
            const int h = tasks[std::size_t(ti)] / n_chunks, j = tasks[std::size_t(ti)] % n_chunks;
            const int z_lo = j * n3 / n_chunks, z_hi = (j + 1) * n3 / n_chunks;
            // Plane by plane, the samples re-sorted by their first row (y), so that the adds walk
            // each plane in order.
            for (int z = z_lo; z < z_hi; ++z) {
              const index_t a = start[std::size_t(h * n3 + z)], e = start[std::size_t(h * n3 + z + 1)];
              std::fill(count.begin(), count.end(), 0);
              for (index_t i = a; i < e; ++i) ++count[std::size_t(row_of(sorted[i])) + 1];
              for (int y = 0; y < n3; ++y) count[std::size_t(y) + 1] += count[std::size_t(y)];
              if (local.size() < std::size_t(e - a)) local.resize(std::size_t(e - a));
              for (index_t i = a; i < e; ++i) local[std::size_t(count[std::size_t(row_of(sorted[i]))]++)] = sorted[i];
              add_range(h, local.data(), 0, e - a);  // straight from the row-sorted copy
            }
          }
        }
      }
      // Mirrored samples, one thread.
      for (int h = 0; h < 2; ++h) add_range(h, sorted, start[std::size_t(2 * n3 + h)], start[std::size_t(2 * n3 + h + 1)]);
    }
  }

  ops::FourierAccumulator accumulator(int h) override {
    THON_CHECK(h == 0 || h == 1, "reconstruct: half-set ", h, " is not 0 or 1");
    ops::FourierAccumulator out;
    if (strategy_ == InsertStrategy::slab) {
      THON_CHECK(packed_[h].size() > 0, "reconstruct: the sums of half-set ", h, " were already taken");
      out = ops::FourierAccumulator(g_);
      const float* a4 = packed_[h].data();
      Complex<float>* d = out.data.data();
      float* w = out.weight.data();
      parallel_for(g_.acc_voxels(), [=](index_t i) {
        d[i] = Complex<float>(a4[4 * i], a4[4 * i + 1]);
        w[i] = a4[4 * i + 2];
      });
      packed_[h] = HugeBuffer<float>();
    } else {
      THON_CHECK(!acc_[h].weight.empty(), "reconstruct: the sums of half-set ", h, " were already taken");
      out = std::move(acc_[h]);
      acc_[h] = ops::FourierAccumulator();
    }
    out.n_images = n_images_[h];
    return out;
  }

 private:
  math::InsertGeometry g_;
  std::vector<Mat3<double>> sym_;
  int threads_ = 1;
  InsertStrategy strategy_ = InsertStrategy::slab;
  ops::FourierAccumulator acc_[2];   ///< atomic strategy
  HugeBuffer<float> packed_[2];      ///< slab strategy: (re, im, weight, 0) per voxel, one line
  std::vector<std::uint32_t> keys_;             ///< sort key of each pixel of a block
  std::vector<SlabSample> sorted_;              ///< the samples of the batch, sorted by key
  std::vector<std::vector<SlabSample>> local_;  ///< per thread: one plane's samples, sorted by row
  Buffer<Complex<float>> fft_;
  Buffer<float> prepared_, padded_;
  std::int64_t n_images_[2] = {0, 0};
};

}  // namespace

std::size_t available_host_memory() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  std::size_t value = 0;
  std::string unit;
  while (f >> key >> value >> unit)
    if (key == "MemAvailable:") return value * 1024;
  return std::size_t(4) << 30;
}

Volume<float> invert(const std::vector<const ops::FourierAccumulator*>& accs,
                     const ops::ReconstructGeometry& geometry, const std::vector<double>& inv_tau2) {
  const math::InsertGeometry g = accs[0]->g;
  const std::vector<double> mean_w = ops::shell_mean_weight(accs);
  const int np = g.pad * g.n;
  const Shape shape{np, np, np, 1};
  Buffer<Complex<float>> spec(shape.half_size());
  detail::fill_spectrum<float>(accs, g, inv_tau2, mean_w, spec.data());
  Buffer<float> real(shape.size());
  fft_c2r_destructive(spec.data(), real.data(), shape);
  return detail::crop_and_correct<float>(real.data(), g, geometry.pixel_size_A);
}

bool last_inserter_used_private_accumulators() { return g_last_strategy != InsertStrategy::atomic; }

InsertStrategy last_insert_strategy() { return g_last_strategy; }

std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry,
                                                            std::size_t max_memory_bytes,
                                                            InsertStrategy strategy) {
  return std::make_unique<CpuInserter>(g, symmetry, max_memory_bytes, strategy);
}

}  // namespace thon::cpu
