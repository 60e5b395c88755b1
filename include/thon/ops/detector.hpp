// The detector: MTF and DQE (math/detector.hpp) and the shot noise of ops/noise.hpp, applied in the
// order of Vulovic et al. 2013 (InSilicoTEM DetectSim.m):
//   noise = poisson:  I -> F^-1[ F[I] sqrt(DQE/DQE0) ] -> Poisson(dose px^2 DQE0 I) / DQE0 -> F^-1[ F[.] NTF/NTF0 ]
//   noise = gaussian or none: I -> F^-1[ F[I] MTF/MTF0 ] (-> + Gaussian noise)
// Dividing the counts at the effective dose D DQE0 by DQE0 keeps the mean at D px^2 I and raises the
// noise variance to D px^2 I / DQE0 (DQE(0) = SNR_out^2 / SNR_in^2). The signal is transferred by the
// MTF and the noise by NTF = MTF / sqrt(DQE).
#pragma once

#include <string>

#include "thon/core/device.hpp"
#include "thon/math/detector.hpp"
#include "thon/ops/noise.hpp"

namespace thon::ops {

math::DetectorModel ideal_detector();
/// Counting detector: MTF sinc(pi f/2), DQE dqe0 sinc^2(pi f/2) per axis (cryoJAX CountingDQE).
math::DetectorModel counting_detector(double dqe0 = 1.0);
/// Measured curves: two-column text files "f value" (f in units of Nyquist, ascending in [0, 1],
/// values finite, MTF in [0, 1.5], DQE in (0, 1]); '#' comments and blank lines skipped. Either path
/// may be empty (curve = 1). Throws thon::Error naming the file and line.
math::DetectorModel read_detector_tables(const std::string& mtf_path, const std::string& dqe_path);

/// The detector chain above, in place on n expected-intensity images (vacuum = 1).
void detect(Device device, float* images, int n, int nx, int ny, double pixel_size_A, const math::DetectorModel& detector,
            const NoiseParams& noise, index_t first_image = 0);

}  // namespace thon::ops
