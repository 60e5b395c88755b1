// classify2d: sampling grids, backend dispatch, the shared last step of the M-step sums and the
// backend-neutral maximisation (Wiener combination, sigma2, priors, resolution).
#include "thon/ops/classify2d.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "cpu/classify2d.hpp"
#include "cpu/fft.hpp"
#include "cpu/reconstruct.hpp"
#include "cuda/classify2d.hpp"
#include "ops/classify2d_grid.hpp"
#include "reference/classify2d.hpp"
#include "thon/core/error.hpp"
#include "thon/math/fourier_grid.hpp"

namespace thon::ops {

void classify2d_centre_transforms(Complex<float>* ft, std::int64_t count, int box, bool inverse) {
  const int hx = box / 2 + 1;
  const std::int64_t half = std::int64_t(box) * hx;
  std::vector<Complex<float>> ph(static_cast<std::size_t>(half));
  for (int iy = 0; iy < box; ++iy)
    for (int kx = 0; kx < hx; ++kx) {
      const Complex<double> c = math::centre_phase<double>(kx, math::wrapped_frequency(iy, box), box);
      ph[std::size_t(iy * hx + kx)] = Complex<float>(inverse ? conj(c) : c);
    }
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t j = 0; j < half; ++j) ft[i * half + j] *= ph[std::size_t(j)];
}

Classify2dSampling Classify2dSampling::make(int box, int r_limit, double psi_step_deg, double range_px,
                                            double step_px) {
  THON_CHECK(box >= 8, "classify2d: box ", box, " px is too small (at least 8)");
  THON_CHECK(psi_step_deg > 0 && psi_step_deg <= 360 && std::isfinite(psi_step_deg), "--psi-step ",
             psi_step_deg, " must be in (0, 360] degrees");
  THON_CHECK(range_px >= 0 && std::isfinite(range_px), "--offset-range ", range_px, " must be >= 0 px");
  THON_CHECK(range_px < box / 2, "--offset-range ", range_px, " px must be smaller than half the box (",
             box / 2, " px)");
  THON_CHECK(step_px > 0 && std::isfinite(step_px), "--offset-step ", step_px, " must be positive");
  THON_CHECK(r_limit >= 1 && r_limit < box / 2, "classify2d: resolution limit ", r_limit,
             " Fourier px outside 1 .. ", box / 2 - 1);
  Classify2dSampling s;
  s.box = box;
  s.r_limit = r_limit;
  const int n_psi = std::max(1, int(std::lround(360.0 / psi_step_deg)));
  for (int r = 0; r < n_psi; ++r) s.psi_deg.push_back(r * 360.0 / n_psi);
  const int m = int(std::floor(range_px / step_px + 1e-9));
  for (int iy = -m; iy <= m; ++iy)
    for (int ix = -m; ix <= m; ++ix) {
      const double x = ix * step_px, y = iy * step_px;
      if (x * x + y * y > range_px * range_px * (1 + 1e-9)) continue;
      s.shift_x_px.push_back(x);
      s.shift_y_px.push_back(y);
    }
  return s;
}

std::unique_ptr<Classify2dEngine> make_classify2d_engine(Device device, const Classify2dModel& model,
                                                         const Classify2dSampling& sampling,
                                                         std::size_t max_memory_bytes) {
  THON_CHECK(model.box == sampling.box, "classify2d: model box ", model.box, " != sampling box ", sampling.box);
  THON_CHECK(model.n_classes >= 1 && std::int64_t(model.classes.size()) == model.n_classes * model.half_size(),
             "classify2d: model holds ", model.classes.size(), " coefficients for ", model.n_classes, " classes");
  THON_CHECK(std::int64_t(model.sigma2.size()) == std::int64_t(model.n_groups) * model.n_shells(),
             "classify2d: sigma2 has ", model.sigma2.size(), " values for ", model.n_groups, " groups");
  switch (device) {
    case Device::reference: return ref::make_classify2d_engine(model, sampling);
    case Device::cpu: return cpu::make_classify2d_engine(model, sampling, max_memory_bytes);
    case Device::cuda: return cuda::make_classify2d_engine(model, sampling, max_memory_bytes);
  }
  fail(ErrorCode::internal, "make_classify2d_engine: unknown device");
}

int classify2d_batch_size(const Classify2dSampling& s, int n_classes, std::size_t max_memory_bytes) {
  const classify2d_detail::PixelList px = classify2d_detail::make_pixel_list(s.box, s.r_limit);
  const double T = s.n_translations(), KR = double(n_classes) * s.n_rotations(), P = px.n();
  const double half = double(s.box) * (s.box / 2 + 1);
  // y (T*2P) + posteriors (T*KR, and the optional log-posteriors) + q, nrm, wsum + the image, CTF
  const double per_image = 4.0 * (T * 2 * P + T * KR + 2 * KR + P + 3 * half);
  double budget = double(max_memory_bytes);
  if (budget <= 0) budget = std::min(0.25 * double(cpu::available_host_memory()), 512.0 * (1 << 20));
  return int(std::clamp(budget / per_image, 1.0, 1024.0));
}

namespace classify2d_detail {

PixelList make_pixel_list(int box, int r_limit) {
  PixelList px;
  const int hx = box / 2 + 1;
  for (int iy = 0; iy < box; ++iy) {
    const int ky = math::wrapped_frequency(iy, box);
    for (int kx = 0; kx < hx; ++kx) {
      const int r2 = kx * kx + ky * ky;
      if (r2 > r_limit * r_limit) continue;
      px.index.push_back(iy * hx + kx);
      px.kx.push_back(kx);
      px.ky.push_back(ky);
      px.shell.push_back(math::shell_index(std::sqrt(double(r2))));
      px.u.push_back(math::independent_pixel_weight<float>(kx));
    }
  }
  return px;
}

PoseTables make_pose_tables(const Classify2dModel& m, const Classify2dSampling& s) {
  PoseTables t;
  const double log_r = std::log(double(s.n_rotations()));
  for (int k = 0; k < m.n_classes; ++k) {
    const double w = m.class_weights.empty() ? 1.0 / m.n_classes : m.class_weights[std::size_t(k)];
    t.log_prior_class.push_back(float((w > 0 ? std::log(w) : -1e30) - log_r));
  }
  std::vector<double> lp;
  double mx = -INFINITY;
  for (int j = 0; j < s.n_translations(); ++j) {
    lp.push_back(math::offset_log_prior(s.shift_x_px[std::size_t(j)], s.shift_y_px[std::size_t(j)],
                                        std::max(m.sigma_offset_px, 1e-3)));
    mx = std::max(mx, lp.back());
  }
  double sum = 0;
  for (double v : lp) sum += std::exp(v - mx);
  for (double v : lp) t.log_prior_trans.push_back(float(v - mx - std::log(sum)));
  for (double psi : s.psi_deg) {
    t.cos_psi.push_back(float(std::cos(psi * M_PI / 180)));
    t.sin_psi.push_back(float(std::sin(psi * M_PI / 180)));
  }
  for (int j = 0; j < s.n_translations(); ++j) {
    t.tx.push_back(float(s.shift_x_px[std::size_t(j)]));
    t.ty.push_back(float(s.shift_y_px[std::size_t(j)]));
  }
  return t;
}

std::vector<Complex<float>> make_phase_table(const Classify2dSampling& s, const PixelList& px) {
  std::vector<Complex<float>> t(std::size_t(s.n_translations()) * std::size_t(px.n()));
  for (int j = 0; j < s.n_translations(); ++j)
    for (int p = 0; p < px.n(); ++p)
      t[std::size_t(j) * std::size_t(px.n()) + std::size_t(p)] = Complex<float>(math::shift_phase(
          px.kx[std::size_t(p)], px.ky[std::size_t(p)], s.shift_x_px[std::size_t(j)], s.shift_y_px[std::size_t(j)], s.box));
  return t;
}

std::vector<float> inverse_sigma2(const Classify2dModel& m) {
  std::vector<float> v(m.sigma2.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = m.sigma2[i] > 0 ? float(1.0 / m.sigma2[i]) : 0.f;
  return v;
}

Classify2dSums empty_sums(const Classify2dModel& m) {
  Classify2dSums s;
  s.n_classes = m.n_classes;
  s.box = m.box;
  s.n_groups = m.n_groups;
  s.num.assign(std::size_t(m.n_classes * m.half_size()), Complex<double>());
  s.den.assign(std::size_t(m.n_classes * m.half_size()), 0.0);
  s.resid.assign(std::size_t(m.n_groups * m.n_shells()), 0.0);
  s.resid_count.assign(std::size_t(m.n_groups * m.n_shells()), 0.0);
  s.class_weight.assign(std::size_t(m.n_classes), 0.0);
  return s;
}

void finish_sums(const Classify2dModel& m, const Classify2dSampling& s, const PixelList& px,
                 const PoseTables& pose, const std::vector<std::vector<double>>& ny,
                 const std::vector<std::vector<double>>& dq, const std::vector<std::vector<double>>& x2,
                 const std::vector<double>& n_per_group, const std::vector<float>& aref,
                 const std::vector<float>& anorm, Classify2dSums& out) {
  const int R = s.n_rotations(), P = px.n(), K = m.n_classes, G = m.n_groups, S = m.n_shells();
  const std::int64_t half = m.half_size();
  const double big = double(m.box) * m.box;
  // Rotation back into the class frame: one class per thread, plain += (the scatter adjoint to the
  // gather of RotateReferencesFunctor).
#pragma omp parallel for schedule(dynamic)
  for (int k = 0; k < K; ++k) {
    Complex<double>* num = out.num.data() + k * half;
    double* den = out.den.data() + k * half;
    for (int r = 0; r < R; ++r) {
      const std::size_t kr = std::size_t(k) * R + std::size_t(r);
      for (int p = 0; p < P; ++p) {
        Complex<double> v;
        double w = 0;
        for (int g = 0; g < G; ++g) {
          v.re += ny[std::size_t(g)][kr * 2 * P + 2 * std::size_t(p)];
          v.im += ny[std::size_t(g)][kr * 2 * P + 2 * std::size_t(p) + 1];
          w += dq[std::size_t(g)][kr * P + std::size_t(p)];
        }
        double qx, qy;
        math::rotate_to_class_frame(double(px.kx[std::size_t(p)]), double(px.ky[std::size_t(p)]),
                                    double(pose.cos_psi[std::size_t(r)]), double(pose.sin_psi[std::size_t(r)]),
                                    &qx, &qy);
        math::insert_fourier_2d(s.interp, num, den, m.box, m.box, qx, qy, big, v, w, math::PlainAdd{});
      }
    }
  }
  // Residual power per group and shell.
  for (int g = 0; g < G; ++g) {
    std::vector<double> rp(std::size_t(P), 0.0);
#pragma omp parallel for schedule(static)
    for (int p = 0; p < P; ++p) {
      double acc = 0;
      for (std::size_t kr = 0; kr < std::size_t(K) * R; ++kr) {
        const double ar = aref[kr * 2 * P + 2 * std::size_t(p)], ai = aref[kr * 2 * P + 2 * std::size_t(p) + 1];
        const double nr = ny[std::size_t(g)][kr * 2 * P + 2 * std::size_t(p)],
                     ni = ny[std::size_t(g)][kr * 2 * P + 2 * std::size_t(p) + 1];
        acc += dq[std::size_t(g)][kr * P + std::size_t(p)] * anorm[kr * P + std::size_t(p)] - 2 * (ar * nr + ai * ni);
      }
      rp[std::size_t(p)] = acc;
    }
    for (int p = 0; p < P; ++p) {
      const int sh = px.shell[std::size_t(p)];
      const double sig2 = m.sigma2[std::size_t(g * S + sh)];
      out.resid[std::size_t(g * S + sh)] += x2[std::size_t(g)][std::size_t(p)] + sig2 * rp[std::size_t(p)];
      out.resid_count[std::size_t(g * S + sh)] += n_per_group[std::size_t(g)] * px.u[std::size_t(p)];
    }
  }
}

}  // namespace classify2d_detail

void update_tau2_from_classes(Classify2dModel& m, double fudge) {
  const int S = m.n_shells(), hx = m.box / 2 + 1;
  m.tau2.assign(std::size_t(m.n_classes * S), 0.0);
  std::vector<double> cnt(std::size_t(S), 0.0);
  for (int k = 0; k < m.n_classes; ++k) {
    std::fill(cnt.begin(), cnt.end(), 0.0);
    const Complex<float>* a = m.classes.data() + k * m.half_size();
    for (int iy = 0; iy < m.box; ++iy)
      for (int kx = 0; kx < hx; ++kx) {
        const int ky = math::wrapped_frequency(iy, m.box);
        const int sh = math::shell_index(std::sqrt(double(kx * kx + ky * ky)));
        if (sh >= S) continue;
        m.tau2[std::size_t(k * S + sh)] += double(norm(a[iy * hx + kx]));
        cnt[std::size_t(sh)] += 1;
      }
    for (int sh = 0; sh < S; ++sh)
      if (cnt[std::size_t(sh)] > 0) m.tau2[std::size_t(k * S + sh)] *= 0.5 * fudge / cnt[std::size_t(sh)];
  }
}

Classify2dModel maximise(const Classify2dSums& sums, const Classify2dModel& prev, const Classify2dSampling& s,
                         const Classify2dMaximise& opt) {
  Classify2dModel m = prev;
  const int K = m.n_classes, S = m.n_shells(), hx = m.box / 2 + 1, box = m.box;
  const std::int64_t half = m.half_size();
  THON_CHECK(sums.n_images > 0, "classify2d: no images in the M-step");
  // tau2 per class and shell from this iteration's data: the unregularised average num/den has
  // noise variance 1/den per component, so the signal variance per component is
  // mean |num/den|^2 / 2 - mean 1/den (floored at 1e-6 of the total power), times the fudge.
  m.tau2.assign(std::size_t(K * S), 0.0);
  for (int k = 0; k < K; ++k) {
    std::vector<double> pw(std::size_t(S), 0.0), nv(std::size_t(S), 0.0), c(std::size_t(S), 0.0);
    for (int iy = 0; iy < box; ++iy)
      for (int kx = 0; kx < hx; ++kx) {
        const int ky = math::wrapped_frequency(iy, box);
        const int r2 = kx * kx + ky * ky;
        if (r2 > s.r_limit * s.r_limit) continue;
        const std::size_t j = std::size_t(k * half + iy * hx + kx);
        if (!(sums.den[j] > 0)) continue;
        const int sh = math::shell_index(std::sqrt(double(r2)));
        pw[std::size_t(sh)] += norm(sums.num[j]) / (sums.den[j] * sums.den[j]);
        nv[std::size_t(sh)] += 1.0 / sums.den[j];
        c[std::size_t(sh)] += 1;
      }
    for (int sh = 0; sh < S; ++sh) {
      if (c[std::size_t(sh)] <= 0) continue;
      const double p = 0.5 * pw[std::size_t(sh)] / c[std::size_t(sh)], nn = nv[std::size_t(sh)] / c[std::size_t(sh)];
      m.tau2[std::size_t(k * S + sh)] = opt.tau2_fudge * std::max(p - nn, 1e-6 * p);
    }
  }
  // Class averages: Wiener combination inside the limit, 0 beyond.
  for (int k = 0; k < K; ++k) {
    Complex<float>* a = m.classes.data() + k * half;
    for (int iy = 0; iy < box; ++iy)
      for (int kx = 0; kx < hx; ++kx) {
        const int ky = math::wrapped_frequency(iy, box);
        const int r2 = kx * kx + ky * ky;
        const std::int64_t j = k * half + iy * hx + kx;
        if (r2 > s.r_limit * s.r_limit) {
          a[iy * hx + kx] = Complex<float>();
          continue;
        }
        const int sh = math::shell_index(std::sqrt(double(r2)));
        const double tau2 = m.tau2[std::size_t(k * S + sh)];
        const double d = sums.den[std::size_t(j)] + (tau2 > 0 ? 1.0 / tau2 : 0.0);
        const Complex<double> v = d > 0 ? sums.num[std::size_t(j)] / d : Complex<double>();
        a[iy * hx + kx] = Complex<float>(v);
      }
  }
  // Soft circular mask in real space (RELION's --particle_diameter on the references).
  if (opt.mask_radius_px > 0) {
    std::vector<float> img(std::size_t(box) * box);
    const Shape sh{box, box, 1, 1};
    for (int k = 0; k < K; ++k) {
      Complex<float>* a = m.classes.data() + k * half;
      std::vector<Complex<float>> tmp(a, a + half);
      classify2d_centre_transforms(tmp.data(), 1, box, true);
      cpu::fft_c2r(tmp.data(), img.data(), sh);  // normalised inverse
      for (int y = 0; y < box; ++y)
        for (int x = 0; x < box; ++x) {
          const double r = std::hypot(double(x - box / 2), double(y - box / 2));
          double w = 1;
          if (r > opt.mask_radius_px + opt.mask_edge_px) w = 0;
          else if (r > opt.mask_radius_px) w = 0.5 + 0.5 * std::cos(M_PI * (r - opt.mask_radius_px) / opt.mask_edge_px);
          img[std::size_t(y) * box + x] *= float(w);
        }
      cpu::fft_r2c(img.data(), a, sh);
      classify2d_centre_transforms(a, 1, box, false);
      for (int iy = 0; iy < box; ++iy)  // keep the band limit
        for (int kx = 0; kx < hx; ++kx) {
          const int ky = math::wrapped_frequency(iy, box);
          if (kx * kx + ky * ky > s.r_limit * s.r_limit) a[iy * hx + kx] = Complex<float>();
        }
    }
  }
  // Noise per group and shell inside the limit.
  if (opt.update_sigma2)
    for (int g = 0; g < m.n_groups; ++g)
      for (int sh = 1; sh <= s.r_limit && sh < S; ++sh) {
        const double c = sums.resid_count[std::size_t(g * S + sh)];
        const double r = sums.resid[std::size_t(g * S + sh)];
        if (c > 0 && r > 0) m.sigma2[std::size_t(g * S + sh)] = r / (2 * c);
      }
  // Priors.
  double tot = 0;
  for (double w : sums.class_weight) tot += w;
  for (int k = 0; k < K; ++k)
    m.class_weights[std::size_t(k)] = tot > 0 ? std::max(sums.class_weight[std::size_t(k)] / tot, 1e-12) : 1.0 / K;
  const double step = s.n_translations() > 1 ? std::hypot(s.shift_x_px[1] - s.shift_x_px[0], s.shift_y_px[1] - s.shift_y_px[0]) : 1.0;
  m.sigma_offset_px = std::max(std::sqrt(sums.offset2 / (2 * sums.n_images)), 0.5 * step);
  return m;
}

Classify2dModel classify2d_initial_model(const Complex<float>* ft, const float* ctf, const int* group, int n,
                                         int box, int n_groups, int n_classes, double pixel_size_A, int r_limit,
                                         std::uint64_t seed, double tau2_fudge, double sigma_offset_px) {
  THON_CHECK(n_classes >= 1, "--k ", n_classes, " must be at least 1");
  THON_CHECK(n_classes <= n, "--k ", n_classes, " is larger than the number of particles (", n, ")");
  Classify2dModel m;
  m.n_classes = n_classes;
  m.box = box;
  m.n_groups = n_groups;
  m.pixel_size_A = pixel_size_A;
  m.sigma_offset_px = sigma_offset_px;
  const int S = m.n_shells(), hx = box / 2 + 1;
  const std::int64_t half = m.half_size();
  std::vector<int> shell(static_cast<std::size_t>(half));
  for (int iy = 0; iy < box; ++iy)
    for (int kx = 0; kx < hx; ++kx) {
      const int ky = math::wrapped_frequency(iy, box);
      shell[std::size_t(iy * hx + kx)] = std::min(S - 1, math::shell_index(std::sqrt(double(kx * kx + ky * ky))));
    }
  // Noise: per group, the variance of the transforms around their mean, per shell and component.
  m.sigma2.assign(std::size_t(n_groups * S), 0.0);
  for (int g = 0; g < n_groups; ++g) {
    std::vector<Complex<double>> mean(static_cast<std::size_t>(half));
    std::vector<double> pw(std::size_t(half), 0.0);
    double cnt = 0;
    for (int i = 0; i < n; ++i) {
      if ((group ? group[i] : 0) != g) continue;
      cnt += 1;
      for (std::int64_t j = 0; j < half; ++j) {
        const Complex<double> x(ft[i * half + j]);
        mean[std::size_t(j)] += x;
        pw[std::size_t(j)] += norm(x);
      }
    }
    if (cnt == 0) continue;
    std::vector<double> s2(std::size_t(S), 0.0), c(std::size_t(S), 0.0);
    for (std::int64_t j = 0; j < half; ++j) {
      const double v = pw[std::size_t(j)] / cnt - norm(mean[std::size_t(j)] / cnt);
      s2[std::size_t(shell[std::size_t(j)])] += 0.5 * v;
      c[std::size_t(shell[std::size_t(j)])] += 1;
    }
    for (int sh = 0; sh < S; ++sh) {
      double v = c[std::size_t(sh)] > 0 ? s2[std::size_t(sh)] / c[std::size_t(sh)] : 0.0;
      m.sigma2[std::size_t(g * S + sh)] = v;
    }
    // A shell without variance (DC of mean-subtracted images) borrows its neighbour's.
    for (int sh = 0; sh < S; ++sh)
      if (!(m.sigma2[std::size_t(g * S + sh)] > 0))
        m.sigma2[std::size_t(g * S + sh)] = m.sigma2[std::size_t(g * S + std::min(sh + 1, S - 1))] > 0
                                                ? m.sigma2[std::size_t(g * S + std::min(sh + 1, S - 1))]
                                                : 1.0;
  }
  // Classes: random subsets at random angles, inserted into the class frame (the M-step with
  // random hard assignments) and divided by the summed CTF^2 (plus 5% of its shell mean).
  std::mt19937_64 rng(seed);
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) order[std::size_t(i)] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::uniform_real_distribution<double> upsi(0.0, 2 * M_PI);
  std::vector<Complex<double>> num(std::size_t(n_classes * half));
  std::vector<double> den(std::size_t(n_classes * half), 0.0);
  const classify2d_detail::PixelList px = classify2d_detail::make_pixel_list(box, r_limit);
  const double big = double(box) * box;
  for (int o = 0; o < n; ++o) {
    const int i = order[std::size_t(o)], k = o % n_classes, g = group ? group[i] : 0;
    const double psi = upsi(rng), c = std::cos(psi), sn = std::sin(psi);
    for (int p = 0; p < px.n(); ++p) {
      const std::size_t pp = std::size_t(p);
      const double cv = ctf ? double(ctf[i * half + px.index[pp]]) : 1.0;
      const double is2 = 1.0 / m.sigma2[std::size_t(g * S + px.shell[pp])];
      double qx, qy;
      math::rotate_to_class_frame(double(px.kx[pp]), double(px.ky[pp]), c, sn, &qx, &qy);
      math::insert_fourier_2d(math::Interp::linear, num.data() + k * half, den.data() + k * half, box, box, qx, qy,
                              big, Complex<double>(ft[i * half + px.index[pp]]) * (cv * is2 * px.u[pp]),
                              cv * cv * is2 * px.u[pp], math::PlainAdd{});
    }
  }
  m.classes.assign(std::size_t(n_classes * half), Complex<float>());
  for (int k = 0; k < n_classes; ++k) {
    std::vector<double> dm(std::size_t(S), 0.0), dc(std::size_t(S), 0.0);
    for (std::int64_t j = 0; j < half; ++j) {
      dm[std::size_t(shell[std::size_t(j)])] += den[std::size_t(k * half + j)];
      dc[std::size_t(shell[std::size_t(j)])] += 1;
    }
    for (int iy = 0; iy < box; ++iy)
      for (int kx = 0; kx < hx; ++kx) {
        const int ky = math::wrapped_frequency(iy, box);
        if (kx * kx + ky * ky > r_limit * r_limit) continue;
        const std::int64_t j = iy * hx + kx;
        const int sh = shell[std::size_t(j)];
        const double d = den[std::size_t(k * half + j)] + 0.05 * dm[std::size_t(sh)] / std::max(1.0, dc[std::size_t(sh)]);
        if (d > 0) m.classes[std::size_t(k * half + j)] = Complex<float>(num[std::size_t(k * half + j)] / d);
      }
  }
  m.class_weights.assign(std::size_t(n_classes), 1.0 / n_classes);
  update_tau2_from_classes(m, tau2_fudge);
  return m;
}

std::vector<int> classify2d_resolution_shells(const Classify2dSums& sums, const Classify2dModel& next, int r_limit) {
  const int K = next.n_classes, S = next.n_shells(), hx = next.box / 2 + 1, box = next.box;
  std::vector<int> out(std::size_t(K), 1);
  for (int k = 0; k < K; ++k) {
    std::vector<double> d(std::size_t(S), 0.0), c(std::size_t(S), 0.0);
    for (int iy = 0; iy < box; ++iy)
      for (int kx = 0; kx < hx; ++kx) {
        const int ky = math::wrapped_frequency(iy, box);
        const int sh = math::shell_index(std::sqrt(double(kx * kx + ky * ky)));
        if (sh >= S) continue;
        d[std::size_t(sh)] += sums.den[std::size_t(k * next.half_size() + iy * hx + kx)];
        c[std::size_t(sh)] += 1;
      }
    int best = 1;
    for (int sh = 1; sh <= r_limit && sh < S; ++sh) {
      const double tau2 = next.tau2[std::size_t(k * S + sh)];
      if (c[std::size_t(sh)] <= 0 || tau2 * d[std::size_t(sh)] / c[std::size_t(sh)] < 1) break;
      best = sh;
    }
    out[std::size_t(k)] = best;
  }
  return out;
}

}  // namespace thon::ops
