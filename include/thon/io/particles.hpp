// Typed view of a RELION particle STAR file (3.1 with data_optics, or 3.0 without): the columns
// thon computes with, plus the whole StarFile so every other column is written back unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "thon/io/star.hpp"
#include "thon/math/ctf.hpp"

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
  /// Row of `ParticleTable::star`'s optics block this group was read from (-1: new), so the
  /// columns thon does not model (beam tilt, Zernike terms, ...) are written back.
  std::int64_t source_row = -1;
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
  /// Row of `ParticleTable::star`'s particle block this particle was read from (-1: new). Keep it
  /// when filtering or reordering particles: unknown columns are copied from that row.
  std::int64_t source_row = -1;
};

/// Which optional column groups a particle table carried when read.
struct ParticleColumns {
  bool angles = false, origins = false, ctf = false, random_subset = false, class_number = false;
  /// Every optics group has a pixel size from the file (3.1: rlnImagePixelSize; 3.0:
  /// rlnDetectorPixelSize * 1e4 / rlnMagnification). When false the pixel sizes are 0: take them
  /// from the image headers.
  bool pixel_size = false;
  /// Voltage and Cs were in the file (`ctf` implies it). A missing rlnAmplitudeContrast (as in
  /// some RELION 3.0 files) leaves the default 0.1.
  bool optics_ctf = false;
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
  /// The CTF of particle p (its defocus, angle, phase shift, B-factor and scale with its optics
  /// group's voltage, Cs and amplitude contrast), prepared (math::CtfParams::prepare).
  math::CtfParams ctf_of(const Particle& p) const;
};

/// Reads a RELION 3.1 (data_optics + data_particles) or 3.0 (one data_ loop, pixel size from
/// rlnDetectorPixelSize / rlnMagnification, origins in pixels) particle file.
/// Only rlnImageName is required (and, in 3.1, rlnOpticsGroup + rlnImagePixelSize in the optics
/// block); callers check `present` for the columns they need. 3.0 files get one optics group per
/// distinct (pixel size, voltage, Cs, amplitude contrast), numbered in order of appearance, with
/// image_size 0 (unknown: read it from the stack). Origins are converted to Å.
ParticleTable read_particles(const std::string& path);
/// Same, from text already in memory (`source_name` names it in messages; `directory` resolves
/// image names).
ParticleTable parse_particles(std::string_view text, const std::string& source_name,
                              const std::string& directory);
/// Writes RELION 3.1 layout; columns of `table.star` that thon does not model are kept.
void write_particles(const std::string& path, const ParticleTable& table);

/// Writes a new RELION 3.1 particle file a batch of rows at a time, in memory independent of the
/// number of particles: the bytes are those write_particles writes for a table with the same
/// `optics`, `columns` and particles (and no source STAR file), aligned columns included.
///
/// Column widths and the optional CTF columns (rlnPhaseShift, rlnCtfBfactor, rlnCtfScalefactor:
/// written when some particle has a value other than the default) are known only after the last
/// row, so append() formats the rows into a spool file beside `path` (`path` + ".rows", removed
/// by finish() and by the destructor) and finish() writes the file from it. `path` is written
/// directly: callers that need an atomic output pass a temporary path (io/atomic_file.hpp).
/// Particle::source_row is ignored.
class ParticleStarWriter {
 public:
  /// Checks the optics groups (at least one, positive pixel sizes) and opens the spool.
  ParticleStarWriter(const std::string& path, const std::vector<OpticsGroup>& optics,
                     const ParticleColumns& columns);
  ~ParticleStarWriter();
  ParticleStarWriter(const ParticleStarWriter&) = delete;
  ParticleStarWriter& operator=(const ParticleStarWriter&) = delete;

  /// Appends `count` particles (image name non-empty, optics group in the table).
  void append(const Particle* particles, std::int64_t count);
  /// Particles appended so far.
  std::int64_t count() const;
  /// Writes `path` and removes the spool. Throws thon::Error(io) on a write error.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Splits "12@stack.mrcs" into (11, "<directory>/stack.mrcs"): 0-based index, resolved path.
struct ImageLocation {
  std::int64_t index = 0;
  std::string path;
};
ImageLocation parse_image_name(const std::string& image_name, const std::string& directory);
/// "index@path" with a 1-based index, as RELION writes it (6 digits, zero-padded).
std::string format_image_name(std::int64_t index0, const std::string& path);

/// Checks that every image of the table exists: the stack file is there, its MRC header is valid
/// (read_mrc_header: dimensions and mode against the file size) and nz covers the index. Throws thon::Error naming the STAR line of the
/// first particle whose image is missing. Returns the number of distinct stack files.
std::int64_t check_particle_images(const ParticleTable& table);

}  // namespace thon::io
