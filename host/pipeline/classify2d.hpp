// The `thon classify2d` driver: RELION particle STAR in, per iteration RELION-style outputs
// (<o>_itNNN_classes.mrcs, _model.star, _data.star, _classes.png) and a checkpoint
// (<o>_itNNN_checkpoint.bin) that --continue resumes from (DESIGN.md section 4.7).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/core/device.hpp"

namespace thon::pipeline {

struct Classify2dJob {
  std::string input_star;            ///< RELION 3.0/3.1 particles (STAR + MRCS)
  std::string output = "run";        ///< prefix: <output>_itNNN_...
  Device device = Device::cpu;
  int n_classes = 0;                 ///< K (required unless --continue)
  int iterations = 25;               ///< the last iteration number
  double psi_step_deg = 10;
  double offset_range_px = 5, offset_step_px = 1;
  double diameter_A = 0;             ///< soft circular mask on images and classes; 0: 0.9 box
  int ctf = -1;                      ///< -1: when the STAR file has CTF columns; 0 off; 1 on (required)
  bool ctf_intact_first_peak = false;
  double tau2_fudge = 2;
  double maxres_A = 0;               ///< 0: Nyquist
  double ini_high_A = 0;             ///< resolution limit of the first iteration; 0: box / 4 shells
  std::uint64_t seed = 1;
  int batch = 0;                     ///< images per engine call; 0: from free memory
  std::string continue_from;         ///< a <o>_itNNN_checkpoint.bin
  std::string reference;             ///< start from class averages: a .mrcs, or a RELION _model.star
  int threads = 0;
  bool progress = true;
  bool quiet = false;                ///< no per-iteration log lines
};

struct Classify2dIterationLog {
  int iteration = 0;
  double log_likelihood = 0, changes_fraction = 0, seconds = 0, gflops = 0, resolution_A = 0;
  int r_limit = 0;
  /// Stage timers (seconds): the E-step calls (process), of which the matrix products (gemm_s,
  /// gemm_flops floating-point operations); the M-step sums rotated back into the class frame
  /// (sums); the next model (maximise); writing the outputs.
  double estep_s = 0, gemm_s = 0, gemm_flops = 0, sums_s = 0, maximise_s = 0, write_s = 0;
};

struct Classify2dReport {
  std::int64_t n_particles = 0;
  int box = 0, n_classes = 0;
  double pixel_size_A = 0;
  bool ctf = false;
  double read_s = 0;                ///< reading the images
  double prepare_s = 0;             ///< masks, 2D FFTs, CTF of the images (once per run)
  std::vector<Classify2dIterationLog> iterations;
  std::vector<int> class_of;        ///< final class (1-based) per particle, in STAR order
  std::vector<std::string> outputs; ///< files of the last iteration
};

/// Runs the iterations and writes each one's outputs (all or none per iteration). Throws
/// thon::Error naming the file and value for bad input: K < 1 or K > number of particles, psi step
/// <= 0, offset range >= half the box, images of different sizes, CTF asked for without CTF
/// columns, a checkpoint from another dataset or K.
Classify2dReport run_classify2d(const Classify2dJob& job);

/// "<output>_itNNN_<what>", NNN zero-padded to 3 digits.
std::string classify2d_output_path(const std::string& output, int iteration, const std::string& what);

}  // namespace thon::pipeline
