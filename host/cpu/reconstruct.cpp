// CPU Fourier insertion: FFTW r2c of each batch, then the shared per-sample functors
// (include/thon/math/reconstruct_insert.hpp) over OpenMP threads.
#include "cpu/reconstruct.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>

#include "cpu/fft.hpp"
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

std::atomic<bool> g_last_private{false};

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

class CpuInserter final : public ops::FourierInserter {
 public:
  CpuInserter(const ops::ReconstructGeometry& geom, const std::vector<Mat3<double>>& sym,
              std::size_t budget)
      : ops::FourierInserter(geom), g_(geom.insert_geometry()), sym_(sym) {
    if (sym_.empty()) sym_.push_back(Mat3<double>::identity());
    const std::size_t half_bytes = (sizeof(Complex<float>) + sizeof(float)) * std::size_t(g_.acc_voxels());
    if (budget == 0) budget = available_host_memory() / 2;
    THON_CHECK_CODE(2 * half_bytes <= budget, out_of_memory, "reconstruct: the two half-set accumulators need ",
                    2 * half_bytes / (1 << 20), " MiB, more than the ", budget / (1 << 20),
                    " MiB allowed (reduce --pad or --maxres)");
    threads_ = omp_get_max_threads();
    private_ = threads_ == 1 || std::size_t(2 * threads_) * half_bytes <= budget;  // one thread: plain adds
    g_last_private = private_;
    for (int h = 0; h < 2; ++h) acc_[h] = ops::FourierAccumulator(g_);
    if (private_) priv_.resize(std::size_t(2 * (threads_ - 1)));
  }

  void insert(const float* images, const float* ctf, const ops::InsertPose* poses, int n) override {
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

    math::PrepareSample prep{g_, fft_.data(), ctf, phase_x.data(), phase_y.data(), prepared_.data()};
    parallel_for(index_t(n) * per, prep);

    const int n_orient = int(sym_.size());
    if (private_) {
      for (auto& b : priv_)
        if (b.weight.empty()) b = ops::FourierAccumulator(g_);
#pragma omp parallel num_threads(threads_)
      {
        const int t = omp_get_thread_num();
        ops::FourierAccumulator& a0 = t > 0 ? priv_[std::size_t(2 * (t - 1))] : acc_[0];
        ops::FourierAccumulator& a1 = t > 0 ? priv_[std::size_t(2 * (t - 1) + 1)] : acc_[1];
        math::InsertSample<PlainAdd> ins{g_, prepared_.data(), rows.data(), n_orient, half.data(),
                                         a0.data.data(), a0.weight.data(), a1.data.data(), a1.weight.data(), {}};
#pragma omp for schedule(dynamic, 1)
        for (int io = 0; io < n * n_orient; ++io) {
          const index_t base = index_t(io) * per;
          for (index_t p = 0; p < per; ++p) ins(base + p);
        }
      }
    } else {
      math::InsertSample<AtomicAdd> ins{g_, prepared_.data(), rows.data(), n_orient, half.data(),
                                        acc_[0].data.data(), acc_[0].weight.data(), acc_[1].data.data(),
                                        acc_[1].weight.data(), {}};
      parallel_for(index_t(n) * n_orient * per, ins);
    }
    n_images_[0] += std::count(half.begin(), half.end(), 0);
    n_images_[1] += std::count(half.begin(), half.end(), 1);
  }

  ops::FourierAccumulator accumulator(int h) override {
    THON_CHECK(h == 0 || h == 1, "reconstruct: half-set ", h, " is not 0 or 1");
    THON_CHECK(!acc_[h].weight.empty(), "reconstruct: the sums of half-set ", h, " were already taken");
    // Sum the per-thread copies into the shared one and hand it over (no second copy in memory).
    for (std::size_t j = std::size_t(h); j < priv_.size(); j += 2)
      if (!priv_[j].weight.empty()) {
        acc_[h] += priv_[j];
        priv_[j] = ops::FourierAccumulator();
      }
    ops::FourierAccumulator out = std::move(acc_[h]);
    acc_[h] = ops::FourierAccumulator();
    out.n_images = n_images_[h];
    return out;
  }

 private:
  math::InsertGeometry g_;
  std::vector<Mat3<double>> sym_;
  int threads_ = 1;
  bool private_ = false;
  ops::FourierAccumulator acc_[2];
  std::vector<ops::FourierAccumulator> priv_;
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

bool last_inserter_used_private_accumulators() { return g_last_private; }

std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry,
                                                            std::size_t max_memory_bytes) {
  return std::make_unique<CpuInserter>(g, symmetry, max_memory_bytes);
}

}  // namespace thon::cpu
