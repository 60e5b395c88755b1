// `thon info` for MRC2014 files: the header, and statistics recomputed from the data (streamed,
// a batch of sections at a time) beside the header's own values.
#include <algorithm>
#include <cstdio>
#include <string>

#include "cli/info_registry.hpp"
#include "thon/io/mrc.hpp"

namespace {

const char* mode_name(int mode) {
  switch (mode) {
    case 0: return "int8";
    case 1: return "int16";
    case 2: return "float32";
    case 6: return "uint16";
    case 12: return "float16";
    default: return "unknown";
  }
}

/// An MRC file by content: a header that parses and validates against the file size.
bool sniff_mrc(const std::string& path) {
  try {
    (void)thon::io::read_mrc_header(path);
    return true;
  } catch (...) {
    return false;
  }
}

void describe_mrc(const std::string& path) {
  using thon::io::MrcHeader;
  const MrcHeader h = thon::io::read_mrc_header(path);
  const auto d = h.xyz_dims();
  const auto apix = h.voxel_size_A();
  std::printf("file: %s\n", path.c_str());
  std::printf("format: MRC%s, %s-endian, machine stamp 0x%02x 0x%02x 0x%02x 0x%02x, nversion %d\n",
              h.has_map_id ? "2014" : " (no MAP id)", h.big_endian ? "big" : "little", h.machine_stamp[0],
              h.machine_stamp[1], h.machine_stamp[2], h.machine_stamp[3], h.nversion);
  std::printf("dimensions (columns, rows, sections): %d x %d x %d\n", h.nx, h.ny, h.nz);
  std::printf("dimensions (x, y, z): %d x %d x %d\n", d[0], d[1], d[2]);
  std::printf("mode: %d (%s)\n", h.mode, mode_name(h.mode));
  std::printf("kind: %s\n", h.is_stack() ? (h.nz == 1 ? "image" : "stack of images") : "volume");
  std::printf("ispg: %d\n", h.ispg);
  std::printf("axis order (mapc, mapr, maps): %d, %d, %d\n", h.mapc, h.mapr, h.maps);
  std::printf("sampling (mx, my, mz): %d, %d, %d\n", h.mx, h.my, h.mz);
  std::printf("cell (A): %g %g %g, angles (deg): %g %g %g\n", h.cell_A[0], h.cell_A[1], h.cell_A[2],
              h.cell_deg[0], h.cell_deg[1], h.cell_deg[2]);
  std::printf("pixel size (A): %g %g %g%s\n", apix[0], apix[1], apix[2],
              apix[0] == 0 ? " (not in the header)" : "");
  std::printf("start (nxstart, nystart, nzstart): %d, %d, %d\n", h.nxstart, h.nystart, h.nzstart);
  std::printf("origin (A): %g %g %g\n", h.origin_A[0], h.origin_A[1], h.origin_A[2]);
  std::printf("extended header: %d bytes\n", h.nsymbt);
  std::printf("labels: %d\n", h.nlabl);
  for (int i = 0; i < 10; ++i)
    if (!h.labels[std::size_t(i)].empty()) std::printf("  %d: %s\n", i, h.labels[std::size_t(i)].c_str());
  const thon::io::MrcStats st = thon::io::mrc_data_stats(path, h);
  std::printf("%-6s %16s %16s\n", "", "data", "header");
  std::printf("%-6s %16.8g %16.8g\n", "min", st.min, double(h.dmin));
  std::printf("%-6s %16.8g %16.8g\n", "max", st.max, double(h.dmax));
  std::printf("%-6s %16.8g %16.8g\n", "mean", st.mean, double(h.dmean));
  std::printf("%-6s %16.8g %16.8g\n", "rms", st.rms, double(h.rms));
  // MRC2014: dmax < dmin, dmean < min(dmin, dmax) or rms < 0 mean "not well determined".
  if (h.dmax < h.dmin || h.dmean < std::min(h.dmin, h.dmax) || h.rms < 0)
    std::printf("(the header statistics are marked as not computed)\n");
}

const bool registered = thon::cli::register_info_format(
    {"MRC", {".mrc", ".mrcs", ".map", ".st", ".ali", ".rec"}, sniff_mrc, describe_mrc});

}  // namespace
