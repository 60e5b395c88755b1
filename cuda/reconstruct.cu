// CUDA Fourier insertion: the batch is copied to the device, transformed by a batched cuFFT r2c
// plan, prepared and inserted by the same functors the CPU runs (math/reconstruct_insert.hpp), with
// atomicAdd into two device-resident half-set accumulators.
#include <algorithm>
#include <vector>

#include "cuda/check.cuh"
#include "cuda/parallel.cuh"
#include "cuda/reconstruct.hpp"
#include "thon/core/array.hpp"

namespace thon::cuda {
namespace {

struct DeviceAtomicAdd {
  __device__ void operator()(float* p, float v) const { atomicAdd(p, v); }
};

/// RAII owner of a cuFFT plan.
class CufftPlan {
 public:
  CufftPlan() = default;
  ~CufftPlan() { reset(); }
  CufftPlan(const CufftPlan&) = delete;
  CufftPlan& operator=(const CufftPlan&) = delete;
  void make_r2c_2d(int n, int batch) {
    reset();
    int dims[2] = {n, n};
    THON_CUDA_CHECK(cufftPlanMany(&plan_, 2, dims, nullptr, 1, n * n, nullptr, 1, n * (n / 2 + 1), CUFFT_R2C,
                                  batch));
    batch_ = batch;
  }
  void reset() {
    if (batch_ > 0) cufftDestroy(plan_);
    batch_ = 0;
  }
  cufftHandle get() const { return plan_; }
  int batch() const { return batch_; }

 private:
  cufftHandle plan_{};
  int batch_ = 0;
};

class CudaInserter final : public ops::FourierInserter {
 public:
  CudaInserter(const ops::ReconstructGeometry& geom, const std::vector<Mat3<double>>& sym)
      : ops::FourierInserter(geom), g_(geom.insert_geometry()), sym_(sym) {
    if (sym_.empty()) sym_.push_back(Mat3<double>::identity());
    std::size_t free_b = 0, total_b = 0;
    THON_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    const std::size_t need = 2 * (sizeof(Complex<float>) + sizeof(float)) * std::size_t(g_.acc_voxels());
    THON_CHECK_CODE(need < free_b, out_of_memory, "reconstruct: the half-set accumulators need ", need >> 20,
                    " MiB of GPU memory, ", free_b >> 20, " MiB free");
    for (int h = 0; h < 2; ++h) {
      data_[h] = Buffer<Complex<float>, Memory::device>(g_.acc_voxels());
      weight_[h] = Buffer<float, Memory::device>(g_.acc_voxels());
      THON_CUDA_CHECK(cudaMemset(data_[h].data(), 0, data_[h].bytes()));
      THON_CUDA_CHECK(cudaMemset(weight_[h].data(), 0, weight_[h].bytes()));
    }
  }

  void insert(const float* images, const float* ctf, const ops::InsertPose* poses, int n) override {
    if (n <= 0) return;
    const int box = g_.m;
    const index_t per = g_.image_half_size();
    std::vector<float> padded;
    if (g_.m != g_.n) {
      padded.resize(std::size_t(n) * box * box);
      ops::pad_image_batch(images, g_.n, box, n, padded.data());
      images = padded.data();
    }
    if (plan_.batch() != n) {
      plan_.make_r2c_2d(box, n);
      d_images_ = Buffer<float, Memory::device>(index_t(n) * box * box);
      d_fft_ = Buffer<Complex<float>, Memory::device>(index_t(n) * per);
      d_ctf_ = Buffer<float, Memory::device>(index_t(n) * per);
      d_prepared_ = Buffer<float, Memory::device>(3 * index_t(n) * per);
    }
    const int n_orient = int(sym_.size());
    std::vector<float> rows(6 * std::size_t(n) * n_orient);
    std::vector<Complex<float>> phase_x(std::size_t(n) * g_.hx()), phase_y(std::size_t(n) * g_.m);
    std::vector<int> half(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      THON_CHECK(poses[i].half == 0 || poses[i].half == 1, "reconstruct: half-set ", poses[i].half,
                 " of image ", i, " is not 0 or 1");
      math::centring_phase_tables(g_, float(poses[i].shift_x_px), float(poses[i].shift_y_px),
                                  phase_x.data() + std::size_t(i) * g_.hx(), phase_y.data() + std::size_t(i) * g_.m);
      half[std::size_t(i)] = poses[i].half;
      for (int s = 0; s < n_orient; ++s) {
        const Mat3<double> a = poses[i].A * sym_[std::size_t(s)];
        float* r = rows.data() + 6 * (std::size_t(i) * n_orient + s);
        for (int c = 0; c < 3; ++c) {
          r[c] = float(g_.sample_scale() * a.m[0][c]);
          r[3 + c] = float(g_.sample_scale() * a.m[1][c]);
        }
      }
    }
    Buffer<Complex<float>, Memory::device> d_px(index_t(phase_x.size())), d_py(index_t(phase_y.size()));
    Buffer<float, Memory::device> d_rows(index_t(rows.size()));
    Buffer<int, Memory::device> d_half(n);
    THON_CUDA_CHECK(cudaMemcpy(d_images_.data(), images, sizeof(float) * std::size_t(n) * box * box,
                               cudaMemcpyHostToDevice));
    if (ctf)
      THON_CUDA_CHECK(cudaMemcpy(d_ctf_.data(), ctf, sizeof(float) * std::size_t(n * per), cudaMemcpyHostToDevice));
    THON_CUDA_CHECK(cudaMemcpy(d_px.data(), phase_x.data(), d_px.bytes(), cudaMemcpyHostToDevice));
    THON_CUDA_CHECK(cudaMemcpy(d_py.data(), phase_y.data(), d_py.bytes(), cudaMemcpyHostToDevice));
    THON_CUDA_CHECK(cudaMemcpy(d_rows.data(), rows.data(), d_rows.bytes(), cudaMemcpyHostToDevice));
    THON_CUDA_CHECK(cudaMemcpy(d_half.data(), half.data(), d_half.bytes(), cudaMemcpyHostToDevice));
    THON_CUDA_CHECK(cufftExecR2C(plan_.get(), d_images_.data(), reinterpret_cast<cufftComplex*>(d_fft_.data())));

    math::PrepareSample prep{g_, d_fft_.data(), ctf ? d_ctf_.data() : nullptr, d_px.data(), d_py.data(),
                             d_prepared_.data()};
    thon::parallel_for(policy(), index_t(n) * per, prep);
    THON_CUDA_LAUNCH_CHECK();
    math::InsertSample<DeviceAtomicAdd> ins{g_, d_prepared_.data(), d_rows.data(), n_orient, d_half.data(),
                                            data_[0].data(), weight_[0].data(), data_[1].data(),
                                            weight_[1].data(), {}};
    thon::parallel_for(policy(), index_t(n) * n_orient * per, ins);
    THON_CUDA_LAUNCH_CHECK();
    THON_CUDA_CHECK(cudaDeviceSynchronize());
    n_images_[0] += std::count(half.begin(), half.end(), 0);
    n_images_[1] += std::count(half.begin(), half.end(), 1);
  }

  ops::FourierAccumulator accumulator(int h) override {
    THON_CHECK(h == 0 || h == 1, "reconstruct: half-set ", h, " is not 0 or 1");
    ops::FourierAccumulator out(g_);
    out.data.copy_from(data_[h]);
    out.weight.copy_from(weight_[h]);
    data_[h] = Buffer<Complex<float>, Memory::device>();  // free the GPU memory of this half
    weight_[h] = Buffer<float, Memory::device>();
    out.n_images = n_images_[h];
    return out;
  }

 private:
  math::InsertGeometry g_;
  std::vector<Mat3<double>> sym_;
  Buffer<Complex<float>, Memory::device> data_[2];
  Buffer<float, Memory::device> weight_[2];
  CufftPlan plan_;
  Buffer<float, Memory::device> d_images_, d_ctf_, d_prepared_;
  Buffer<Complex<float>, Memory::device> d_fft_;
  std::int64_t n_images_[2] = {0, 0};
};

}  // namespace

std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry) {
  return std::make_unique<CudaInserter>(g, symmetry);
}

}  // namespace thon::cuda
