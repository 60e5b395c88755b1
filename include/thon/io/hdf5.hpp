// thon's native dataset container: particle images, the particle and optics tables and the
// provenance in one HDF5 file, written and read a batch at a time. The layout (groups, datasets,
// types, attributes) is documented in full in docs/formats.md. No HDF5 header is included here:
// the implementation lives in host/io/hdf5.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "thon/io/particles.hpp"
#include "thon/io/star.hpp"

namespace thon::io {

/// Format name and version written in the root attributes `thon_format` / `thon_format_version`.
inline constexpr const char* kDatasetFormat = "thon-dataset";
inline constexpr int kDatasetFormatVersion = 1;

/// Root attributes: what made the file and with which physical constants.
struct DatasetAttributes {
  std::string generator;        ///< "thon simulate", "thon convert", ...
  std::string command_line;     ///< the full command line
  std::string thon_version;     ///< filled by the writer when empty
  std::string created;          ///< ISO 8601 UTC time; filled by the writer when empty
  std::int64_t seed = -1;       ///< random seed of a simulation; -1: none
  double pixel_size_A = 0;      ///< of the images (also per optics group)
  double voltage_kV = 0;        ///< of the first optics group when 0
};

struct DatasetWriteOptions {
  int deflate_level = 0;        ///< 0: no compression; 1-9: gzip (with byte shuffle) per image chunk
  std::int64_t table_chunk = 4096;  ///< rows per chunk of the particle columns
};

/// Streams a dataset to `path`: construct, append batches, commit(). Nothing appears at `path`
/// until commit() (temporary file + rename); destroyed without commit() the temporary is removed.
class DatasetWriter {
 public:
  /// `extra_columns`: names of additional float64 per-particle columns (for example the true
  /// poses of a simulation, "true_rot_deg"), written under /particles beside the standard ones.
  DatasetWriter(const std::string& path, int nx, int ny, std::vector<OpticsGroup> optics, ParticleColumns present,
                DatasetAttributes attributes, DatasetWriteOptions options = {},
                std::vector<std::string> extra_columns = {});
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  /// Appends `count` images (count * ny * nx float32, [i][y][x]) and their particles; `extra`
  /// holds count * n_extra values, row-major (particle by particle), or is null when n_extra = 0.
  void append(const float* images, const Particle* particles, std::int64_t count, const double* extra = nullptr);
  /// Stores the STAR file the particles came from, as text, so a conversion back to STAR keeps
  /// every column unchanged (Particle::source_row maps rows). Call before commit().
  void set_star_source(const StarFile& star);
  std::int64_t count() const;
  /// Finishes the file (optics table, counts) and moves it into place.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads a dataset written by DatasetWriter, a batch at a time.
class DatasetReader {
 public:
  explicit DatasetReader(const std::string& path);
  ~DatasetReader();
  DatasetReader(DatasetReader&&) noexcept;
  DatasetReader& operator=(DatasetReader&&) noexcept;

  int nx() const;
  int ny() const;
  std::int64_t count() const;
  const std::vector<OpticsGroup>& optics() const;
  const ParticleColumns& present() const;
  const DatasetAttributes& attributes() const;
  const std::vector<std::string>& extra_columns() const;
  /// Compression level of /images (0: none).
  int deflate_level() const;

  /// Reads images [first, first + count) into `out` (count * ny * nx floats).
  void read_images(std::int64_t first, std::int64_t count, float* out) const;
  /// Reads particles [first, first + count). image_name is "index@<dataset path>" (1-based).
  std::vector<Particle> read_particles(std::int64_t first, std::int64_t count) const;
  /// Reads an extra column (see DatasetWriter) for rows [first, first + count).
  std::vector<double> read_extra(const std::string& column, std::int64_t first, std::int64_t count) const;
  /// True when the file holds the STAR text it was converted from.
  bool has_star_source() const;
  StarFile star_source() const;

  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Summary of any HDF5 file for `thon info`: every group and dataset (path, type, shape, chunk,
/// filters) and the attributes, one per line.
std::string describe_hdf5_file(const std::string& path);

}  // namespace thon::io
