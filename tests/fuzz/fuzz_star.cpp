// libFuzzer target: the STAR parser and the particle-table reader. Any input must either parse
// or throw thon::Error; a parsed file must write and re-parse to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "thon/core/error.hpp"
#include "thon/io/particles.hpp"
#include "thon/io/star.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  thon::io::StarFile star;
  try {
    star = thon::io::StarFile::parse(text, "fuzz.star");
  } catch (const thon::Error&) {
    return 0;
  }
  // Typed access never crashes.
  for (const auto& b : star.blocks())
    for (std::int64_t r = 0; r < b.n_rows() && r < 64; ++r)
      for (int c = 0; c < b.n_columns(); ++c) {
        try {
          (void)b.number(r, c);
          (void)b.integer(r, c);
        } catch (const thon::Error&) {
        }
      }
  // Write and re-parse: the same blocks, columns and texts.
  const std::string written = star.to_string();
  thon::io::StarFile again;
  try {
    again = thon::io::StarFile::parse(written, "rewritten.star");
  } catch (const thon::Error&) {
    std::abort();  // the writer produced text its own parser rejects
  }
  if (again.blocks().size() != star.blocks().size()) std::abort();
  for (std::size_t i = 0; i < star.blocks().size(); ++i) {
    const auto& a = star.blocks()[i];
    const auto& b = again.blocks()[i];
    if (a.columns() != b.columns() || a.n_rows() != b.n_rows()) std::abort();
    for (std::int64_t r = 0; r < a.n_rows(); ++r)
      for (int c = 0; c < a.n_columns(); ++c)
        if (a.text(r, c) != b.text(r, c)) std::abort();
  }
  try {
    (void)thon::io::parse_particles(text, "fuzz.star", "");
  } catch (const thon::Error&) {
  }
  return 0;
}
