// The text of a STAR file as thon writes it, in pieces, so that StarFile::write (a whole table in
// memory) and io::ParticleStarWriter (rows streamed to disk) produce the same bytes from one
// definition: the block header, the number formats, quoting and the right-aligned columns.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace thon::io::star_text {

/// Shortest text that reads back as the same double (std::to_chars). `buf` holds >= 32 chars.
std::string_view format_number(double value, char* buf);
/// Decimal integer. `buf` holds >= 24 chars.
std::string_view format_integer(long long value, char* buf);

/// "\n# version 30001\n\ndata_<name>\n\n", then for a loop "loop_ \n" and one "_<column> #<n> \n"
/// line per column (key-value blocks write their pairs themselves).
void append_block_header(std::string& out, std::string_view name, bool is_loop,
                         const std::vector<std::string>& loop_columns);
/// Characters `value` takes in a loop cell (quotes included when it needs them).
std::size_t written_width(std::string_view value);
/// Appends `value`, quoted when it would not read back as one token, right-aligned to `width`
/// (0: no padding).
void append_value(std::string& out, std::string_view value, std::size_t width);
/// A loop row: each value right-aligned to its column's width and followed by a space, then '\n'.
/// `cell(c)` returns the text of column c.
template <class Cell>
void append_row(std::string& out, const std::vector<std::size_t>& widths, Cell&& cell) {
  for (std::size_t c = 0; c < widths.size(); ++c) {
    append_value(out, cell(c), widths[c]);
    out += ' ';
  }
  out += '\n';
}
/// What ends a loop block ("\n").
inline void append_block_end(std::string& out) { out += '\n'; }

}  // namespace thon::io::star_text
