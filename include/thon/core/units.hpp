// Physical and mathematical constants. Units are in the names (CODATA 2018 where physical).
#pragma once

namespace thon {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kTwoPi = 2.0 * kPi;
inline constexpr double kDegToRad = kPi / 180.0;
inline constexpr double kRadToDeg = 180.0 / kPi;

inline constexpr double kCsMmToA = 1e7;       ///< spherical aberration: mm -> Å
inline constexpr double kMicronToA = 1e4;

}  // namespace thon
