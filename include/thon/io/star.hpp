// RELION STAR files: data blocks holding either key-value pairs or one loop table.
// Values are kept as text exactly as read, so unknown columns are written back unchanged and in
// order; typed access parses on demand and names the file, line and column of a bad value.
//
// Storage (host/io/star.cpp): each block keeps one contiguous text buffer holding the values of
// a row one after the other (no separators, quotes removed), the start of each row in it and, per
// cell, a 32-bit end offset relative to the row start. Memory is therefore about the file size
// less its whitespace plus 4 bytes per value and 12 per row, independent of the column types.
// The parser is line based as RELION's is: one loop row per line (see docs/formats.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace thon::io {

/// One data block (`data_<name>`): a loop (columns x rows) or a list of key-value pairs.
/// Column names are stored without the leading underscore ("rlnImageName").
class StarBlock {
 public:
  StarBlock();
  explicit StarBlock(std::string name, bool is_loop = true);
  StarBlock(const StarBlock&);
  StarBlock& operator=(const StarBlock&);
  StarBlock(StarBlock&&) noexcept;
  StarBlock& operator=(StarBlock&&) noexcept;
  ~StarBlock();

  const std::string& name() const;
  bool is_loop() const;
  int n_columns() const;
  std::int64_t n_rows() const;               ///< 1 for a key-value block
  const std::vector<std::string>& columns() const;
  int column_index(std::string_view column) const;   ///< -1 when absent
  bool has_column(std::string_view column) const { return column_index(column) >= 0; }
  /// Index of a column that must exist; throws naming the file and block otherwise.
  int require_column(std::string_view column) const;

  std::string_view text(std::int64_t row, int column) const;
  /// Parses a number; throws thon::Error naming file, line, column and the text.
  double number(std::int64_t row, int column) const;
  long long integer(std::int64_t row, int column) const;

  /// Adds a column (all rows get `fill`); returns its index. An existing column is returned as is.
  int add_column(std::string_view column, std::string_view fill = "");
  void set_text(std::int64_t row, int column, std::string_view value);
  /// Writes a number with enough digits to read back the same double (%.9g for floats written by
  /// thon, shortest round-trip for others).
  void set_number(std::int64_t row, int column, double value);
  void set_integer(std::int64_t row, int column, long long value);
  /// Appends a row of empty values; returns its index.
  std::int64_t add_row();
  void reserve_rows(std::int64_t n);
  /// Removes a column (and its values). Extension: used when a RELION 3.0 table becomes 3.1.
  void remove_column(int column);

  /// Line of the file the row was read from (key-value blocks: the line of the key); 0 for rows
  /// added in memory.
  int line(std::int64_t row, int column = 0) const;
  /// "file, line 12, column rlnDefocusU": where a value came from, for error messages.
  std::string where(std::int64_t row, int column) const;
  /// Bytes held by this block (text, offsets, line numbers), for the memory benchmark.
  std::size_t memory_bytes() const;

  /// Where the block came from, for messages ("particles.star, block data_particles").
  const std::string& source() const;
  void set_source(std::string source);

 private:
  friend class StarFile;  // the parser fills the storage directly
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class StarFile {
 public:
  /// Parses a file. Throws thon::Error(io) naming the file and line of any syntax error.
  static StarFile read(const std::string& path);
  static StarFile parse(std::string_view text, const std::string& source_name);
  /// Writes all blocks (atomic: temporary file, then rename).
  void write(const std::string& path) const;
  std::string to_string() const;

  std::vector<StarBlock>& blocks() { return blocks_; }
  const std::vector<StarBlock>& blocks() const { return blocks_; }
  /// Block by name without "data_" ("optics", "particles"); nullptr when absent.
  const StarBlock* find(std::string_view name) const;
  StarBlock* find(std::string_view name);
  StarBlock& add_block(StarBlock block);
  const std::string& path() const { return path_; }

 private:
  std::vector<StarBlock> blocks_;
  std::string path_;
};

}  // namespace thon::io
