// RELION STAR files: a small line-based parser and an aligned writer.
//
// Why not gemmi's CIF parser: gemmi/cif.hpp (0.5.7) needs the PEGTL headers, which Debian ships
// separately (tao-pegtl-dev, not installed here), and it stores every value as its own
// std::string (32 bytes plus a heap block per value): 20-40 bytes of overhead per cell, a multiple
// of the file per column, against 4 bytes per cell here. RELION's own reader is line based (one
// loop row per line, `#n` column suffixes), which this parser follows; docs/formats.md has the
// grammar.
#include "thon/io/star.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "io/atomic_file.hpp"
#include "io/star_text.hpp"
#include "thon/core/error.hpp"

namespace thon::io {

// ----------------------------------------------------------------------------------------------
// Storage

struct StarBlock::Impl {
  std::string name;
  bool is_loop = true;
  std::vector<std::string> columns;
  std::string text;                     ///< values of each row, concatenated
  std::vector<std::int64_t> row_start;  ///< offset of each row in `text`
  std::vector<std::uint32_t> cell_end;  ///< per cell, end offset relative to its row start
  std::vector<std::int32_t> lines;      ///< loops: line of each row; key-value: line of each key
  std::int64_t garbage = 0;             ///< bytes of `text` no longer referenced (moved rows)
  std::int64_t tail_row = -1;           ///< the row whose text ends the buffer (edited in place)
  std::string source;

  int nc() const { return int(columns.size()); }
  std::uint32_t cell_begin(std::int64_t row, int col) const {
    return col == 0 ? 0u : cell_end[std::size_t(row) * nc() + col - 1];
  }
  std::uint32_t row_length(std::int64_t row) const {
    return nc() == 0 ? 0u : cell_end[std::size_t(row) * nc() + nc() - 1];
  }

  /// Rebuilds the text without garbage, optionally inserting a value for a new last column or
  /// dropping column `drop`.
  void rebuild(const std::string_view* fill, int drop) {
    const int old_nc = nc();
    const int new_nc = old_nc + (fill ? 1 : 0) - (drop >= 0 ? 1 : 0);
    std::string t;
    t.reserve(text.size() - std::size_t(garbage) +
              (fill ? fill->size() * row_start.size() : 0));
    std::vector<std::uint32_t> ends;
    ends.reserve(row_start.size() * std::size_t(new_nc));
    for (std::size_t r = 0; r < row_start.size(); ++r) {
      const std::size_t start = t.size();
      for (int c = 0; c < old_nc; ++c) {
        if (c == drop) continue;
        const std::uint32_t b = cell_begin(std::int64_t(r), c);
        const std::uint32_t e = cell_end[r * old_nc + c];
        t.append(text, std::size_t(row_start[r]) + b, e - b);
        ends.push_back(std::uint32_t(t.size() - start));
      }
      if (fill) {
        t.append(fill->data(), fill->size());
        ends.push_back(std::uint32_t(t.size() - start));
      }
      row_start[r] = std::int64_t(start);
    }
    text.swap(t);
    cell_end.swap(ends);
    garbage = 0;
    tail_row = std::int64_t(row_start.size()) - 1;
  }
};

StarBlock::StarBlock() : impl_(std::make_unique<Impl>()) {}
StarBlock::StarBlock(std::string name, bool is_loop) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->is_loop = is_loop;
  if (!is_loop) {
    impl_->row_start.push_back(0);  // a key-value block is one row
    impl_->tail_row = 0;
  }
}
StarBlock::StarBlock(const StarBlock& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
StarBlock& StarBlock::operator=(const StarBlock& o) {
  if (this != &o) impl_ = std::make_unique<Impl>(*o.impl_);
  return *this;
}
StarBlock::StarBlock(StarBlock&&) noexcept = default;
StarBlock& StarBlock::operator=(StarBlock&&) noexcept = default;
StarBlock::~StarBlock() = default;

const std::string& StarBlock::name() const { return impl_->name; }
bool StarBlock::is_loop() const { return impl_->is_loop; }
int StarBlock::n_columns() const { return impl_->nc(); }
std::int64_t StarBlock::n_rows() const { return std::int64_t(impl_->row_start.size()); }
const std::vector<std::string>& StarBlock::columns() const { return impl_->columns; }
const std::string& StarBlock::source() const { return impl_->source; }
void StarBlock::set_source(std::string source) { impl_->source = std::move(source); }

int StarBlock::column_index(std::string_view column) const {
  if (!column.empty() && column.front() == '_') column.remove_prefix(1);
  const auto& cols = impl_->columns;
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (cols[i] == column) return int(i);
  return -1;
}

namespace {
std::string block_label(const StarBlock& b) {
  std::string s = b.source().empty() ? std::string("<memory>") : b.source();
  return s + ", block data_" + b.name();
}
}  // namespace

int StarBlock::require_column(std::string_view column) const {
  const int i = column_index(column);
  if (i < 0) {
    if (!column.empty() && column.front() == '_') column.remove_prefix(1);
    fail(ErrorCode::invalid_argument, block_label(*this), ": required column _", column,
         " is missing");
  }
  return i;
}

int StarBlock::line(std::int64_t row, int column) const {
  const auto& l = impl_->lines;
  const std::size_t i = impl_->is_loop ? std::size_t(row) : std::size_t(column);
  return i < l.size() ? l[i] : 0;
}

std::string StarBlock::where(std::int64_t row, int column) const {
  std::string s = block_label(*this);
  const int ln = line(row, column);
  if (ln > 0) s += ", line " + std::to_string(ln);
  else if (impl_->is_loop) s += ", row " + std::to_string(row + 1);
  if (column >= 0 && column < n_columns()) s += ", column _" + impl_->columns[std::size_t(column)];
  return s;
}

std::size_t StarBlock::memory_bytes() const {
  const Impl& m = *impl_;
  // Bytes in use. The parser reserves address space for the rest of the file; pages it never
  // writes are not allocated by the kernel, so they are not counted.
  std::size_t b = sizeof(Impl) + m.text.size() + m.row_start.size() * sizeof(std::int64_t) +
                  m.cell_end.size() * sizeof(std::uint32_t) + m.lines.size() * sizeof(std::int32_t);
  for (const auto& c : m.columns) b += sizeof(std::string) + c.capacity();
  return b;
}

std::string_view StarBlock::text(std::int64_t row, int column) const {
  const Impl& m = *impl_;
  if (row < 0 || row >= n_rows() || column < 0 || column >= m.nc())
    fail(ErrorCode::internal, block_label(*this), ": cell (", row, ", ", column, ") out of range (",
         n_rows(), " rows, ", m.nc(), " columns)");
  const std::uint32_t b = m.cell_begin(row, column);
  const std::uint32_t e = m.cell_end[std::size_t(row) * m.nc() + column];
  return std::string_view(m.text.data() + m.row_start[std::size_t(row)] + b, e - b);
}

double StarBlock::number(std::int64_t row, int column) const {
  const std::string_view sv = text(row, column);
  const char* b = sv.data();
  const char* e = b + sv.size();
  if (b != e && *b == '+') ++b;
  double v = 0;
  const auto r = std::from_chars(b, e, v);
  if (sv.empty() || r.ec != std::errc() || r.ptr != e)
    fail(ErrorCode::invalid_argument, where(row, column), ": '", sv, "' is not a number");
  return v;
}

long long StarBlock::integer(std::int64_t row, int column) const {
  const std::string_view sv = text(row, column);
  const char* b = sv.data();
  const char* e = b + sv.size();
  if (b != e && *b == '+') ++b;
  long long v = 0;
  const auto r = std::from_chars(b, e, v);
  if (!sv.empty() && r.ec == std::errc() && r.ptr == e) return v;
  // Some writers store integers as "2.000000": accept an integral number.
  double d = 0;
  const auto rd = std::from_chars(b, e, d);
  if (!sv.empty() && rd.ec == std::errc() && rd.ptr == e && std::isfinite(d) && d == std::floor(d) &&
      std::fabs(d) < 9.0e15)
    return (long long)d;
  fail(ErrorCode::invalid_argument, where(row, column), ": '", sv, "' is not an integer");
}

int StarBlock::add_column(std::string_view column, std::string_view fill) {
  if (!column.empty() && column.front() == '_') column.remove_prefix(1);
  THON_CHECK(!column.empty(), block_label(*this), ": empty column name");
  const int existing = column_index(column);
  if (existing >= 0) return existing;
  for (char c : fill)
    THON_CHECK(c != '\n' && c != '\r', block_label(*this), ": a STAR value cannot hold a line break");
  impl_->rebuild(&fill, -1);
  impl_->columns.emplace_back(column);
  if (!impl_->is_loop) impl_->lines.resize(impl_->columns.size(), 0);
  return impl_->nc() - 1;
}

void StarBlock::remove_column(int column) {
  THON_CHECK(column >= 0 && column < n_columns(), block_label(*this), ": no column ", column);
  impl_->rebuild(nullptr, column);
  impl_->columns.erase(impl_->columns.begin() + column);
  if (!impl_->is_loop && std::size_t(column) < impl_->lines.size())
    impl_->lines.erase(impl_->lines.begin() + column);
}

void StarBlock::set_text(std::int64_t row, int column, std::string_view value) {
  Impl& m = *impl_;
  if (row < 0 || row >= n_rows() || column < 0 || column >= m.nc())
    fail(ErrorCode::internal, block_label(*this), ": cell (", row, ", ", column, ") out of range");
  for (char c : value)
    THON_CHECK(c != '\n' && c != '\r', where(row, column), ": a STAR value cannot hold a line break");
  const std::size_t nc = std::size_t(m.nc());
  std::uint32_t* ends = m.cell_end.data() + std::size_t(row) * nc;
  const std::uint32_t b = column == 0 ? 0u : ends[column - 1];
  const std::uint32_t e = ends[column];
  const std::size_t old_len = e - b;
  const std::size_t start = std::size_t(m.row_start[std::size_t(row)]);
  if (value.size() == old_len) {
    if (old_len) std::memcpy(&m.text[start + b], value.data(), old_len);
    return;
  }
  const std::uint32_t row_len = ends[nc - 1];
  const std::int64_t delta = std::int64_t(value.size()) - std::int64_t(old_len);
  THON_CHECK(std::int64_t(row_len) + delta < std::int64_t(std::numeric_limits<std::uint32_t>::max()),
             where(row, column), ": row longer than 4 GiB");
  if (row == m.tail_row) {
    m.text.replace(start + b, old_len, value.data(), value.size());
  } else {
    // Move the row to the end of the buffer with the new value; the old copy becomes garbage.
    std::string moved;
    moved.reserve(row_len + value.size());
    moved.append(m.text, start, b);
    moved.append(value.data(), value.size());
    moved.append(m.text, start + e, row_len - e);
    m.row_start[std::size_t(row)] = std::int64_t(m.text.size());
    m.text += moved;
    m.tail_row = row;
    m.garbage += row_len;
  }
  for (std::size_t c = std::size_t(column); c < nc; ++c) ends[c] = std::uint32_t(std::int64_t(ends[c]) + delta);
  if (m.garbage > (1 << 16) && m.garbage * 2 > std::int64_t(m.text.size())) m.rebuild(nullptr, -1);
}

void StarBlock::set_number(std::int64_t row, int column, double value) {
  char buf[64];
  set_text(row, column, star_text::format_number(value, buf));
}

void StarBlock::set_integer(std::int64_t row, int column, long long value) {
  char buf[32];
  set_text(row, column, star_text::format_integer(value, buf));
}

std::int64_t StarBlock::add_row() {
  Impl& m = *impl_;
  THON_CHECK(m.is_loop, block_label(*this), ": add_row on a key-value block");
  m.row_start.push_back(std::int64_t(m.text.size()));
  m.cell_end.insert(m.cell_end.end(), std::size_t(m.nc()), 0u);
  m.lines.push_back(0);
  m.tail_row = std::int64_t(m.row_start.size()) - 1;
  return n_rows() - 1;
}

void StarBlock::reserve_rows(std::int64_t n) {
  Impl& m = *impl_;
  m.row_start.reserve(std::size_t(n));
  m.cell_end.reserve(std::size_t(n) * std::size_t(m.nc()));
  m.lines.reserve(std::size_t(n));
}

// ----------------------------------------------------------------------------------------------
// Parser

namespace {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/// is_space as a table, for the row loop.
struct SpaceTable {
  bool t[256] = {};
  constexpr SpaceTable() {
    t[int(' ')] = t[int('\t')] = t[int('\r')] = t[int('\v')] = t[int('\f')] = true;
  }
  constexpr bool operator[](unsigned char c) const { return t[c]; }
};
constexpr SpaceTable kSpace;

[[noreturn]] void syntax_error(const std::string& source, int line, std::size_t col, const std::string& what) {
  fail(ErrorCode::io, source, ":", line, ":", col + 1, ": ", what);
}

/// Reads the next token of [p, e) starting at `i`; returns false at the end of the line or at a
/// comment. Quoted tokens ('...' or "...", closed by the quote followed by a space or the end of
/// the line, as in STAR/CIF) are returned without their quotes.
inline bool next_token(const char* p, std::size_t n, std::size_t& i, std::size_t& tb, std::size_t& te,
                       const std::string& source, int line) {
  while (i < n && is_space(p[i])) ++i;
  if (i >= n || p[i] == '#') return false;
  const char c = p[i];
  if (c == '\'' || c == '"') {
    std::size_t j = i + 1;
    for (;;) {
      while (j < n && p[j] != c) ++j;
      if (j >= n) syntax_error(source, line, i, std::string("unterminated quoted value (") + c + ")");
      if (j + 1 >= n || is_space(p[j + 1])) break;
      ++j;
    }
    tb = i + 1;
    te = j;
    i = j + 1;
    return true;
  }
  tb = i;
  while (i < n && !is_space(p[i])) ++i;
  te = i;
  return true;
}

inline bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower((unsigned char)s[i]) != prefix[i]) return false;
  return true;
}

}  // namespace

StarFile StarFile::parse(std::string_view text, const std::string& source_name) {
  StarFile file;
  file.path_ = source_name;
  enum class State { outside, block, loop_header, loop_rows, pairs };
  State state = State::outside;
  StarBlock::Impl* cur = nullptr;
  const char* const base = text.data();
  const std::size_t size = text.size();
  std::size_t pos = 0;
  int line = 0;
  while (pos < size) {
    ++line;
    const char* lp = base + pos;
    const void* nl = std::memchr(lp, '\n', size - pos);
    const std::size_t n = nl ? std::size_t(static_cast<const char*>(nl) - lp) : size - pos;
    pos += n + 1;
    if (line == std::numeric_limits<int>::max()) syntax_error(source_name, line, 0, "too many lines");

    std::size_t i = 0, tb = 0, te = 0;
    if (!next_token(lp, n, i, tb, te, source_name, line)) continue;  // blank line or comment
    const std::string_view first(lp + tb, te - tb);
    const bool quoted = tb > 0 && (lp[tb - 1] == '\'' || lp[tb - 1] == '"') && te < n &&
                        lp[te] == lp[tb - 1];

    auto rest_must_be_empty = [&](const char* what) {
      std::size_t j = i, b2, e2;
      if (next_token(lp, n, j, b2, e2, source_name, line))
        syntax_error(source_name, line, b2, std::string("unexpected '") + std::string(lp + b2, e2 - b2) +
                                                "' after " + what);
    };

    // Rows of an open loop: the hot path.
    if (state == State::loop_header || state == State::loop_rows) {
      const bool keyword = !quoted && (starts_with_ci(first, "data_") || starts_with_ci(first, "loop_"));
      const bool header = !quoted && first.front() == '_';
      if (!keyword && !header) {
        if (cur->columns.empty()) syntax_error(source_name, line, tb, "loop_ without columns");
        const std::size_t nc = cur->columns.size();
        if (state == State::loop_header) {
          // First row: reserve for the rest of the file (pages never written stay unallocated) and
          // for about as many rows as lines of this length remain.
          state = State::loop_rows;
          const std::size_t remaining = size - (pos - n - 1);
          cur->text.reserve(cur->text.size() + remaining);
          const std::size_t rows = remaining / std::max<std::size_t>(n + 1, 1) + 16;
          cur->row_start.reserve(cur->row_start.size() + rows + rows / 16);
          cur->lines.reserve(cur->lines.size() + rows + rows / 16);
          cur->cell_end.reserve(cur->cell_end.size() + (rows + rows / 16) * nc);
        }
        const std::size_t row_start = cur->text.size();
        cur->row_start.push_back(std::int64_t(row_start));
        cur->tail_row = std::int64_t(cur->row_start.size()) - 1;
        cur->lines.push_back(line);
        const std::size_t ce0 = cur->cell_end.size();
        cur->cell_end.resize(ce0 + nc);
        cur->text.resize(row_start + (n - tb) + 1);  // values are never longer than the line
        char* const o0 = &cur->text[row_start];
        char* o = o0;
        std::uint32_t* const ends = &cur->cell_end[ce0];
        std::size_t count = 0;
        bool slow = quoted;
        for (std::size_t j = tb; !slow;) {  // fast path: unquoted tokens
          while (j < n && kSpace[(unsigned char)lp[j]]) ++j;
          if (j >= n || lp[j] == '#') break;
          if (lp[j] == '\'' || lp[j] == '"') {
            slow = true;
            break;
          }
          const char* const s0 = lp + j;
          while (j < n && !kSpace[(unsigned char)lp[j]]) ++j;
          const std::size_t len = std::size_t(lp + j - s0);
          std::memcpy(o, s0, len);
          o += len;
          if (count < nc) ends[count] = std::uint32_t(o - o0);
          ++count;
        }
        if (slow) {  // quoted values: the general tokenizer
          o = o0;
          count = 0;
          std::size_t j = quoted ? tb - 1 : tb, b = 0, e = 0;  // from the opening quote
          while (next_token(lp, n, j, b, e, source_name, line)) {
            std::memcpy(o, lp + b, e - b);
            o += e - b;
            if (count < nc) ends[count] = std::uint32_t(o - o0);
            ++count;
          }
        }
        cur->text.resize(row_start + std::size_t(o - o0));
        if (count != nc) {
          std::string msg = "loop row has " + std::to_string(count) + " value" + (count == 1 ? "" : "s") +
                            ", expected " + std::to_string(nc) + " (one per column of data_" + cur->name + ")";
          syntax_error(source_name, line, tb, msg);
        }
        continue;
      }
      if (header && state == State::loop_rows)
        syntax_error(source_name, line, tb,
                     "'" + std::string(first) + "' after the rows of the loop in data_" + cur->name +
                         " (a block holds one loop or key-value pairs)");
      if (header) {  // column name, optionally followed by the `#n` comment
        const std::string name(first.substr(1));
        if (name.empty()) syntax_error(source_name, line, tb, "empty column name");
        for (const auto& c : cur->columns)
          if (c == name)
            syntax_error(source_name, line, tb, "duplicated column _" + name + " in data_" + cur->name);
        rest_must_be_empty(("column name _" + name).c_str());
        cur->columns.push_back(name);
        continue;
      }
      // data_ or loop_: falls through to the keyword handling below.
    }

    if (!quoted && starts_with_ci(first, "data_")) {
      rest_must_be_empty("the block name");
      StarBlock block(std::string(first.substr(5)), true);
      block.set_source(source_name);
      file.blocks_.push_back(std::move(block));
      cur = file.blocks_.back().impl_.get();
      state = State::block;
      continue;
    }
    if (state == State::outside)
      syntax_error(source_name, line, tb, "'" + std::string(first) + "' before the first data_ block");
    if (!quoted && starts_with_ci(first, "loop_")) {
      if (state != State::block)
        syntax_error(source_name, line, tb,
                     "second loop_ or loop_ after key-value pairs in data_" + cur->name +
                         " (a block holds one loop or key-value pairs)");
      rest_must_be_empty("loop_");
      cur->is_loop = true;
      state = State::loop_header;
      continue;
    }
    if (!quoted && first.front() == '_') {  // key-value pair
      if (state == State::block) {
        cur->is_loop = false;
        cur->row_start.assign(1, 0);
        cur->tail_row = 0;
        state = State::pairs;
      }
      const std::string key(first.substr(1));
      if (key.empty()) syntax_error(source_name, line, tb, "empty key");
      for (const auto& c : cur->columns)
        if (c == key) syntax_error(source_name, line, tb, "duplicated key _" + key + " in data_" + cur->name);
      std::size_t b, e;
      if (!next_token(lp, n, i, b, e, source_name, line))
        syntax_error(source_name, line, te, "key _" + key + " has no value");
      rest_must_be_empty(("the value of _" + key).c_str());
      cur->columns.push_back(key);
      cur->text.append(lp + b, e - b);
      cur->cell_end.push_back(std::uint32_t(cur->text.size()));
      cur->lines.push_back(line);
      continue;
    }
    syntax_error(source_name, line, tb,
                 "value '" + std::string(first) + "' outside a loop in data_" + cur->name);
  }
  // A block that ended inside a loop header has columns and no rows: a valid empty table.
  return file;
}

StarFile StarFile::read(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(ErrorCode::io, path, ": is a directory, not a STAR file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(ErrorCode::io, path, ": cannot open: ", std::strerror(errno));
  std::string text;
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  if (size > 0) {
    text.resize(std::size_t(size));
    const std::size_t got = std::fread(text.data(), 1, text.size(), f);
    text.resize(got);
  }
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) fail(ErrorCode::io, path, ": read error");
  if (text.find('\0') != std::string::npos)
    fail(ErrorCode::io, path, ": holds NUL bytes: not a STAR (text) file");
  StarFile file = parse(text, path);
  if (file.blocks_.empty()) fail(ErrorCode::io, path, ": no data_ block: not a STAR file");
  return file;
}

const StarBlock* StarFile::find(std::string_view name) const {
  if (starts_with_ci(name, "data_")) name.remove_prefix(5);
  for (const auto& b : blocks_)
    if (b.name() == name) return &b;
  return nullptr;
}
StarBlock* StarFile::find(std::string_view name) {
  return const_cast<StarBlock*>(static_cast<const StarFile*>(this)->find(name));
}
StarBlock& StarFile::add_block(StarBlock block) {
  blocks_.push_back(std::move(block));
  return blocks_.back();
}

// ----------------------------------------------------------------------------------------------
// Writer

namespace star_text {

std::string_view format_number(double value, char* buf) {
  const auto r = std::to_chars(buf, buf + 32, value);  // shortest round-trip form
  return std::string_view(buf, std::size_t(r.ptr - buf));
}

std::string_view format_integer(long long value, char* buf) {
  const auto r = std::to_chars(buf, buf + 24, value);
  return std::string_view(buf, std::size_t(r.ptr - buf));
}

namespace {

/// True when a value must be quoted to read back as one token.
bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  const char c = v.front();
  if (c == '#' || c == '_' || c == '\'' || c == '"' || c == '$' || c == ';') return true;
  for (char ch : v)
    if (is_space(ch)) return true;
  return starts_with_ci(v, "data_") || starts_with_ci(v, "loop_") || starts_with_ci(v, "save_") ||
         starts_with_ci(v, "global_") || starts_with_ci(v, "stop_");
}

}  // namespace

void append_value(std::string& out, std::string_view v, std::size_t width) {
  if (!needs_quotes(v)) {
    if (v.size() < width) out.append(width - v.size(), ' ');
    out.append(v.data(), v.size());
    return;
  }
  // The closing quote must not be followed by a space inside the value.
  char q = '"';
  for (std::size_t i = 0; i + 1 < v.size(); ++i)
    if (v[i] == '"' && is_space(v[i + 1])) q = '\'';
  if (v.size() + 2 < width) out.append(width - v.size() - 2, ' ');
  out.push_back(q);
  out.append(v.data(), v.size());
  out.push_back(q);
}

std::size_t written_width(std::string_view v) { return v.size() + (needs_quotes(v) ? 2 : 0); }

void append_block_header(std::string& out, std::string_view name, bool is_loop,
                         const std::vector<std::string>& loop_columns) {
  out += "\n# version 30001\n\ndata_";
  out += name;
  out += "\n\n";
  if (!is_loop) return;
  out += "loop_ \n";
  for (std::size_t c = 0; c < loop_columns.size(); ++c) {
    out += '_';
    out += loop_columns[c];
    out += " #";
    out += std::to_string(c + 1);
    out += " \n";
  }
}

}  // namespace star_text

namespace {

/// Streams the file through `flush(out)` whenever the buffer exceeds a few MiB.
template <class Flush>
void write_blocks(const std::vector<StarBlock>& blocks, Flush&& flush) {
  using namespace star_text;
  std::string out;
  out.reserve(1 << 22);
  for (const auto& b : blocks) {
    append_block_header(out, b.name(), b.is_loop(), b.columns());
    const int nc = b.n_columns();
    if (!b.is_loop()) {
      std::size_t kw = 0;
      for (const auto& c : b.columns()) kw = std::max(kw, c.size());
      for (int c = 0; c < nc; ++c) {
        out += '_';
        out += b.columns()[std::size_t(c)];
        out.append(kw - b.columns()[std::size_t(c)].size() + 1, ' ');
        append_value(out, b.text(0, c), 0);
        out += '\n';
      }
      out += '\n';
      continue;
    }
    std::vector<std::size_t> width(std::size_t(nc), 0);
    const std::int64_t nr = b.n_rows();
    for (std::int64_t r = 0; r < nr; ++r)
      for (int c = 0; c < nc; ++c) width[std::size_t(c)] = std::max(width[std::size_t(c)], written_width(b.text(r, c)));
    for (std::int64_t r = 0; r < nr; ++r) {
      append_row(out, width, [&](std::size_t c) { return b.text(r, int(c)); });
      if (out.size() > (1u << 22)) {
        flush(out);
        out.clear();
      }
    }
    append_block_end(out);
  }
  flush(out);
}

}  // namespace

std::string StarFile::to_string() const {
  std::string all;
  write_blocks(blocks_, [&](const std::string& s) { all += s; });
  return all;
}

void StarFile::write(const std::string& path) const {
  check_writable_path(path, "STAR output");
  AtomicOutput out(path);
  std::FILE* f = std::fopen(out.temp_path().c_str(), "wb");
  if (!f) fail(ErrorCode::io, path, ": cannot create: ", std::strerror(errno));
  bool ok = true;
  try {
    write_blocks(blocks_, [&](const std::string& s) {
      if (ok && !s.empty() && std::fwrite(s.data(), 1, s.size(), f) != s.size()) ok = false;
    });
  } catch (...) {
    std::fclose(f);
    throw;
  }
  if (std::fclose(f) != 0) ok = false;
  if (!ok) fail(ErrorCode::io, path, ": write error (disk full?)");
  out.commit();
}

}  // namespace thon::io
