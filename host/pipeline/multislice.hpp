// `thon simulate --method multislice` and `thon multislice` (docs/multislice.md): the images of a
// batch of particles by multislice propagation (ops/multislice.hpp) instead of the projection
// approximation, then the detector and the noise of thon simulate (ops/detector.hpp), written in
// thon simulate's convention (1 - I, or 1 - N / (dose pixel^2) with shot noise: white protein).
// The driver (poses, CTF draws, STAR/MRCS/HDF5 files) is host/pipeline/simulate.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/progress.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/simulate.hpp"
#include "thon/io/mrc.hpp"
#include "thon/math/detector.hpp"
#include "thon/ops/multislice.hpp"

namespace thon::pipeline {

/// Checks the multislice options alone (no files read); thon::Error naming the option and value.
void validate_multislice(const SimulateOptions& o);

class MultisliceImager {
 public:
  /// Prepares the slab plan for the model's atoms (centred on their centre of mass, as the truth map).
  /// Throws thon::Error for bad input (ops::prepare_multislice) before anything is written. Prints
  /// the largest propagator phase and warns above pi/4 (stderr).
  MultisliceImager(const SimulateOptions& o, std::vector<io::Atom> atoms, int box, double pixel_size_A,
                   const math::DetectorModel& detector, std::int64_t n_images);
  /// Registers the exit-wave outputs in `outputs` when asked (before the first form()).
  void open_outputs(io::AtomicOutputSet& outputs);
  ~MultisliceImager();

  /// Images of `count` particles (prepared CTFs, consecutive indices) in the written convention.
  void form(const Mat3<double>* poses, const math::ImageParticle* particles, int count, float* images);
  /// Finishes the exit-wave stacks (call before AtomicOutputSet::commit_all).
  void commit();

  const ops::MultisliceSetup& setup() const { return s_; }
  std::int64_t fft_count() const;
  double slices_per_s() const { return run_s_ > 0 ? double(slices_) / run_s_ : 0.0; }
  std::vector<std::string> exit_wave_paths() const;

 private:
  const SimulateOptions& o_;
  std::vector<io::Atom> atoms_;
  Vec3<double> centre_A_;
  ops::MultisliceSetup s_;
  math::DetectorModel detector_;
  std::string exit_re_, exit_im_;
  std::unique_ptr<io::MrcStackWriter> exit_re_writer_, exit_im_writer_;
  std::unique_ptr<Progress> progress_;
  std::int64_t slices_ = 0;
  double run_s_ = 0;
};

}  // namespace thon::pipeline
