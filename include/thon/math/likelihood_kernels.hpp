// Per-element functors of the 2D ML E-step and M-step (math/likelihood.hpp formulas), run by the
// CPU backend with thrust::omp::par and by the CUDA backend on a stream: one body, two executors.
//
// Shapes (one batch of B images, K classes, R rotations, T translations, P pixels):
//   pixels     P entries: half-complex offset `index`, signed frequencies kx, ky, shell, weight u
//   aref       K*R rows of 2P floats: the rotated references, interleaved (re, im)
//   anorm      K*R rows of P floats: |A_kr(p)|^2
//   y          B*T rows of 2P floats: u CTF X_t / sigma2, interleaved
//   q          B rows of P floats: u CTF^2 / sigma2
//   cross      B*T rows of K*R floats: Re(y conj(aref)) (the product y * aref^T); overwritten by the
//              posteriors W
//   nrm        B rows of K*R floats: q * anorm^T
#pragma once

#include "thon/core/complex.hpp"
#include "thon/core/views.hpp"
#include "thon/math/interp.hpp"
#include "thon/math/likelihood.hpp"

namespace thon::math {

/// The pixels inside the resolution limit (device or host pointers).
struct LikelihoodPixels {
  const int* index = nullptr;  ///< offset in one half-complex box x (box/2+1) array
  const int* kx = nullptr;
  const int* ky = nullptr;
  const int* shell = nullptr;
  const float* u = nullptr;    ///< independent_pixel_weight
  int n = 0;
};

/// aref and anorm for every (class, rotation, pixel): the gather of A_k at R(psi_r)^T p.
struct RotateReferencesFunctor {
  const Complex<float>* classes;  ///< K * box * (box/2+1)
  LikelihoodPixels px;
  const float* cos_psi;
  const float* sin_psi;
  int n_rot, box;
  Interp interp;
  float* aref;
  float* anorm;
  THON_HD void operator()(index_t i) const {
    const index_t p = i % px.n, kr = i / px.n;
    const index_t k = kr / n_rot;
    const int r = int(kr % n_rot);
    float qx, qy;
    rotate_to_class_frame(float(px.kx[p]), float(px.ky[p]), cos_psi[r], sin_psi[r], &qx, &qy);
    const index_t half = index_t(box) * (box / 2 + 1);
    const float big = float(box) * float(box);
    const Complex<float> a = interpolate_fourier_2d(interp, classes + k * half, box, box, qx, qy, big);
    aref[kr * 2 * px.n + 2 * p] = a.re;
    aref[kr * 2 * px.n + 2 * p + 1] = a.im;
    anorm[kr * px.n + p] = norm(a);
  }
};

/// y for every (image, translation, pixel).
struct ImageSideFunctor {
  const Complex<float>* ft;  ///< B images, half-complex
  const float* ctf;          ///< B images, half-complex; null: 1
  const int* group;          ///< B; null: 0
  const float* inv_sigma2;   ///< n_groups * shells
  LikelihoodPixels px;
  const float* tx;
  const float* ty;
  const Complex<float>* phase;  ///< T * P shift phases (shift_phase), or null: computed here
  int n_trans, box, n_shells;
  float* y;
  THON_HD void operator()(index_t i) const {
    const index_t p = i % px.n, bt = i / px.n;
    const index_t b = bt / n_trans;
    const int t = int(bt % n_trans);
    const index_t half = index_t(box) * (box / 2 + 1);
    const index_t j = b * half + px.index[p];
    const float c = ctf ? ctf[j] : 1.f;
    const int g = group ? group[b] : 0;
    const Complex<float> ph =
        phase ? phase[index_t(t) * px.n + p] : shift_phase(px.kx[p], px.ky[p], tx[t], ty[t], box);
    const Complex<float> xs = ft[j] * ph;
    const Complex<float> v = image_side(xs, c, inv_sigma2[g * n_shells + px.shell[p]], px.u[p]);
    y[bt * 2 * px.n + 2 * p] = v.re;
    y[bt * 2 * px.n + 2 * p + 1] = v.im;
  }
};

/// q for every (image, pixel), and u |X|^2 (x2, B * P; may be null).
struct NormSideFunctor {
  const Complex<float>* ft;
  const float* ctf;
  const int* group;
  const float* inv_sigma2;
  LikelihoodPixels px;
  int box, n_shells;
  float* q;
  float* x2;
  THON_HD void operator()(index_t i) const {
    const index_t p = i % px.n, b = i / px.n;
    const index_t j = b * index_t(box) * (box / 2 + 1) + px.index[p];
    const float c = ctf ? ctf[j] : 1.f;
    const int g = group ? group[b] : 0;
    q[i] = norm_side(c, inv_sigma2[g * n_shells + px.shell[p]], px.u[p]);
    if (x2) x2[i] = px.u[p] * norm(ft[j]);
  }
};

/// Per image: what the E-step reports (host and device POD).
struct PosteriorSummary {
  int k, r, t;
  float max_probability;
  double log_likelihood;   ///< log sum_poses exp(l) + the image's pixel constant
  int n_significant;
  double offset2;          ///< sum W |t|^2
};

/// One image per call: l = cross - nrm/2 + log prior(class) + log prior(translation) + constant;
/// log-sum-exp, then cross := W = exp(l - lse) (the posteriors, for the M-step product), wsum =
/// sum over translations of W (B * K*R), and the summary. log_post (may be null) gets l - lse.
struct PosteriorFunctor {
  float* cross;
  const float* nrm;
  const Complex<float>* ft;
  const int* group;
  const float* sigma2;       ///< n_groups * shells
  LikelihoodPixels px;
  const float* log_prior_class;  ///< K (includes -log R)
  const float* log_prior_trans;  ///< T (normalised over the grid)
  const float* tx;
  const float* ty;
  int n_classes, n_rot, n_trans, box, n_shells;
  float* wsum;
  PosteriorSummary* out;
  float* log_post;
  THON_HD void operator()(index_t b) const {
    const int kr_n = n_classes * n_rot;
    const index_t half = index_t(box) * (box / 2 + 1);
    const int g = group ? group[b] : 0;
    double c0 = 0;
    for (int p = 0; p < px.n; ++p)
      c0 += double(pixel_log_likelihood_constant(ft[b * half + px.index[p]],
                                                 sigma2[g * n_shells + px.shell[p]], px.u[p]));
    float* cb = cross + b * index_t(n_trans) * kr_n;
    const float* nb = nrm + b * index_t(kr_n);
    LogSumExp<double> lse;
    int best = 0;
    for (int t = 0; t < n_trans; ++t)
      for (int kr = 0; kr < kr_n; ++kr) {
        const index_t j = index_t(t) * kr_n + kr;
        const float l = cb[j] - 0.5f * nb[kr] + log_prior_class[kr / n_rot] + log_prior_trans[t];
        cb[j] = l;
        if (l > lse.max) best = int(j);
        lse.add(double(l));
      }
    const double v = lse.value();
    float* wb = wsum + b * index_t(kr_n);
    for (int kr = 0; kr < kr_n; ++kr) wb[kr] = 0.f;
    int n_sig = 0;
    double off2 = 0;
    const double sig_floor = std::log(1e-3);
    for (int t = 0; t < n_trans; ++t) {
      const double t2 = double(tx[t]) * tx[t] + double(ty[t]) * ty[t];
      for (int kr = 0; kr < kr_n; ++kr) {
        const index_t j = index_t(t) * kr_n + kr;
        const double lp = double(cb[j]) - v;
        if (log_post) log_post[b * index_t(n_trans) * kr_n + j] = float(lp);
        if (double(cb[j]) - lse.max >= sig_floor) ++n_sig;
        // Posteriors below e^-80 (~1e-35) are 0: no float denormals reach the M-step products
        // (denormal operands slow sgemm down by 10x or more).
        const float w = lp > -80.0 ? float(std::exp(lp)) : 0.f;
        cb[j] = w;
        wb[kr] += w;
        off2 += double(w) * t2;
      }
    }
    PosteriorSummary s;
    s.t = best / kr_n;
    s.k = (best % kr_n) / n_rot;
    s.r = (best % kr_n) % n_rot;
    s.max_probability = float(std::exp(lse.max - v));
    s.log_likelihood = v + c0;
    s.n_significant = n_sig;
    s.offset2 = off2;
    out[b] = s;
  }
};

}  // namespace thon::math
