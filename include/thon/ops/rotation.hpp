// Host-side checked entry points to the rotation math of include/thon/math/rotation.hpp: input from
// files and command lines goes through these, so a NaN or Inf angle becomes a thon::Error instead
// of a NaN matrix.
#pragma once

#include <string>

#include "thon/core/vec.hpp"
#include "thon/math/rotation.hpp"

namespace thon {

/// Throws thon::Error(invalid_argument) naming `context` and the offending angle when rot, tilt or
/// psi (degrees) is NaN or infinite.
void check_finite_euler(double rot_deg, double tilt_deg, double psi_deg, const std::string& context);

/// euler_to_matrix after check_finite_euler. Double precision.
Mat3<double> checked_euler_to_matrix(double rot_deg, double tilt_deg, double psi_deg,
                                     const std::string& context);

}  // namespace thon
