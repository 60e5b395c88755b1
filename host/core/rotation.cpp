#include "thon/ops/rotation.hpp"

#include <cmath>

#include "thon/core/error.hpp"

namespace thon {

void check_finite_euler(double rot_deg, double tilt_deg, double psi_deg, const std::string& context) {
  const char* names[3] = {"rot", "tilt", "psi"};
  const double values[3] = {rot_deg, tilt_deg, psi_deg};
  for (int i = 0; i < 3; ++i)
    THON_CHECK(std::isfinite(values[i]), context, ": Euler angle ", names[i], " is not finite (",
               values[i], ")");
}

Mat3<double> checked_euler_to_matrix(double rot_deg, double tilt_deg, double psi_deg,
                                     const std::string& context) {
  check_finite_euler(rot_deg, tilt_deg, psi_deg, context);
  return math::euler_to_matrix(rot_deg, tilt_deg, psi_deg);
}

}  // namespace thon
