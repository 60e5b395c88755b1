// Reference classify2d engine (host/reference/classify2d.hpp). For each image and pose it forms
// the rotated reference by the shared gather, the shifted image by the shared phase, and sums the
// per-pixel log-likelihood directly; the M-step inserts every weighted pixel into the class frame.
#include "reference/classify2d.hpp"

#include <cmath>
#include <vector>

#include "ops/classify2d_grid.hpp"
#include "thon/core/error.hpp"
#include "thon/math/likelihood.hpp"

namespace thon::ref {
namespace {

namespace cd = ops::classify2d_detail;

class RefEngine final : public ops::Classify2dEngine {
 public:
  RefEngine(const ops::Classify2dModel& m, const ops::Classify2dSampling& s)
      : m_(m), s_(s), px_(cd::make_pixel_list(s.box, s.r_limit)), sums_(cd::empty_sums(m)) {
    const int K = m.n_classes, R = s.n_rotations(), P = px_.n();
    aref_.assign(std::size_t(K) * R * P, Complex<double>());
    const std::int64_t half = m.half_size();
    const double big = double(m.box) * m.box;
    for (int k = 0; k < K; ++k)
      for (int r = 0; r < R; ++r) {
        const double c = std::cos(s.psi_deg[std::size_t(r)] * M_PI / 180), sn = std::sin(s.psi_deg[std::size_t(r)] * M_PI / 180);
        for (int p = 0; p < P; ++p) {
          double qx, qy;
          math::rotate_to_class_frame(double(px_.kx[std::size_t(p)]), double(px_.ky[std::size_t(p)]), c, sn, &qx, &qy);
          aref_[(std::size_t(k) * R + std::size_t(r)) * P + std::size_t(p)] =
              math::interpolate_fourier_2d(s.interp, m.classes.data() + k * half, m.box, m.box, qx, qy, big);
        }
      }
    const double log_r = std::log(double(R));
    for (int k = 0; k < K; ++k) {
      const double w = m.class_weights.empty() ? 1.0 / K : m.class_weights[std::size_t(k)];
      log_prior_class_.push_back((w > 0 ? std::log(w) : -1e30) - log_r);
    }
    // Offset prior normalised over the grid: log N(t) - log sum_t N(t).
    double mx = -INFINITY;
    for (int t = 0; t < s.n_translations(); ++t) {
      log_prior_trans_.push_back(math::offset_log_prior(s.shift_x_px[std::size_t(t)], s.shift_y_px[std::size_t(t)],
                                                        std::max(m.sigma_offset_px, 1e-3)));
      mx = std::max(mx, log_prior_trans_.back());
    }
    double z = 0;
    for (double v : log_prior_trans_) z += std::exp(v - mx);
    for (double& v : log_prior_trans_) v -= mx + std::log(z);
  }

  void process(const ops::Classify2dBatch& b, ops::Classify2dPose* poses, float* log_posteriors) override {
    const int K = m_.n_classes, R = s_.n_rotations(), T = s_.n_translations(), P = px_.n(), S = m_.n_shells();
    const std::int64_t half = m_.half_size();
    const double big = double(m_.box) * m_.box;
    std::vector<double> l(std::size_t(T) * K * R);
    for (int i = 0; i < b.n; ++i) {
      const Complex<float>* x = b.ft + i * half;
      const float* ctf = b.ctf ? b.ctf + i * half : nullptr;
      const int g = b.group ? b.group[i] : 0;
      THON_CHECK(g >= 0 && g < m_.n_groups, "classify2d: optics group index ", g, " of ", m_.n_groups);
      const double* sig2 = m_.sigma2.data() + g * S;
      // Log-likelihood of every pose, summed pixel by pixel.
      math::LogSumExp<double> lse;
      std::size_t best = 0;
      for (int t = 0; t < T; ++t)
        for (int k = 0; k < K; ++k)
          for (int r = 0; r < R; ++r) {
            double sum = 0;
            for (int p = 0; p < P; ++p) {
              const std::size_t pp = std::size_t(p);
              const Complex<double> xs = Complex<double>(x[px_.index[pp]]) *
                                         math::shift_phase(px_.kx[pp], px_.ky[pp], s_.shift_x_px[std::size_t(t)],
                                                           s_.shift_y_px[std::size_t(t)], m_.box);
              const double c = ctf ? double(ctf[px_.index[pp]]) : 1.0;
              sum += math::pixel_log_likelihood(xs, aref_[(std::size_t(k) * R + std::size_t(r)) * P + pp], c,
                                                sig2[px_.shell[pp]], double(px_.u[pp]));
            }
            const std::size_t j = (std::size_t(t) * K + std::size_t(k)) * R + std::size_t(r);
            l[j] = sum + log_prior_class_[std::size_t(k)] + log_prior_trans_[std::size_t(t)];
            if (l[j] > lse.max) best = j;
            lse.add(l[j]);
          }
      const double v = lse.value();
      ops::Classify2dPose& pose = poses[i];
      pose.t = int(best / (std::size_t(K) * R));
      pose.k = int(best / std::size_t(R) % std::size_t(K));
      pose.r = int(best % std::size_t(R));
      pose.max_probability = std::exp(lse.max - v);
      pose.log_likelihood = v;
      pose.n_significant = 0;
      // M-step: every weighted pixel into the class frame; residual power per shell.
      for (int t = 0; t < T; ++t)
        for (int k = 0; k < K; ++k)
          for (int r = 0; r < R; ++r) {
            const std::size_t j = (std::size_t(t) * K + std::size_t(k)) * R + std::size_t(r);
            if (log_posteriors) log_posteriors[std::size_t(i) * l.size() + j] = float(l[j] - v);
            if (l[j] - lse.max >= std::log(1e-3)) ++pose.n_significant;
            const double w = std::exp(l[j] - v);
            sums_.class_weight[std::size_t(k)] += w;
            sums_.offset2 += w * (s_.shift_x_px[std::size_t(t)] * s_.shift_x_px[std::size_t(t)] +
                                  s_.shift_y_px[std::size_t(t)] * s_.shift_y_px[std::size_t(t)]);
            if (w == 0) continue;
            const double c = std::cos(s_.psi_deg[std::size_t(r)] * M_PI / 180), sn = std::sin(s_.psi_deg[std::size_t(r)] * M_PI / 180);
            for (int p = 0; p < P; ++p) {
              const std::size_t pp = std::size_t(p);
              const Complex<double> xs = Complex<double>(x[px_.index[pp]]) *
                                         math::shift_phase(px_.kx[pp], px_.ky[pp], s_.shift_x_px[std::size_t(t)],
                                                           s_.shift_y_px[std::size_t(t)], m_.box);
              const double cv = ctf ? double(ctf[px_.index[pp]]) : 1.0;
              const double u = px_.u[pp], is2 = 1.0 / sig2[px_.shell[pp]];
              const Complex<double> a = aref_[(std::size_t(k) * R + std::size_t(r)) * P + pp];
              sums_.resid[std::size_t(g * S + px_.shell[pp])] += w * u * norm(xs - a * cv);
              double qx, qy;
              math::rotate_to_class_frame(double(px_.kx[pp]), double(px_.ky[pp]), c, sn, &qx, &qy);
              math::insert_fourier_2d(s_.interp, sums_.num.data() + k * half, sums_.den.data() + k * half, m_.box,
                                      m_.box, qx, qy, big, xs * (w * u * cv * is2), w * u * cv * cv * is2,
                                      math::PlainAdd{});
            }
          }
      for (int p = 0; p < P; ++p)
        sums_.resid_count[std::size_t(g * S + px_.shell[std::size_t(p)])] += px_.u[std::size_t(p)];
      sums_.n_images += 1;
      sums_.log_likelihood += v;
    }
  }

  ops::Classify2dSums sums() override { return sums_; }

 private:
  ops::Classify2dModel m_;
  ops::Classify2dSampling s_;
  cd::PixelList px_;
  ops::Classify2dSums sums_;
  std::vector<Complex<double>> aref_;
  std::vector<double> log_prior_class_, log_prior_trans_;
};

}  // namespace

std::unique_ptr<ops::Classify2dEngine> make_classify2d_engine(const ops::Classify2dModel& model,
                                                              const ops::Classify2dSampling& sampling) {
  return std::make_unique<RefEngine>(model, sampling);
}

}  // namespace thon::ref
