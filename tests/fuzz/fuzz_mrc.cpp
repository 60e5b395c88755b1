// libFuzzer target for the MRC header parser and the voxel reader behind it.
// The input is a whole file: parse_mrc_header validates it against its own size; when the header
// passes, the bytes go to a temporary file that read_mrc_volume reads completely (every mode,
// axis permutation and NaN check). Allocation is bounded by the validation (at most 4 bytes per
// input byte). thon::Error is the expected outcome of bad input; anything else is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  thon::io::MrcHeader header;
  try {
    header = thon::io::parse_mrc_header(data, size, std::int64_t(size), "fuzz.mrcs");
  } catch (const thon::Error&) {
    return 0;
  }
  // Accessors must be defined on every header that passed validation.
  (void)header.xyz_dims();
  (void)header.voxel_size_A();
  (void)header.is_stack();
  if (header.data_bytes() > (std::int64_t(1) << 24)) return 0;

  static const std::string path = "/tmp/thon_fuzz_mrc_" + std::to_string(::getpid()) + ".mrc";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const thon::Volume<float> v = thon::io::read_mrc_volume(path);
    const auto d = header.xyz_dims();
    if (v.nx() != d[0] || v.ny() != d[1] || v.nz() != d[2]) __builtin_trap();
    if (header.standard_axes()) {
      const thon::io::MrcStats st = thon::io::mrc_data_stats(path, header, 3);
      if (st.count != v.size()) __builtin_trap();
    }
  } catch (const thon::Error&) {
    // NaN/Inf data: the expected error.
  }
  std::remove(path.c_str());
  return 0;
}
