// Typed view of a RELION particle STAR file (3.1 with data_optics, or 3.0 without): the columns
// thon computes with, plus the whole StarFile so every other column is written back unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/io/star.hpp"

namespace thon::io {

struct OpticsGroup {
  int number = 1;                      ///< rlnOpticsGroup (1-based)
  std::string name = "opticsGroup1";   ///< rlnOpticsGroupName
  double pixel_size_A = 1.0;           ///< rlnImagePixelSize
  double voltage_kV = 300.0;           ///< rlnVoltage
  double cs_mm = 2.7;                  ///< rlnSphericalAberration
  double amplitude_contrast = 0.1;     ///< rlnAmplitudeContrast
  int image_size = 0;                  ///< rlnImageSize
  int image_dimensionality = 2;        ///< rlnImageDimensionality
};

struct Particle {
  std::string image_name;              ///< rlnImageName as written: "index@path" (index 1-based)
  int optics_group = 1;
  double rot_deg = 0, tilt_deg = 0, psi_deg = 0;       ///< rlnAngleRot/Tilt/Psi (ZYZ, RELION)
  double origin_x_A = 0, origin_y_A = 0;               ///< rlnOriginXAngst/YAngst
  double defocus_u_A = 0, defocus_v_A = 0;             ///< rlnDefocusU/V
  double defocus_angle_deg = 0;                        ///< rlnDefocusAngle
  double phase_shift_deg = 0;                          ///< rlnPhaseShift
  double ctf_bfactor_A2 = 0;                           ///< rlnCtfBfactor
  double ctf_scale = 1;                                ///< rlnCtfScalefactor
  int random_subset = 0;                               ///< rlnRandomSubset (1 or 2; 0 = unset)
  int class_number = 0;                                ///< rlnClassNumber (0 = unset)
};

/// Which optional column groups a particle table carried when read.
struct ParticleColumns {
  bool angles = false, origins = false, ctf = false, random_subset = false, class_number = false;
};

struct ParticleTable {
  std::vector<OpticsGroup> optics;
  std::vector<Particle> particles;
  ParticleColumns present;
  /// The file as read (empty for a new table): unknown columns are written back from here.
  StarFile star;
  /// Directory of the STAR file: image paths are relative to it.
  std::string directory;

  const OpticsGroup& optics_of(const Particle& p) const;
};

/// Reads a RELION 3.1 (data_optics + data_particles) or 3.0 (one data_ loop, pixel size from
/// rlnDetectorPixelSize / rlnMagnification, origins in pixels) particle file.
ParticleTable read_particles(const std::string& path);
/// Writes RELION 3.1 layout; columns of `table.star` that thon does not model are kept.
void write_particles(const std::string& path, const ParticleTable& table);

/// Splits "12@stack.mrcs" into (11, "<directory>/stack.mrcs"): 0-based index, resolved path.
struct ImageLocation {
  std::int64_t index = 0;
  std::string path;
};
ImageLocation parse_image_name(const std::string& image_name, const std::string& directory);
/// "index@path" with a 1-based index, as RELION writes it (6 digits, zero-padded).
std::string format_image_name(std::int64_t index0, const std::string& path);

}  // namespace thon::io
