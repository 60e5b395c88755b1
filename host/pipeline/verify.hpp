// The `thon verify` driver (docs/verify.md): runs one operation on the user's own input on a chosen
// backend and on the reference (double precision, plain loops), for the first --n items, and
// compares: relative L2 error |fast - ref| / |ref|, the worst pixel, and whether the error is
// within the operation's documented tolerance.
//
// Operations (the table `verify_operations()`; docs/verify.md has each tolerance's derivation):
//   project      map + STAR of poses      -> projections (Fourier projector, padding 2)
//   backproject  particle STAR (images)   -> the 3D Fourier accumulator of their central slices
//   reconstruct  particle STAR            -> map (CTF-weighted insertion, Wiener-regularised inversion)
//   ctf          particle STAR with CTF   -> the images multiplied by their CTF
//   classify2d   particle STAR (+ --ref)  -> E-step log-posteriors over class x rotation x translation
//
// Adding an operation (multislice): one function computing its output on a
// backend, in float for the fast path and double for the reference, and one entry in the table in
// verify.cpp (name, inputs it needs, tolerance and the one-line derivation, the function).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/core/device.hpp"
#include "thon/math/interp.hpp"

namespace thon::pipeline {

struct VerifyJob {
  std::string op;
  std::string star;                  ///< --i: particle STAR (images, poses, CTF) or STAR of poses
  std::string map;                   ///< --map: for project
  std::string ref;                   ///< --ref: class references (.mrcs) for classify2d; else the start model
  int n_classes = 0;                 ///< --k: classes of the start model for classify2d (0: 4)
  std::int64_t n = 0;                ///< first n rows; 0: the operation's default
  Device device = Device::cpu;
  math::Interp interp = math::Interp::linear;
  /// Test only: the fast result is multiplied by (1 + perturbation) before the comparison, so a
  /// check can be shown to fail.
  double perturbation = 0;
};

struct VerifyResult {
  std::string op, what;              ///< what was compared, e.g. "100 projections of 64 x 64"
  Device device = Device::cpu;
  std::int64_t n_items = 0, n_values = 0;
  double rel_l2 = 0;
  double worst_abs = 0;              ///< max |fast - ref|
  double worst_rel = 0;              ///< worst_abs / max |ref|
  std::string worst_where;           ///< e.g. "image 3, y 12, x 40"
  double ref_max_abs = 0;
  double tolerance = 0;
  std::string tolerance_note;        ///< the derivation, one line
  bool within = false;
  double fast_s = 0, reference_s = 0;
};

/// Inputs an operation needs.
enum VerifyNeeds : unsigned { kNeedsMap = 1, kNeedsPoses = 2, kNeedsImages = 4, kNeedsCtf = 8 };

struct VerifyOperationInfo {
  std::string name, input, output;
  unsigned needs = 0;
  std::int64_t default_n = 0;
  std::string tolerance;             ///< formula, e.g. "1e-5"
  std::string derivation;
};

/// The operation table (for --help, docs and tests).
std::vector<VerifyOperationInfo> verify_operation_list();

/// Loads the inputs (first n rows), runs the operation on job.device and on the reference, and
/// compares. Throws thon::Error for bad input: unknown operation, missing map, a STAR without the
/// poses, images or CTF columns the operation needs, images of different sizes.
VerifyResult run_verify(const VerifyJob& job);

/// The report printed on stdout.
std::string format_verify(const VerifyResult& r);

}  // namespace thon::pipeline
