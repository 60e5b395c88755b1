// Particles from any of the formats thon reads, behind one interface: a RELION STAR file (3.0 or
// 3.1) with its MRC stacks, a cryoSPARC .cs file with its MRC stacks, or thon's HDF5 dataset
// (images inside). The format is chosen by the file extension, else by the first bytes of the
// file, so every sub-command that reads particles accepts all three.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "thon/io/particles.hpp"

namespace thon::io {

enum class ParticleFormat { star, cryosparc, hdf5 };

/// "RELION STAR", "cryoSPARC .cs", "thon HDF5".
const char* to_string(ParticleFormat format);

/// .star -> star; .cs, .npy -> cryosparc; .h5, .hdf5, .hdf -> hdf5 (case-insensitive). Any other
/// extension: by content (the HDF5 signature, the NumPy magic "\x93NUMPY", else STAR text).
/// Throws thon::Error(io) naming `path` when it does not exist or cannot be read.
ParticleFormat detect_particle_format(const std::string& path);

struct ParticleSourceOptions {
  /// cryoSPARC only: the directory blob/path is relative to (cryoSPARC's project directory).
  /// Empty: the .cs file's own directory, or its parent when the first image is found there and
  /// not beside the file (a .cs file in a job directory, paths relative to the project).
  std::string image_directory;
};

/// The particle table of `path` in any format (metadata only: no image is opened). Image names
/// resolve against `ParticleTable::directory`; an HDF5 dataset's are "index@<dataset file>".
ParticleTable read_particle_table(const std::string& path, const ParticleSourceOptions& options = {});

/// One file the images are read from: an MRC stack or the HDF5 dataset.
struct ParticleImageFile {
  std::string path;
  int nx = 0, ny = 0;
  double pixel_size_A = 0;  ///< from the MRC header or the dataset's attribute; 0: none
};

/// Particles and their images. The constructor reads the table and checks that every image
/// exists (every stack is there, its header is valid and holds the index) before any pixel is
/// read, throwing thon::Error naming the file and particle otherwise.
class ParticleSource {
 public:
  explicit ParticleSource(const std::string& path, const ParticleSourceOptions& options = {});
  ~ParticleSource();
  ParticleSource(ParticleSource&&) noexcept;
  ParticleSource& operator=(ParticleSource&&) noexcept;

  ParticleFormat format() const;
  const std::string& path() const;
  const ParticleTable& table() const;
  std::int64_t size() const;  ///< number of particles
  /// Distinct image files, in order of first use.
  const std::vector<ParticleImageFile>& image_files() const;

  /// Reads the images of particles [first, first + count) into `out` (count x ny x nx floats,
  /// [i][y][x]); every image must have the size of the first file (else thon::Error). Consecutive
  /// images of one file are read with one call. With `finite` null an image holding NaN or Inf
  /// throws; otherwise finite[i] is set to 0 for such an image (its pixels are unspecified) and 1
  /// for the others. Safe to call from one thread at a time (any thread).
  void read_images(std::int64_t first, std::int64_t count, float* out, unsigned char* finite = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace thon::io
