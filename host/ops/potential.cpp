// Dispatcher of the potential operations, atom preparation and input checks.
#include "thon/ops/potential.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "cpu/potential.hpp"
#include "cuda/potential.hpp"
#include "ops/potential_prepare.hpp"
#include "reference/potential.hpp"
#include "thon/core/error.hpp"
#include "thon/math/scattering.hpp"

namespace thon::ops {
namespace detail {

void check_grid(int nx, int ny, int nz, double pixel_size_A) {
  THON_CHECK(nx > 0 && ny > 0 && nz > 0, "potential grid: box size must be positive, got ", nx, " x ", ny, " x ", nz);
  THON_CHECK(pixel_size_A > 0 && std::isfinite(pixel_size_A),
             "potential grid: pixel size must be positive, got ", pixel_size_A, " Å");
}

void check_atoms(const std::vector<io::Atom>& atoms) {
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    const io::Atom& a = atoms[i];
    THON_CHECK(math::has_scattering_factor(a.z), "atom ", i, ": element with atomic number ", a.z,
               " has no electron scattering factor (Peng 1996 table covers Z = 1..", math::kPengMaxZ, ")");
    THON_CHECK(std::isfinite(a.position_A.x) && std::isfinite(a.position_A.y) && std::isfinite(a.position_A.z),
               "atom ", i, ": position is not finite");
    THON_CHECK(std::isfinite(a.b_factor_A2) && std::isfinite(a.occupancy), "atom ", i,
               ": B-factor or occupancy is not finite");
  }
}

std::vector<math::GaussianAtom> prepare_atoms(const std::vector<io::Atom>& atoms, const int n[3], int dims,
                                              double pixel_size_A, const Vec3<double>& centre_A,
                                              const Mat3<double>& rotation, double extra_b_A2, float* r_max,
                                              std::vector<float>* factors) {
  constexpr double kPi = 3.14159265358979323846;
  std::vector<math::GaussianAtom> out;
  out.reserve(atoms.size());
  const double p = pixel_size_A;
  const double norm = math::kPotentialPrefactor_VA2 / (dims == 3 ? 8.0 * p * p * p : 4.0 * p * p);
  float rm = 0;
  for (const io::Atom& atom : atoms) {
    const math::PengCoefficients c = math::peng_coefficients(atom.z);
    const double b = atom.b_factor_A2 + extra_b_A2;
    Vec3<double> rel = atom.position_A - centre_A;
    if (dims == 2) rel = rotation * rel;
    math::GaussianAtom g{};
    double b_max = 0, k[math::kPengTerms];
    for (int i = 0; i < math::kPengTerms; ++i) {
      g.amp[i] = float(norm * atom.occupancy * c.a[i]);
      k[i] = 2.0 * kPi * p / std::sqrt(c.b[i] + b);
      g.k[i] = float(k[i]);
      b_max = std::max(b_max, c.b[i]);
    }
    const double r_cut = math::atom_cutoff_radius_A(b_max, b) / p;
    g.r_cut = float(r_cut);
    bool inside = true;
    double u[3];
    for (int d = 0; d < 3; ++d) {
      u[d] = rel[d] / p + n[d] / 2;
      g.u[d] = float(u[d]);
      if (d >= dims) continue;
      const int lo = std::max(0, int(std::floor(u[d] - r_cut + 0.5)));
      const int hi = std::min(n[d] - 1, int(std::floor(u[d] + r_cut + 0.5)));
      g.first[d] = lo;
      g.count[d] = hi - lo + 1;
      inside = inside && g.count[d] > 0;
    }
    if (!inside) continue;
    for (int d = 0; d < dims; ++d) {
      g.offset[d] = index_t(factors->size());
      for (int i = 0; i < math::kPengTerms; ++i)
        for (int j = 0; j < g.count[d]; ++j) {
          const double x = g.first[d] + j - u[d];
          factors->push_back(float(std::erf(k[i] * (x + 0.5)) - std::erf(k[i] * (x - 0.5))));
        }
    }
    rm = std::max(rm, g.r_cut);
    out.push_back(g);
  }
  const int axis = dims - 1;
  std::sort(out.begin(), out.end(),
            [axis](const math::GaussianAtom& a, const math::GaussianAtom& b) { return a.u[axis] < b.u[axis]; });
  *r_max = rm;
  return out;
}

}  // namespace detail

Volume<float> atom_potential(Device device, const std::vector<io::Atom>& atoms, const PotentialGrid& grid) {
  detail::check_grid(grid.nx, grid.ny, grid.nz, grid.pixel_size_A);
  detail::check_atoms(atoms);
  THON_CHECK(grid.solvent_V >= 0 && std::isfinite(grid.solvent_V), "potential grid: solvent potential must be >= 0 V, got ",
             grid.solvent_V);
  if (device == Device::reference) {
    const Volume<double> v = ref::atom_potential(atoms, grid);
    Volume<float> out(grid.nx, grid.ny, grid.nz, grid.pixel_size_A);
    std::transform(v.begin(), v.end(), out.begin(), [](double x) { return float(x); });
    return out;
  }
  const int n[3] = {grid.nx, grid.ny, grid.nz};
  float r_max = 0;
  std::vector<float> factors;
  const auto prepared = detail::prepare_atoms(atoms, n, 3, grid.pixel_size_A, grid.centre_A, Mat3<double>::identity(),
                                              grid.extra_b_A2, &r_max, &factors);
  Volume<float> out(grid.nx, grid.ny, grid.nz, grid.pixel_size_A);
  if (device == Device::cpu)
    cpu::potential_rows(prepared.data(), index_t(prepared.size()), factors.data(), index_t(factors.size()), r_max,
                        grid.nx, grid.ny, grid.nz, float(grid.solvent_V), out.data());
  else
    cuda::potential_rows(prepared.data(), index_t(prepared.size()), factors.data(), index_t(factors.size()), r_max,
                         grid.nx, grid.ny, grid.nz, float(grid.solvent_V), out.data());
  return out;
}

ImageStack<float> atom_projected_potential(Device device, const std::vector<io::Atom>& atoms,
                                           const ProjectionGrid& grid, const std::vector<Mat3<double>>& rotations) {
  detail::check_grid(grid.nx, grid.ny, 1, grid.pixel_size_A);
  detail::check_atoms(atoms);
  THON_CHECK(!rotations.empty(), "atom_projected_potential: no rotations given");
  const int n_img = int(rotations.size());
  if (device == Device::reference) {
    const ImageStack<double> v = ref::atom_projected_potential(atoms, grid, rotations);
    ImageStack<float> out(grid.nx, grid.ny, n_img, grid.pixel_size_A);
    std::transform(v.begin(), v.end(), out.begin(), [](double x) { return float(x); });
    return out;
  }
  const int n[3] = {grid.nx, grid.ny, 1};
  std::vector<math::GaussianAtom> all;
  std::vector<float> factors;
  std::vector<index_t> offset{0};
  float r_max = 0;
  for (const Mat3<double>& a : rotations) {
    float rm = 0;
    auto prepared =
        detail::prepare_atoms(atoms, n, 2, grid.pixel_size_A, grid.centre_A, a, grid.extra_b_A2, &rm, &factors);
    r_max = std::max(r_max, rm);
    all.insert(all.end(), prepared.begin(), prepared.end());
    offset.push_back(index_t(all.size()));
  }
  ImageStack<float> out(grid.nx, grid.ny, n_img, grid.pixel_size_A);
  if (device == Device::cpu)
    cpu::projected_rows(all.data(), index_t(all.size()), factors.data(), index_t(factors.size()), offset.data(), n_img,
                        r_max, grid.nx, grid.ny, out.data());
  else
    cuda::projected_rows(all.data(), index_t(all.size()), factors.data(), index_t(factors.size()), offset.data(), n_img,
                         r_max, grid.nx, grid.ny, out.data());
  return out;
}

}  // namespace thon::ops
