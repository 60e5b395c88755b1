// libFuzzer target: the NumPy/.cs reader and the cryoSPARC conversion. Any input must either
// convert or throw thon::Error.
#include <cstddef>
#include <cstdint>

#include "thon/core/error.hpp"
#include "thon/io/cryosparc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const thon::io::NpyRecords r = thon::io::NpyRecords::parse(data, size, "fuzz.cs");
    for (std::int64_t i = 0; i < r.n_records() && i < 16; ++i)
      for (const auto& f : r.fields()) {
        try {
          if (f.kind == 'S' || f.kind == 'U') (void)r.text(i, f);
          else if (f.kind != 'V') (void)r.number(i, f, f.count() - 1);
        } catch (const thon::Error&) {
        }
      }
    (void)thon::io::cryosparc_to_particles(r);
  } catch (const thon::Error&) {
  }
  return 0;
}
