// `thon convert`: between RELION STAR (+ MRC stacks), cryoSPARC .cs and thon HDF5 datasets.
#pragma once

#include <cstdint>
#include <string>

namespace thon::pipeline {

struct ConvertOptions {
  std::string input, output;
  std::string image_directory;   ///< .cs input: directory the blob paths are relative to
  int deflate_level = 0;         ///< HDF5 output: gzip level of the images (0: none)
  std::int64_t batch = 256;      ///< images per batch when streaming
  std::string command_line;      ///< recorded in HDF5 output
  bool progress = true;
};

/// What the conversion wrote, for the command's summary line.
struct ConvertSummary {
  std::int64_t particles = 0;
  std::int64_t images = 0;       ///< images copied (0 for metadata-only conversions)
  std::string written;           ///< the files written, comma separated
};

/// Converts by the file extensions: .star / .cs / .h5 (.hdf5) to .star / .h5. STAR output of an
/// HDF5 input also writes the images to <output stem>.mrcs beside it. Everything is checked
/// (every image exists and has the same size, every value parses) before the first output byte;
/// outputs appear complete or not at all. Throws thon::Error.
ConvertSummary convert(const ConvertOptions& options);

}  // namespace thon::pipeline
