// CPU classify2d engine (host/cpu/classify2d.hpp): per batch, the image side y (every translation)
// by a functor, the cross and norm terms by sgemm, the soft-max by a functor per image, and the
// M-step as the transposed products W^T y and wsum^T q, accumulated in the rotated frame per
// optics group; sums() rotates them back into the class frame (ops/classify2d_grid.hpp).
#include "cpu/classify2d.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "ops/classify2d_grid.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"

namespace thon::cpu {
namespace {

namespace cd = ops::classify2d_detail;
using Clock = std::chrono::steady_clock;

class CpuEngine final : public ops::Classify2dEngine {
 public:
  CpuEngine(const ops::Classify2dModel& m, const ops::Classify2dSampling& s, std::size_t max_memory)
      : m_(m), s_(s), px_(cd::make_pixel_list(s.box, s.r_limit)), pose_(cd::make_pose_tables(m, s)),
        inv_sigma2_(cd::inverse_sigma2(m)), sigma2_f_(m.sigma2.begin(), m.sigma2.end()),
        phase_(cd::make_phase_table(s, px_)) {
    K_ = m.n_classes;
    R_ = s.n_rotations();
    T_ = s.n_translations();
    P_ = px_.n();
    KR_ = K_ * R_;
    THON_CHECK(P_ > 0 && T_ > 0 && R_ > 0, "classify2d: empty sampling (", P_, " pixels, ", T_,
               " translations, ", R_, " rotations)");
    aref_.assign(std::size_t(KR_) * 2 * P_, 0.f);
    anorm_.assign(std::size_t(KR_) * P_, 0.f);
    cpu::parallel_for(index_t(KR_) * P_,
                      math::RotateReferencesFunctor{m.classes.data(), px_.view(), pose_.cos_psi.data(),
                                                    pose_.sin_psi.data(), R_, m.box, s.interp, aref_.data(),
                                                    anorm_.data()});
    capacity_ = ops::classify2d_batch_size(s, K_, max_memory);
    ny_.assign(std::size_t(m.n_groups), std::vector<float>(std::size_t(KR_) * 2 * P_, 0.f));
    dq_.assign(std::size_t(m.n_groups), std::vector<float>(std::size_t(KR_) * P_, 0.f));
    x2_.assign(std::size_t(m.n_groups), std::vector<double>(std::size_t(P_), 0.0));
    n_group_.assign(std::size_t(m.n_groups), 0.0);
    sums_ = cd::empty_sums(m);
  }

  void process(const ops::Classify2dBatch& b, ops::Classify2dPose* poses, float* log_posteriors) override {
    for (int first = 0; first < b.n; first += capacity_) {
      const int n = std::min(capacity_, b.n - first);
      const std::int64_t half = m_.half_size();
      ops::Classify2dBatch c;
      c.n = n;
      c.ft = b.ft + first * half;
      c.ctf = b.ctf ? b.ctf + first * half : nullptr;
      c.group = b.group ? b.group + first : nullptr;
      chunk(c, poses + first,
            log_posteriors ? log_posteriors + std::size_t(first) * T_ * KR_ : nullptr);
    }
  }

  ops::Classify2dSums sums() override {
    ops::Classify2dSums out = sums_;
    std::vector<std::vector<double>> ny, dq;
    for (const auto& v : ny_) ny.emplace_back(v.begin(), v.end());
    for (const auto& v : dq_) dq.emplace_back(v.begin(), v.end());
    cd::finish_sums(m_, s_, px_, pose_, ny, dq, x2_, n_group_, aref_, anorm_, out);
    return out;
  }

  double gemm_flops() const override { return flops_; }
  double gemm_seconds() const override { return gemm_s_; }

 private:
  void chunk(const ops::Classify2dBatch& b, ops::Classify2dPose* poses, float* log_posteriors) {
    const int B = b.n, G = m_.n_groups, S = m_.n_shells();
    for (int i = 0; i < B; ++i) {
      const int g = b.group ? b.group[i] : 0;
      THON_CHECK(g >= 0 && g < G, "classify2d: optics group index ", g, " of ", G);
    }
    const std::size_t BT = std::size_t(B) * T_;
    y_.resize(BT * 2 * P_);
    q_.resize(std::size_t(B) * P_);
    x2b_.resize(std::size_t(B) * P_);
    cross_.resize(BT * KR_);
    nrm_.resize(std::size_t(B) * KR_);
    wsum_.resize(std::size_t(B) * KR_);
    summary_.resize(std::size_t(B));
    const math::LikelihoodPixels pv = px_.view();
    cpu::parallel_for(index_t(BT) * P_, math::ImageSideFunctor{b.ft, b.ctf, b.group, inv_sigma2_.data(), pv,
                                                               pose_.tx.data(), pose_.ty.data(), phase_.data(), T_,
                                                               m_.box, S, y_.data()});
    cpu::parallel_for(index_t(B) * P_, math::NormSideFunctor{b.ft, b.ctf, b.group, inv_sigma2_.data(), pv, m_.box,
                                                             S, q_.data(), x2b_.data()});
    auto t0 = Clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(BT), KR_, 2 * P_, 1.f, y_.data(), 2 * P_, aref_.data(),
                2 * P_, 0.f, cross_.data(), KR_);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, KR_, P_, 1.f, q_.data(), P_, anorm_.data(), P_, 0.f,
                nrm_.data(), KR_);
    gemm_s_ += std::chrono::duration<double>(Clock::now() - t0).count();
    flops_ += 2.0 * double(BT) * KR_ * 2 * P_ + 2.0 * B * KR_ * P_;
    cpu::parallel_for(index_t(B), math::PosteriorFunctor{cross_.data(), nrm_.data(), b.ft, b.group, sigma2_f_.data(),
                                                         pv, pose_.log_prior_class.data(), pose_.log_prior_trans.data(),
                                                         pose_.tx.data(), pose_.ty.data(), K_, R_, T_, m_.box, S,
                                                         wsum_.data(), summary_.data(), log_posteriors});
    // M-step: the transposed products, one run of images of the same optics group at a time.
    t0 = Clock::now();
    for (int i0 = 0; i0 < B;) {
      const int g = b.group ? b.group[i0] : 0;
      int i1 = i0 + 1;
      while (i1 < B && (b.group ? b.group[i1] : 0) == g) ++i1;
      const int nb = i1 - i0;
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, KR_, 2 * P_, nb * T_, 1.f,
                  cross_.data() + std::size_t(i0) * T_ * KR_, KR_, y_.data() + std::size_t(i0) * T_ * 2 * P_, 2 * P_,
                  1.f, ny_[std::size_t(g)].data(), 2 * P_);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, KR_, P_, nb, 1.f, wsum_.data() + std::size_t(i0) * KR_, KR_,
                  q_.data() + std::size_t(i0) * P_, P_, 1.f, dq_[std::size_t(g)].data(), P_);
      flops_ += 2.0 * KR_ * 2.0 * P_ * nb * T_ + 2.0 * KR_ * P_ * nb;
      i0 = i1;
    }
    gemm_s_ += std::chrono::duration<double>(Clock::now() - t0).count();
    for (int i = 0; i < B; ++i) {
      const int g = b.group ? b.group[i] : 0;
      double* x2 = x2_[std::size_t(g)].data();
      const float* xb = x2b_.data() + std::size_t(i) * P_;
      for (int p = 0; p < P_; ++p) x2[p] += xb[p];
      n_group_[std::size_t(g)] += 1;
      const float* wb = wsum_.data() + std::size_t(i) * KR_;
      for (int kr = 0; kr < KR_; ++kr) sums_.class_weight[std::size_t(kr / R_)] += wb[kr];
      const math::PosteriorSummary& sm = summary_[std::size_t(i)];
      sums_.offset2 += sm.offset2;
      sums_.log_likelihood += sm.log_likelihood;
      sums_.n_images += 1;
      ops::Classify2dPose& p = poses[i];
      p.k = sm.k;
      p.r = sm.r;
      p.t = sm.t;
      p.max_probability = sm.max_probability;
      p.log_likelihood = sm.log_likelihood;
      p.n_significant = sm.n_significant;
    }
  }

  ops::Classify2dModel m_;
  ops::Classify2dSampling s_;
  cd::PixelList px_;
  cd::PoseTables pose_;
  std::vector<float> inv_sigma2_, sigma2_f_;
  std::vector<Complex<float>> phase_;
  int K_ = 0, R_ = 0, T_ = 0, P_ = 0, KR_ = 0, capacity_ = 1;
  std::vector<float> aref_, anorm_;
  std::vector<std::vector<float>> ny_, dq_;
  std::vector<std::vector<double>> x2_;
  std::vector<double> n_group_;
  ops::Classify2dSums sums_;
  std::vector<float> y_, q_, x2b_, cross_, nrm_, wsum_;
  std::vector<math::PosteriorSummary> summary_;
  double flops_ = 0, gemm_s_ = 0;
};

}  // namespace

std::unique_ptr<ops::Classify2dEngine> make_classify2d_engine(const ops::Classify2dModel& model,
                                                              const ops::Classify2dSampling& sampling,
                                                              std::size_t max_memory_bytes) {
  return std::make_unique<CpuEngine>(model, sampling, max_memory_bytes);
}

void set_classify2d_threads(int n) {
  if (n <= 0) return;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

}  // namespace thon::cpu
