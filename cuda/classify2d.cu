// CUDA classify2d engine (cuda/classify2d.hpp): the CPU engine's algorithm with the references,
// the priors and the M-step accumulators resident on the device for the whole iteration. Per
// batch: the transforms and CTFs are copied in, y and q are built by the shared functors
// (math/likelihood_kernels.hpp), the cross and norm terms are two cuBLAS sgemm calls, the soft-max
// runs one image per thread, and the M-step products W^T y and wsum^T q accumulate on the device.
// cuBLAS is column-major: a row-major m x k matrix is its column-major transpose, so row-major
// C = A B^T is cublasSgemm(T, N, n, m, k, B, A) and C += A^T B is cublasSgemm(N, T, ..., B, A).
#include <algorithm>
#include <chrono>
#include <vector>

#include "cuda/check.cuh"
#include "cuda/classify2d.hpp"
#include "cuda/parallel.cuh"
#include "ops/classify2d_grid.hpp"
#include "thon/core/array.hpp"

namespace thon::cuda {
namespace {

namespace cd = ops::classify2d_detail;
using Clock = std::chrono::steady_clock;

template <class T>
Buffer<T, Memory::device> to_device(const std::vector<T>& v) {
  Buffer<T, Memory::device> d(index_t(v.size()));
  if (!v.empty()) THON_CUDA_CHECK(cudaMemcpy(d.data(), v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}

class CublasHandle {
 public:
  CublasHandle() { THON_CUDA_CHECK(cublasCreate(&h_)); }
  ~CublasHandle() { cublasDestroy(h_); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() const { return h_; }

 private:
  cublasHandle_t h_{};
};

class CudaEngine final : public ops::Classify2dEngine {
 public:
  CudaEngine(const ops::Classify2dModel& m, const ops::Classify2dSampling& s, std::size_t max_memory)
      : m_(m), s_(s), px_(cd::make_pixel_list(s.box, s.r_limit)), pose_(cd::make_pose_tables(m, s)) {
    K_ = m.n_classes;
    R_ = s.n_rotations();
    T_ = s.n_translations();
    P_ = px_.n();
    KR_ = K_ * R_;
    THON_CHECK(P_ > 0 && T_ > 0 && R_ > 0, "classify2d: empty sampling");
    d_classes_ = to_device(m.classes);
    d_index_ = to_device(px_.index);
    d_kx_ = to_device(px_.kx);
    d_ky_ = to_device(px_.ky);
    d_shell_ = to_device(px_.shell);
    d_u_ = to_device(px_.u);
    d_cos_ = to_device(pose_.cos_psi);
    d_sin_ = to_device(pose_.sin_psi);
    d_tx_ = to_device(pose_.tx);
    d_ty_ = to_device(pose_.ty);
    d_lpc_ = to_device(pose_.log_prior_class);
    d_lpt_ = to_device(pose_.log_prior_trans);
    d_inv_sigma2_ = to_device(cd::inverse_sigma2(m));
    d_phase_ = to_device(cd::make_phase_table(s, px_));
    d_sigma2_ = to_device(std::vector<float>(m.sigma2.begin(), m.sigma2.end()));
    d_aref_ = Buffer<float, Memory::device>(index_t(KR_) * 2 * P_);
    d_anorm_ = Buffer<float, Memory::device>(index_t(KR_) * P_);
    thon::parallel_for(policy(), index_t(KR_) * P_,
                       math::RotateReferencesFunctor{d_classes_.data(), pixels(), d_cos_.data(), d_sin_.data(), R_,
                                                     m.box, s.interp, d_aref_.data(), d_anorm_.data()});
    THON_CUDA_LAUNCH_CHECK();
    for (int g = 0; g < m.n_groups; ++g) {
      d_ny_.emplace_back(index_t(KR_) * 2 * P_);
      d_dq_.emplace_back(index_t(KR_) * P_);
      THON_CUDA_CHECK(cudaMemset(d_ny_.back().data(), 0, d_ny_.back().bytes()));
      THON_CUDA_CHECK(cudaMemset(d_dq_.back().data(), 0, d_dq_.back().bytes()));
    }
    x2_.assign(std::size_t(m.n_groups), std::vector<double>(std::size_t(P_), 0.0));
    n_group_.assign(std::size_t(m.n_groups), 0.0);
    sums_ = cd::empty_sums(m);
    std::size_t free_b = 0, total_b = 0;
    THON_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    const std::size_t budget = max_memory > 0 ? max_memory : free_b / 2;
    capacity_ = ops::classify2d_batch_size(s, K_, budget);
  }

  void process(const ops::Classify2dBatch& b, ops::Classify2dPose* poses, float* log_posteriors) override {
    const std::int64_t half = m_.half_size();
    for (int first = 0; first < b.n; first += capacity_) {
      ops::Classify2dBatch c;
      c.n = std::min(capacity_, b.n - first);
      c.ft = b.ft + first * half;
      c.ctf = b.ctf ? b.ctf + first * half : nullptr;
      c.group = b.group ? b.group + first : nullptr;
      chunk(c, poses + first, log_posteriors ? log_posteriors + std::size_t(first) * T_ * KR_ : nullptr);
    }
  }

  ops::Classify2dSums sums() override {
    ops::Classify2dSums out = sums_;
    std::vector<std::vector<double>> ny, dq;
    std::vector<float> tmp;
    for (int g = 0; g < m_.n_groups; ++g) {
      tmp.resize(std::size_t(d_ny_[std::size_t(g)].size()));
      THON_CUDA_CHECK(cudaMemcpy(tmp.data(), d_ny_[std::size_t(g)].data(), d_ny_[std::size_t(g)].bytes(), cudaMemcpyDeviceToHost));
      ny.emplace_back(tmp.begin(), tmp.end());
      tmp.resize(std::size_t(d_dq_[std::size_t(g)].size()));
      THON_CUDA_CHECK(cudaMemcpy(tmp.data(), d_dq_[std::size_t(g)].data(), d_dq_[std::size_t(g)].bytes(), cudaMemcpyDeviceToHost));
      dq.emplace_back(tmp.begin(), tmp.end());
    }
    std::vector<float> aref(std::size_t(d_aref_.size())), anorm(std::size_t(d_anorm_.size()));
    THON_CUDA_CHECK(cudaMemcpy(aref.data(), d_aref_.data(), d_aref_.bytes(), cudaMemcpyDeviceToHost));
    THON_CUDA_CHECK(cudaMemcpy(anorm.data(), d_anorm_.data(), d_anorm_.bytes(), cudaMemcpyDeviceToHost));
    cd::finish_sums(m_, s_, px_, pose_, ny, dq, x2_, n_group_, aref, anorm, out);
    return out;
  }

  double gemm_flops() const override { return flops_; }
  double gemm_seconds() const override { return gemm_s_; }

 private:
  math::LikelihoodPixels pixels() const {
    return {d_index_.data(), d_kx_.data(), d_ky_.data(), d_shell_.data(), d_u_.data(), P_};
  }

  void chunk(const ops::Classify2dBatch& b, ops::Classify2dPose* poses, float* log_posteriors) {
    const int B = b.n, G = m_.n_groups, S = m_.n_shells();
    const std::int64_t half = m_.half_size();
    std::vector<int> group(std::size_t(B), 0);
    for (int i = 0; i < B; ++i) {
      group[std::size_t(i)] = b.group ? b.group[i] : 0;
      THON_CHECK(group[std::size_t(i)] >= 0 && group[std::size_t(i)] < G, "classify2d: optics group index ",
                 group[std::size_t(i)], " of ", G);
    }
    const index_t BT = index_t(B) * T_;
    if (B > allocated_) {
      d_ft_ = Buffer<Complex<float>, Memory::device>(index_t(B) * half);
      d_ctf_ = Buffer<float, Memory::device>(index_t(B) * half);
      d_group_ = Buffer<int, Memory::device>(B);
      d_y_ = Buffer<float, Memory::device>(BT * 2 * P_);
      d_q_ = Buffer<float, Memory::device>(index_t(B) * P_);
      d_x2b_ = Buffer<float, Memory::device>(index_t(B) * P_);
      d_cross_ = Buffer<float, Memory::device>(BT * KR_);
      d_nrm_ = Buffer<float, Memory::device>(index_t(B) * KR_);
      d_wsum_ = Buffer<float, Memory::device>(index_t(B) * KR_);
      d_summary_ = Buffer<math::PosteriorSummary, Memory::device>(B);
      d_logpost_ = Buffer<float, Memory::device>();
      allocated_ = B;
    }
    if (log_posteriors && d_logpost_.size() < BT * KR_) d_logpost_ = Buffer<float, Memory::device>(BT * KR_);
    THON_CUDA_CHECK(cudaMemcpy(d_ft_.data(), b.ft, sizeof(Complex<float>) * std::size_t(B * half), cudaMemcpyHostToDevice));
    if (b.ctf)
      THON_CUDA_CHECK(cudaMemcpy(d_ctf_.data(), b.ctf, sizeof(float) * std::size_t(B * half), cudaMemcpyHostToDevice));
    THON_CUDA_CHECK(cudaMemcpy(d_group_.data(), group.data(), sizeof(int) * std::size_t(B), cudaMemcpyHostToDevice));
    const float* ctf = b.ctf ? d_ctf_.data() : nullptr;
    thon::parallel_for(policy(), BT * P_,
                       math::ImageSideFunctor{d_ft_.data(), ctf, d_group_.data(), d_inv_sigma2_.data(), pixels(),
                                              d_tx_.data(), d_ty_.data(), d_phase_.data(), T_, m_.box, S,
                                              d_y_.data()});
    THON_CUDA_LAUNCH_CHECK();
    thon::parallel_for(policy(), index_t(B) * P_,
                       math::NormSideFunctor{d_ft_.data(), ctf, d_group_.data(), d_inv_sigma2_.data(), pixels(), m_.box,
                                             S, d_q_.data(), d_x2b_.data()});
    THON_CUDA_LAUNCH_CHECK();
    THON_CUDA_CHECK(cudaDeviceSynchronize());
    const float one = 1.f, zero = 0.f;
    auto t0 = Clock::now();
    THON_CUDA_CHECK(cublasSgemm(blas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, KR_, int(BT), 2 * P_, &one, d_aref_.data(),
                                2 * P_, d_y_.data(), 2 * P_, &zero, d_cross_.data(), KR_));
    THON_CUDA_CHECK(cublasSgemm(blas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, KR_, B, P_, &one, d_anorm_.data(), P_,
                                d_q_.data(), P_, &zero, d_nrm_.data(), KR_));
    THON_CUDA_CHECK(cudaDeviceSynchronize());
    gemm_s_ += std::chrono::duration<double>(Clock::now() - t0).count();
    flops_ += 2.0 * double(BT) * KR_ * 2 * P_ + 2.0 * B * KR_ * P_;
    thon::parallel_for(policy(), index_t(B),
                       math::PosteriorFunctor{d_cross_.data(), d_nrm_.data(), d_ft_.data(), d_group_.data(),
                                              d_sigma2_.data(), pixels(), d_lpc_.data(), d_lpt_.data(), d_tx_.data(),
                                              d_ty_.data(), K_, R_, T_, m_.box, S, d_wsum_.data(), d_summary_.data(),
                                              log_posteriors ? d_logpost_.data() : nullptr});
    THON_CUDA_LAUNCH_CHECK();
    THON_CUDA_CHECK(cudaDeviceSynchronize());
    t0 = Clock::now();
    for (int i0 = 0; i0 < B;) {
      const int g = group[std::size_t(i0)];
      int i1 = i0 + 1;
      while (i1 < B && group[std::size_t(i1)] == g) ++i1;
      const int nb = i1 - i0;
      THON_CUDA_CHECK(cublasSgemm(blas_.get(), CUBLAS_OP_N, CUBLAS_OP_T, 2 * P_, KR_, nb * T_, &one,
                                  d_y_.data() + index_t(i0) * T_ * 2 * P_, 2 * P_,
                                  d_cross_.data() + index_t(i0) * T_ * KR_, KR_, &one, d_ny_[std::size_t(g)].data(),
                                  2 * P_));
      THON_CUDA_CHECK(cublasSgemm(blas_.get(), CUBLAS_OP_N, CUBLAS_OP_T, P_, KR_, nb, &one,
                                  d_q_.data() + index_t(i0) * P_, P_, d_wsum_.data() + index_t(i0) * KR_, KR_, &one,
                                  d_dq_[std::size_t(g)].data(), P_));
      flops_ += 2.0 * KR_ * 2.0 * P_ * nb * T_ + 2.0 * KR_ * P_ * nb;
      i0 = i1;
    }
    THON_CUDA_CHECK(cudaDeviceSynchronize());
    gemm_s_ += std::chrono::duration<double>(Clock::now() - t0).count();
    // Per-image results back to the host (small: B summaries, B x K*R weights, B x P powers).
    std::vector<math::PosteriorSummary> summary(static_cast<std::size_t>(B));
    std::vector<float> wsum(std::size_t(B) * KR_), x2b(std::size_t(B) * P_);
    THON_CUDA_CHECK(cudaMemcpy(summary.data(), d_summary_.data(), summary.size() * sizeof(math::PosteriorSummary),
                               cudaMemcpyDeviceToHost));
    THON_CUDA_CHECK(cudaMemcpy(wsum.data(), d_wsum_.data(), wsum.size() * sizeof(float), cudaMemcpyDeviceToHost));
    THON_CUDA_CHECK(cudaMemcpy(x2b.data(), d_x2b_.data(), x2b.size() * sizeof(float), cudaMemcpyDeviceToHost));
    if (log_posteriors)
      THON_CUDA_CHECK(cudaMemcpy(log_posteriors, d_logpost_.data(), sizeof(float) * std::size_t(BT * KR_),
                                 cudaMemcpyDeviceToHost));
    for (int i = 0; i < B; ++i) {
      const int g = group[std::size_t(i)];
      for (int p = 0; p < P_; ++p) x2_[std::size_t(g)][std::size_t(p)] += x2b[std::size_t(i) * P_ + std::size_t(p)];
      n_group_[std::size_t(g)] += 1;
      for (int kr = 0; kr < KR_; ++kr) sums_.class_weight[std::size_t(kr / R_)] += wsum[std::size_t(i) * KR_ + std::size_t(kr)];
      const math::PosteriorSummary& sm = summary[std::size_t(i)];
      sums_.offset2 += sm.offset2;
      sums_.log_likelihood += sm.log_likelihood;
      sums_.n_images += 1;
      ops::Classify2dPose& q = poses[i];
      q.k = sm.k;
      q.r = sm.r;
      q.t = sm.t;
      q.max_probability = sm.max_probability;
      q.log_likelihood = sm.log_likelihood;
      q.n_significant = sm.n_significant;
    }
  }

  ops::Classify2dModel m_;
  ops::Classify2dSampling s_;
  cd::PixelList px_;
  cd::PoseTables pose_;
  int K_ = 0, R_ = 0, T_ = 0, P_ = 0, KR_ = 0, capacity_ = 1, allocated_ = 0;
  CublasHandle blas_;
  Buffer<Complex<float>, Memory::device> d_classes_, d_ft_, d_phase_;
  Buffer<int, Memory::device> d_index_, d_kx_, d_ky_, d_shell_, d_group_;
  Buffer<float, Memory::device> d_u_, d_cos_, d_sin_, d_tx_, d_ty_, d_lpc_, d_lpt_, d_inv_sigma2_, d_sigma2_;
  Buffer<float, Memory::device> d_aref_, d_anorm_, d_ctf_, d_y_, d_q_, d_x2b_, d_cross_, d_nrm_, d_wsum_, d_logpost_;
  Buffer<math::PosteriorSummary, Memory::device> d_summary_;
  std::vector<Buffer<float, Memory::device>> d_ny_, d_dq_;
  std::vector<std::vector<double>> x2_;
  std::vector<double> n_group_;
  ops::Classify2dSums sums_;
  double flops_ = 0, gemm_s_ = 0;
};

}  // namespace

std::unique_ptr<ops::Classify2dEngine> make_classify2d_engine(const ops::Classify2dModel& model,
                                                              const ops::Classify2dSampling& sampling,
                                                              std::size_t max_memory_bytes) {
  return std::make_unique<CudaEngine>(model, sampling, max_memory_bytes);
}

}  // namespace thon::cuda
