// Electron scattering factors and the potential of one atom (PHYSICS.md 5.3).
//
// Peng, Ren, Dudarev & Whelan, "Robust parameterization of elastic and absorptive electron atomic
// scattering factors", Acta Cryst. A52 (1996) 257-276, Table 1 (elastic, 0 <= s <= 2 Å^-1):
//   f_e(s) = sum_{i=1..5} a_i exp(-b_i s^2),  s = sin(theta)/lambda = q/2 [Å^-1], a_i [Å], b_i [Å^2].
// The values for Z = 1..36 below are Table 1 as shipped in TEM-Simulator src/pdb.c
// (get_scattering_parameters, "from L.-M. Peng et al. 1996, Table 1"); H, C, N, O, P, S agree with
// PHYSICS.md, cisTEM electron_scattering.h and InSilicoTEM parametrizeScFac.m.
//
// With a B-factor (Debye-Waller exp(-B s^2)) each b_i becomes b_i + B. In real space (first Born
// approximation, F[f](q) = int f exp(-2 pi i q.r)):
//   V(r)   = 47.8776 sum_i a_i (4 pi / b_i')^(3/2) exp(-4 pi^2 r^2 / b_i')          [V]
//   V_z(rho) = 47.8776 sum_i a_i (4 pi / b_i') exp(-4 pi^2 rho^2 / b_i')             [V Å]
// with b_i' = b_i + B and 47.8776 V Å^2 = h^2 / (2 pi m0 e). Each Gaussian integrates to 1, so
// int V d^3r = 47.8776 f_e(0). The average over a box [x1,x2] x [y1,y2] x [z1,z2] is exact:
//   <V> = 47.8776 / (8 vol) sum_i a_i prod_d [erf(2 pi d2 / sqrt(b_i')) - erf(2 pi d1 / sqrt(b_i'))]
// (cisTEM ReturnScatteringPotentialOfAVoxel, cryoJAX _evaluate_gaussian_integrals).
//
// The table is host data (namespace-scope constexpr): kernels receive the coefficients of each atom
// already looked up (see thon::ops potential).
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"
#include "thon/math/electron.hpp"

namespace thon::math {

inline constexpr int kPengMaxZ = 36;
inline constexpr int kPengTerms = 5;

/// Peng 1996 Table 1 rows for Z = 1 (H) .. 36 (Kr): a1..a5 [Å], b1..b5 [Å^2].
inline constexpr double kPeng1996[kPengMaxZ][2 * kPengTerms] = {
    {0.0349, 0.1201, 0.1970, 0.0573, 0.1195, 0.5347, 3.5867, 12.3471, 18.9525, 38.6269},   // H
    {0.0317, 0.0838, 0.1526, 0.1334, 0.0164, 0.2507, 1.4751, 4.4938, 12.6646, 31.1653},    // He
    {0.0750, 0.2249, 0.5548, 1.4954, 0.9354, 0.3864, 2.9383, 15.3829, 53.5545, 138.7337},  // Li
    {0.0780, 0.2210, 0.6740, 1.3867, 0.6925, 0.3131, 2.2381, 10.1517, 30.9061, 78.3273},   // Be
    {0.0909, 0.2551, 0.7738, 1.2136, 0.4606, 0.2995, 2.1155, 8.3816, 24.1292, 63.1314},    // B
    {0.0893, 0.2563, 0.7570, 1.0487, 0.3575, 0.2465, 1.7100, 6.4094, 18.6113, 50.2523},    // C
    {0.1022, 0.3219, 0.7982, 0.8197, 0.1715, 0.2451, 1.7481, 6.1925, 17.3894, 48.1431},    // N
    {0.0974, 0.2921, 0.6910, 0.6990, 0.2039, 0.2067, 1.3815, 4.6943, 12.7105, 32.4726},    // O
    {0.1083, 0.3175, 0.6487, 0.5846, 0.1421, 0.2057, 1.3439, 4.2788, 11.3932, 28.7881},    // F
    {0.1269, 0.3535, 0.5582, 0.4674, 0.1460, 0.2200, 1.3779, 4.0203, 9.4934, 23.1278},     // Ne
    {0.2142, 0.6853, 0.7692, 1.6589, 1.4482, 0.3334, 2.3446, 10.0830, 48.3037, 138.2700},  // Na
    {0.2314, 0.6866, 0.9677, 2.1882, 1.1339, 0.3278, 2.2720, 10.9241, 39.2898, 101.9748},  // Mg
    {0.2390, 0.6573, 1.2011, 2.5586, 1.2312, 0.3138, 2.1063, 10.4163, 34.4552, 98.5344},   // Al
    {0.2519, 0.6372, 1.3795, 2.5082, 1.0500, 0.3075, 2.0174, 9.6746, 29.3744, 80.4732},    // Si
    {0.2548, 0.6106, 1.4541, 2.3204, 0.8477, 0.2908, 1.8740, 8.5176, 24.3434, 63.2996},    // P
    {0.2497, 0.5628, 1.3899, 2.1865, 0.7715, 0.2681, 1.6711, 7.0267, 19.5377, 50.3888},    // S
    {0.2443, 0.5397, 1.3919, 2.0197, 0.6621, 0.2468, 1.5242, 6.1537, 16.6687, 42.3086},    // Cl
    {0.2385, 0.5017, 1.3428, 1.8899, 0.6079, 0.2289, 1.3694, 5.2561, 14.0928, 35.5361},    // Ar
    {0.4115, -1.4031, 2.2784, 2.6742, 2.2162, 0.3703, 3.3874, 13.1029, 68.9592, 194.4329}, // K
    {0.4054, 1.3880, 2.1602, 3.7532, 2.2063, 0.3499, 3.0991, 11.9608, 53.9353, 142.3892},  // Ca
    {0.3787, 1.2181, 2.0594, 3.2618, 2.3870, 0.3133, 2.5856, 9.5813, 41.7688, 116.7282},   // Sc
    {0.3825, 1.2598, 2.0008, 3.0617, 2.0694, 0.3040, 2.4863, 9.2783, 39.0751, 109.4583},   // Ti
    {0.3876, 1.2750, 1.9109, 2.8314, 1.8979, 0.2967, 2.3780, 8.7981, 35.9528, 101.7201},   // V
    {0.4046, 1.3696, 1.8941, 2.0800, 1.2196, 0.2986, 2.3958, 9.1406, 37.4701, 113.7121},   // Cr
    {0.3796, 1.2094, 1.7815, 2.5420, 1.5937, 0.2699, 2.0455, 7.4726, 31.0604, 91.5622},    // Mn
    {0.3946, 1.2725, 1.7031, 2.3140, 1.4795, 0.2717, 2.0443, 7.6007, 29.9714, 86.2265},    // Fe
    {0.4118, 1.3161, 1.6493, 2.1930, 1.2830, 0.2742, 2.0372, 7.7205, 29.9680, 84.9383},    // Co
    {0.3860, 1.1765, 1.5451, 2.0730, 1.3814, 0.2478, 1.7660, 6.3107, 25.2204, 74.3146},    // Ni
    {0.4314, 1.3208, 1.5236, 1.4671, 0.8562, 0.2694, 1.9223, 7.3474, 28.9892, 90.6246},    // Cu
    {0.4288, 1.2646, 1.4472, 1.8294, 1.0934, 0.2593, 1.7998, 6.7500, 25.5860, 73.5284},    // Zn
    {0.4818, 1.4032, 1.6561, 2.4605, 1.1054, 0.2825, 1.9785, 8.7546, 32.5238, 98.5523},    // Ga
    {0.4655, 1.3014, 1.6088, 2.6998, 1.3003, 0.2647, 1.7926, 7.6071, 26.5541, 77.5238},    // Ge
    {0.4517, 1.2229, 1.5852, 2.7958, 1.2638, 0.2493, 1.6436, 6.8154, 22.3681, 62.0390},    // As
    {0.4477, 1.1678, 1.5843, 2.8087, 1.1956, 0.2405, 1.5442, 6.3231, 19.4610, 52.0233},    // Se
    {0.4798, 1.1948, 1.8695, 2.6953, 0.8203, 0.2504, 1.5963, 6.9653, 19.8492, 50.3233},    // Br
    {0.4546, 1.0993, 1.7696, 2.7068, 0.8672, 0.2309, 1.4279, 5.9449, 16.6752, 42.2243},    // Kr
};

/// Five-Gaussian coefficients of one atom (a_i in Å, b_i in Å^2, B-factor NOT yet added).
struct PengCoefficients {
  double a[kPengTerms];
  double b[kPengTerms];
};

/// True when Peng 1996 Table 1 (as shipped here) has element z.
inline constexpr bool has_scattering_factor(int z) { return z >= 1 && z <= kPengMaxZ; }

/// Host lookup; z must satisfy has_scattering_factor(z) (callers check and throw thon::Error).
inline PengCoefficients peng_coefficients(int z) {
  PengCoefficients c{};
  for (int i = 0; i < kPengTerms; ++i) {
    c.a[i] = kPeng1996[z - 1][i];
    c.b[i] = kPeng1996[z - 1][kPengTerms + i];
  }
  return c;
}

/// f_e(s) [Å] at s = sin(theta)/lambda [Å^-1], with the B-factor [Å^2] added to each b_i.
THON_HD double scattering_factor(const PengCoefficients& c, double s_per_A, double b_factor_A2 = 0) {
  double f = 0;
  for (int i = 0; i < kPengTerms; ++i) f += c.a[i] * std::exp(-(c.b[i] + b_factor_A2) * s_per_A * s_per_A);
  return f;
}

/// Real-space potential V(r) [V] of one atom at distance r [Å].
THON_HD double atom_potential_V(const PengCoefficients& c, double r_A, double b_factor_A2 = 0) {
  const double pi = 3.14159265358979323846;
  double v = 0;
  for (int i = 0; i < kPengTerms; ++i) {
    const double b = c.b[i] + b_factor_A2;
    const double g = 4.0 * pi / b;
    v += c.a[i] * g * std::sqrt(g) * std::exp(-4.0 * pi * pi * r_A * r_A / b);
  }
  return kPotentialPrefactor_VA2 * v;
}

/// Projected potential V_z(rho) [V Å] of one atom (infinite projection) at in-plane distance rho [Å].
THON_HD double atom_projected_potential_VA(const PengCoefficients& c, double rho_A, double b_factor_A2 = 0) {
  const double pi = 3.14159265358979323846;
  double v = 0;
  for (int i = 0; i < kPengTerms; ++i) {
    const double b = c.b[i] + b_factor_A2;
    v += c.a[i] * (4.0 * pi / b) * std::exp(-4.0 * pi * pi * rho_A * rho_A / b);
  }
  return kPotentialPrefactor_VA2 * v;
}

/// Width factor of Gaussian term i for the erf box integrals: k = 2 pi / sqrt(b_i + B) [1/Å], so that
/// int_{x1}^{x2} sqrt(4 pi / b) exp(-4 pi^2 x^2 / b) dx = (erf(k x2) - erf(k x1)) / 2.
THON_HD double erf_width_per_A(double b_i_A2, double b_factor_A2) {
  return 2.0 * 3.14159265358979323846 / std::sqrt(b_i_A2 + b_factor_A2);
}

/// (erf(k x2) - erf(k x1)) / 2 : the 1D factor of a box integral (x relative to the atom centre).
template <class T>
THON_HD T erf_interval(T k, T x1, T x2) {
  return T(0.5) * (std::erf(k * x2) - std::erf(k * x1));
}

/// Average potential [V] over the box [lo, hi] (Å, relative to the atom centre) of one atom,
/// times its occupancy: the exact voxel integral divided by the box volume.
THON_HD double atom_box_average_V(const PengCoefficients& c, double b_factor_A2, double occupancy,
                                  const double lo[3], const double hi[3]) {
  double sum = 0;
  for (int i = 0; i < kPengTerms; ++i) {
    const double k = erf_width_per_A(c.b[i], b_factor_A2);
    sum += c.a[i] * erf_interval(k, lo[0], hi[0]) * erf_interval(k, lo[1], hi[1]) * erf_interval(k, lo[2], hi[2]);
  }
  const double vol = (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
  return kPotentialPrefactor_VA2 * occupancy * sum / vol;
}

/// Average projected potential [V Å] over the rectangle [lo, hi] (Å, relative to the atom centre)
/// of one atom times its occupancy (projection infinite along z).
THON_HD double atom_pixel_average_VA(const PengCoefficients& c, double b_factor_A2, double occupancy,
                                     const double lo[2], const double hi[2]) {
  double sum = 0;
  for (int i = 0; i < kPengTerms; ++i) {
    const double k = erf_width_per_A(c.b[i], b_factor_A2);
    sum += c.a[i] * erf_interval(k, lo[0], hi[0]) * erf_interval(k, lo[1], hi[1]);
  }
  const double area = (hi[0] - lo[0]) * (hi[1] - lo[1]);
  return kPotentialPrefactor_VA2 * occupancy * sum / area;
}

/// Average over the rectangle [lo, hi] (Å, relative to the atom centre) of the potential of one
/// atom times its occupancy, integrated along z over the slab [z1, z2] (Å, relative to the atom
/// centre) [V Å]: the projected potential of one multislice slab. The slabs of a stack telescope:
/// their sum over z1 -> -inf, z2 -> +inf is atom_pixel_average_VA (abTEM's "finite" projection).
THON_HD double atom_slab_pixel_average_VA(const PengCoefficients& c, double b_factor_A2, double occupancy,
                                          const double lo[2], const double hi[2], double z1_A, double z2_A) {
  double sum = 0;
  for (int i = 0; i < kPengTerms; ++i) {
    const double k = erf_width_per_A(c.b[i], b_factor_A2);
    sum += c.a[i] * erf_interval(k, lo[0], hi[0]) * erf_interval(k, lo[1], hi[1]) * erf_interval(k, z1_A, z2_A);
  }
  const double area = (hi[0] - lo[0]) * (hi[1] - lo[1]);
  return kPotentialPrefactor_VA2 * occupancy * sum / area;
}

/// Truncation radius [Å] beyond which an atom's Gaussians are dropped: R = kCutoffErfArg / k_min with
/// k_min the width factor of the widest Gaussian (largest b_i + B). In 1D the mass outside [-R, R] is
/// erfc(k R) <= erfc(4) = 1.5e-8 per term; a cube of half-width R loses less than 3 erfc(4) = 4.6e-8
/// of each term's integral (relative to |a_i|).
inline constexpr double kCutoffErfArg = 4.0;
THON_HD double atom_cutoff_radius_A(double b_max_A2, double b_factor_A2) {
  return kCutoffErfArg / erf_width_per_A(b_max_A2, b_factor_A2);
}

/// Mean inner potential [V] of a medium of number density n [Å^-3] of molecules whose atoms have
/// sum f_e(0) = sum_fe0_A [Å]: V = 47.8776 n sum f_e(0). Water (sum 3.041 Å) at 0.94 g/cm^3: 4.58 V.
THON_HD double mean_inner_potential_V(double number_density_per_A3, double sum_fe0_A) {
  return kPotentialPrefactor_VA2 * number_density_per_A3 * sum_fe0_A;
}

}  // namespace thon::math
