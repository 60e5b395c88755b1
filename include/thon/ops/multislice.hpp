// Multislice image formation (DESIGN.md 4.3, docs/multislice.md): the electron wave through a thick
// specimen, slab by slab, then the objective lens. The model, the slab geometry and the sign
// conventions are in include/thon/math/multislice.hpp and propagator.hpp.
//
// Atoms: model coordinates; `centre_A` maps to the field pixel (field/2, field/2) and to z = 0, the
// plane the defocus refers to. Particle m is seen in the image frame (x, y, z) = A_m (r - centre_A)
// (the pose convention of ops::atom_projected_potential), the beam travelling along +z.
// Slab potentials: the exact erf integrals of the Peng 1996 potential over each pixel and over the
// slab's z extent (scattering.hpp atom_slab_pixel_average_VA; an atom straddling a boundary is
// split between slabs), plus the ice.
//
// Memory: one slab at a time (the potential of the other slabs is never held): per particle of a
// batch the wave, the transmission and the slab potential, about 20 bytes per field pixel.
#pragma once

#include <cstdint>
#include <vector>

#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/io/model.hpp"
#include "thon/math/multislice.hpp"
#include "thon/math/potential_kernels.hpp"

namespace thon::ops {

using math::MultisliceSetup;

/// Radius [Å] of the sphere about `centre_A` that holds every atom with its potential cut-off
/// (scattering.hpp atom_cutoff_radius_A): rotation-invariant, so one slab plan serves every pose.
double particle_radius_A(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, double extra_b_A2);

/// Checks the user fields of `s` and fills the derived ones (wavelength, sigma, band limit,
/// slab plan). Throws thon::Error naming the option and value for: a non-positive slice thickness,
/// a slice thicker than the specimen, ice that does not hold the particle (radius_A) at depth_A, a
/// field smaller than the box or the particle, a pixel so fine that the band limit's scattering
/// angle lambda k_cut leaves the paraxial regime (> kMaxScatteringAngle_rad), and other impossible
/// values.
void prepare_multislice(MultisliceSetup& s, double radius_A);

/// Largest scattering angle [rad] lambda k_cut the paraxial Fresnel propagator is asked to carry.
inline constexpr double kMaxScatteringAngle_rad = 0.1;

/// Largest propagator phase pi lambda dz k_cut^2 [rad] of the prepared setup (dz the slice thickness).
double max_propagator_phase_rad(const MultisliceSetup& s);

/// FFTs (field x field c2c) per particle of the full recursion: 4 per slab (transmission band
/// limit, propagation; the lens's inverse replaces the last slab's), 1 more per pair of slabs for
/// random ice (math/multislice.hpp ice_paired),
/// 1 for the exit wave. The fast backends skip the transforms of slabs without atoms (and without
/// random ice) and return the count they did.
std::int64_t multislice_fft_count(const MultisliceSetup& s, bool exit_wave);

/// Images of n particles. `s` prepared (prepare_multislice). Host memory everywhere.
///   rotations   n pose matrices A
///   particles   n prepared CTFs, origin shifts [Å] and particle indices (ice random numbers)
///   intensity   n * box * box floats: |psi_image|^2 of the central box, vacuum = 1 (no detector, no noise)
///   exit_waves  n * field * field complex (nullable): the exit wave at the exit surface
///   progress    called after every slab with the number of slabs done (nullable)
/// Returns the number of field^2 transforms done per particle (multislice_fft_count for the
/// reference; fewer on the fast backends when slabs hold no atoms).
/// reference: double, plain loops, direct sums of the slab potentials and the direct DFT (small
/// fields only); cpu: OpenMP functors + batched FFTW in float; cuda: the same functors with cuFFT,
/// the field resident on the device, slab atoms streamed. All draw the same random numbers.
std::int64_t multislice_images(Device device, const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A,
                       const MultisliceSetup& s, const Mat3<double>* rotations, const math::ImageParticle* particles,
                       int n, float* intensity, Complex<float>* exit_waves, void (*progress)(void*, int) = nullptr,
                       void* progress_context = nullptr);

/// Host-side slab atoms of a batch of particles for the fast backends (cpu, cuda): the atoms of
/// every particle prepared once (ops/potential_prepare.hpp, sorted by y), then for slab j those whose
/// cut-off reaches the slab, amplitudes times their erf integral over the slab's z range (double).
class SlabAtoms {
 public:
  SlabAtoms(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, const MultisliceSetup& s,
            const Mat3<double>* rotations, int n);
  /// Fills `out` with the atoms of slab j of every particle and `offset` (n + 1 entries).
  void slab(int j, std::vector<math::GaussianAtom>& out, std::vector<index_t>& offset) const;
  /// False when no atom's cut-off of any particle reaches slab j (conservative: true inside the
  /// z range of all atoms).
  bool has_atoms(int j) const;
  /// The run of slabs j, j + 1, ... without atoms (constant ice or vacuum) that starts at slab j:
  /// their combined uniform transmission (the product of each slab's math::transmission) and
  /// propagation distance, so the fast backends carry the wave through it with one propagator
  /// and no transform. end: the first slab after the run (n_slabs, or one that holds atoms).
  struct EmptyRun {
    int end = 0;
    double distance_A = 0;
    Complex<double> transmission{1.0, 0.0};
  };
  EmptyRun empty_run(int j) const;
  const std::vector<float>& factors() const { return factors_; }
  float r_max() const { return r_max_; }

 private:
  MultisliceSetup s_;
  int n_;
  std::vector<std::vector<math::GaussianAtom>> atoms_;
  std::vector<float> factors_;
  float r_max_ = 0;
  double z_min_ = 0, z_max_ = 0;  ///< z extent of all atoms with their cut-off [voxels]
};

}  // namespace thon::ops

namespace thon::ref {
/// Double precision reference (see ops::multislice_images); intensity and exit waves in double.
void multislice_images(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, const ops::MultisliceSetup& s,
                       const Mat3<double>* rotations, const math::ImageParticle* particles, int n, double* intensity,
                       Complex<double>* exit_waves);
/// Projected potential [V Å] of slab j of one particle on the field (direct erf sums, double).
void slab_potential(const std::vector<io::Atom>& atoms, const Vec3<double>& centre_A, const ops::MultisliceSetup& s,
                    const Mat3<double>& rotation, int j, double* v);
}  // namespace thon::ref

namespace thon::cpu {
std::int64_t multislice_images(const ops::SlabAtoms& atoms, const ops::MultisliceSetup& s, const math::ImageParticle* particles,
                       int n, float* intensity, Complex<float>* exit_waves, void (*progress)(void*, int),
                       void* progress_context);
}  // namespace thon::cpu
