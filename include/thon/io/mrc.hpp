// MRC2014 files: images, stacks (.mrcs) and volumes.
//
// Read: modes 0 (int8), 1 (int16), 2 (float32), 6 (uint16), 12 (float16); any axis order
// (MAPC/MAPR/MAPS), returned as [z][y][x] with x fastest; extended headers skipped. The header is
// checked against the file size before anything is allocated. Write: mode 2, complete or not at
// all (temporary file + rename). Stacks: ISPG 0, mz = 1; volumes: ISPG 1, mz = nz.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "thon/core/array.hpp"

namespace thon::io {

enum class MrcMode : int { int8 = 0, int16 = 1, float32 = 2, uint16 = 6, float16 = 12 };

struct MrcHeader {
  int nx = 0, ny = 0, nz = 0;            ///< columns, rows, sections as stored
  int mode = 2;
  int nxstart = 0, nystart = 0, nzstart = 0;
  int mx = 0, my = 0, mz = 0;            ///< sampling along the cell axes
  float cell_A[3] = {0, 0, 0};           ///< cell dimensions in Å
  float cell_deg[3] = {90, 90, 90};
  int mapc = 1, mapr = 2, maps = 3;      ///< axis of columns, rows, sections (1 = x, 2 = y, 3 = z)
  float dmin = 0, dmax = 0, dmean = 0, rms = 0;
  int ispg = 0;
  int nsymbt = 0;                        ///< extended header bytes
  float origin_A[3] = {0, 0, 0};
  bool has_map_id = false;               ///< "MAP " at byte 208
  bool big_endian = false;
  unsigned char machine_stamp[4] = {0, 0, 0, 0};
  int nversion = 0;
  /// Set by read_mrc_header from the file name: ".mrcs" decides stack versus volume when the
  /// header is ambiguous (ISPG 0 with mz == nz > 1, as RELION writes its stacks).
  bool stack_extension = false;
  int nlabl = 0;
  std::array<std::string, 10> labels;

  /// Bytes per voxel of `mode`.
  int bytes_per_voxel() const;
  /// Offset of the first data byte: 1024 + nsymbt.
  std::int64_t data_offset() const { return 1024 + std::int64_t(nsymbt); }
  /// Pixel size along x in Å (cell / sampling); 0 when the header does not say.
  double pixel_size_A() const;
  /// Pixel sizes along x, y, z in Å (0 where unknown).
  std::array<double, 3> voxel_size_A() const;
  /// A stack of 2D images rather than a volume: ISPG 0 and (mz == 1 or nz == 1) -> stack;
  /// ISPG 1-230 (space groups) or 401-630 (volume stacks) -> volume; otherwise (ISPG 0 with
  /// mz != 1) the ".mrcs" extension says stack, any other name volume.
  bool is_stack() const;
  /// True when the axis order is the standard 1, 2, 3 (columns x, rows y, sections z).
  bool standard_axes() const { return mapc == 1 && mapr == 2 && maps == 3; }
  /// Dimensions along x, y, z after the axis permutation (what read_mrc_volume returns).
  std::array<int, 3> xyz_dims() const;
  /// Bytes of voxel data the header announces: nx * ny * nz * bytes_per_voxel().
  std::int64_t data_bytes() const;
};

/// Size of the fixed MRC header in bytes.
inline constexpr int kMrcHeaderBytes = 1024;

/// Parses and validates the 1024-byte header in `bytes` (n bytes available; fewer than 1024 is an
/// error) of a file of `file_size` bytes called `name` (used in messages and for the .mrcs rule).
/// Checks, before anything is allocated: dimensions positive, mode known, axis order a permutation
/// of 1,2,3, nsymbt within the file, header + extended header + nx*ny*nz*bytes within the file.
/// Byte order from the machine stamp (0x44/0x41 little, 0x11 big); a zero stamp is guessed from
/// the mode word. Throws thon::Error(io) naming the file and the field.
MrcHeader parse_mrc_header(const void* bytes, std::size_t n, std::int64_t file_size,
                           const std::string& name);

/// Reads and validates the header of `path` (size, mode, dimensions, axis order). Throws
/// thon::Error(io) naming the file and the field at fault.
MrcHeader read_mrc_header(const std::string& path);

/// Reads the whole file as a volume (a stack reads as nz sections), axes permuted to x, y, z.
/// Pixel size from the header (x axis); 0 when the header has none.
Volume<float> read_mrc_volume(const std::string& path);
/// Reads the whole file as a stack of nz images (a single image is a stack of 1).
ImageStack<float> read_mrc_stack(const std::string& path);
/// Reads `count` images starting at `first` (0-based) into `out` (count * nx * ny floats), seeking
/// to them without loading the rest of the file. For axis order 1,2,3 files (all stacks).
void read_mrc_images(const std::string& path, const MrcHeader& header, std::int64_t first,
                     std::int64_t count, float* out);
/// Reads `count` sections starting at `first` as stored (no axis permutation: section s, row r,
/// column c at out[(s * ny + r) * nx + c]), seeking past the rest. Any axis order; float data
/// checked for NaN/Inf.
void read_mrc_sections(const std::string& path, const MrcHeader& header, std::int64_t first,
                       std::int64_t count, float* out);

/// Statistics of the voxel data: min, max, mean and rms deviation from the mean (the MRC2014
/// meaning of RMS), accumulated in double, reading `sections_per_batch` sections at a time
/// (0: as many as fit in about 32 MiB of floats, at least one).
struct MrcStats {
  double min = 0, max = 0, mean = 0, rms = 0;
  std::int64_t count = 0;
};
MrcStats mrc_data_stats(const std::string& path, const MrcHeader& header,
                        std::int64_t sections_per_batch = 0);

/// Reads image `index` (0-based) of a stack.
Image<float> read_mrc_image(const std::string& path, std::int64_t index);

/// Writes a volume (ISPG 1, mz = nz), a stack (ISPG 0, mz = 1) or one image, mode 2, with header
/// statistics, pixel size and origin 0. Rejects NaN/Inf. Atomic: temporary file, then rename.
void write_mrc(const std::string& path, const Volume<float>& volume);
void write_mrc(const std::string& path, const ImageStack<float>& stack);
void write_mrc(const std::string& path, const Image<float>& image);

/// Writes a stack batch by batch without holding it: open, append images, then commit() (which
/// writes the final header with nz and statistics and renames the file into place). Destroyed
/// without commit(), it removes the temporary file.
class MrcStackWriter {
 public:
  MrcStackWriter(const std::string& path, int nx, int ny, double pixel_size_A);
  ~MrcStackWriter();
  MrcStackWriter(const MrcStackWriter&) = delete;
  MrcStackWriter& operator=(const MrcStackWriter&) = delete;
  /// Appends `count` images of nx * ny floats.
  void append(const float* images, std::int64_t count);
  std::int64_t count() const;
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace thon::io
