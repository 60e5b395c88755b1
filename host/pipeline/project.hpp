// The `thon project` driver: a map and a list of poses in, a RELION 3.1 particle stack out
// (prefix.mrcs + prefix.star), as relion_project does without CTF or noise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/core/device.hpp"
#include "thon/math/interp.hpp"

namespace thon::pipeline {

struct ProjectJob {
  std::string map_path;             ///< cubic MRC map
  std::string poses_path;           ///< RELION STAR with rlnAngleRot/Tilt/Psi; empty: random poses
  std::int64_t n_random = 0;        ///< number of uniform random poses when poses_path is empty
  std::uint64_t seed = 1;
  std::string out_prefix;           ///< writes <prefix>.mrcs and <prefix>.star
  math::Interp interp = math::Interp::linear;
  double padding = 2.0;
  Device device = Device::cpu;
  int batch = 256;                  ///< images projected per batch (memory: batch * n^2 floats)
  bool progress = true;
};

struct ProjectResult {
  std::int64_t n_images = 0;
  int box = 0;
  double pixel_size_A = 0;
  double seconds = 0;
  std::string mrcs_path, star_path;
};

/// Uniform random orientations (Haar measure on SO(3)) as RELION Euler angles in degrees, from
/// thon::random_orientations (Shoemake's quaternions, include/thon/ops/sampling.hpp).
/// Deterministic for a seed.
void uniform_random_euler(std::int64_t n, std::uint64_t seed, std::vector<double>& rot_deg,
                          std::vector<double>& tilt_deg, std::vector<double>& psi_deg);

ProjectResult run_project(const ProjectJob& job);

}  // namespace thon::pipeline
