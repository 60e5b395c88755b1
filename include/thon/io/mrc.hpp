// MRC2014 files: images, stacks (.mrcs) and volumes.
//
// Read: modes 0 (int8), 1 (int16), 2 (float32), 6 (uint16), 12 (float16); any axis order
// (MAPC/MAPR/MAPS), returned as [z][y][x] with x fastest; extended headers skipped. The header is
// checked against the file size before anything is allocated. Write: mode 2, complete or not at
// all (temporary file + rename). Stacks: ISPG 0, mz = 1; volumes: ISPG 1, mz = nz.
#pragma once

#include <array>
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
  int nversion = 0;
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
  /// A stack of 2D images (ISPG 0 and mz == 1, or nz > 1 with mz == 1) rather than a volume.
  bool is_stack() const;
};

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
