// The electron beam: relativistic wavelength, Lorentz factor and interaction constant, from the
// CODATA 2018 constants (PHYSICS.md 5.1, 5.2). Voltages in volts or kilovolts as named.
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"

namespace thon::math {

// CODATA 2018 (exact SI definitions for h, e, c; measured m0).
inline constexpr double kPlanck_Js = 6.62607015e-34;
inline constexpr double kElementaryCharge_C = 1.602176634e-19;
inline constexpr double kElectronMass_kg = 9.1093837015e-31;
inline constexpr double kSpeedOfLight_m_per_s = 299792458.0;
/// m0 c^2 in eV (510.99895 keV).
inline constexpr double kElectronRestEnergy_eV =
    kElectronMass_kg * kSpeedOfLight_m_per_s * kSpeedOfLight_m_per_s / kElementaryCharge_C;
/// h^2 / (2 pi m0 e) in V Å^2 (= 2 pi a0 e0 = 47.8776): turns a scattering factor f_e [Å] into the
/// integral of the potential [V Å^3] (PHYSICS.md 5.3).
inline constexpr double kPotentialPrefactor_VA2 =
    kPlanck_Js * kPlanck_Js / (2.0 * 3.14159265358979323846 * kElectronMass_kg * kElementaryCharge_C) *
    1e20;

/// Lorentz factor gamma = 1 + eV / (m0 c^2) of an electron accelerated through `voltage_V`.
THON_HD double lorentz_factor(double voltage_V) { return 1.0 + voltage_V / kElectronRestEnergy_eV; }

/// Relativistic de Broglie wavelength [Å]: lambda = h / sqrt(2 m0 e V (1 + eV / (2 m0 c^2))).
/// 300 kV: 0.0196875 Å; 200 kV: 0.0250793 Å; 100 kV: 0.0370144 Å.
THON_HD double electron_wavelength_A(double voltage_V) {
  const double p2 = 2.0 * kElectronMass_kg * kElementaryCharge_C * voltage_V *
                    (1.0 + voltage_V / (2.0 * kElectronRestEnergy_eV));
  return kPlanck_Js / std::sqrt(p2) * 1e10;
}
THON_HD double electron_wavelength_A_kV(double voltage_kV) { return electron_wavelength_A(voltage_kV * 1e3); }

/// Interaction constant sigma = 2 pi m e lambda / h^2 with the relativistic mass m = gamma m0,
/// in rad / (V Å): the phase shift is sigma times the projected potential in V Å.
/// Equivalent form (Kirkland): sigma = 2 pi / (lambda V) (m0c^2 + eV) / (2 m0c^2 + eV).
/// 300 kV: 6.5262e-4; 200 kV: 7.2884e-4; 100 kV: 9.2440e-4.
THON_HD double interaction_constant(double voltage_V) {
  const double lambda_m = electron_wavelength_A(voltage_V) * 1e-10;
  const double m = lorentz_factor(voltage_V) * kElectronMass_kg;
  const double sigma_per_V_m = 2.0 * 3.14159265358979323846 * m * kElementaryCharge_C * lambda_m /
                               (kPlanck_Js * kPlanck_Js);
  return sigma_per_V_m * 1e-10;  // rad/(V m) -> rad/(V Å)
}
THON_HD double interaction_constant_kV(double voltage_kV) { return interaction_constant(voltage_kV * 1e3); }

}  // namespace thon::math
