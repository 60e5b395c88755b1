// Output files appear complete or not at all: write to a temporary name in the same directory,
// then rename over the final path on commit(). Without commit() (an error was thrown), the
// temporary file is removed and the final path is left untouched.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace thon::io {

class AtomicOutput {
 public:
  explicit AtomicOutput(std::string final_path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  /// Where to write now.
  const std::string& temp_path() const { return temp_; }
  const std::string& final_path() const { return final_; }
  /// Renames the temporary file to the final path. Throws thon::Error(io) on failure.
  void commit();

 private:
  std::string final_, temp_;
  bool committed_ = false;
};

/// Several outputs that must all appear or none: commit_all() renames each in turn.
class AtomicOutputSet {
 public:
  /// Returns the temporary path to write `final_path` to.
  const std::string& add(const std::string& final_path);
  void commit_all();

 private:
  std::vector<std::unique_ptr<AtomicOutput>> outputs_;
};

/// Throws thon::Error(io) naming `path` when it cannot be written (missing directory, a directory).
void check_writable_path(const std::string& path, const char* option);

}  // namespace thon::io
