#include "io/atomic_file.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "thon/core/error.hpp"

namespace thon::io {

namespace fs = std::filesystem;

AtomicOutput::AtomicOutput(std::string final_path) : final_(std::move(final_path)) {
  THON_CHECK_CODE(!final_.empty(), io, "empty output path");
  const fs::path p(final_);
  temp_ = (p.parent_path() / ("." + p.filename().string() + ".tmp" + std::to_string(::getpid()))).string();
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicOutput::commit() {
  std::error_code ec;
  fs::rename(temp_, final_, ec);
  if (ec) fail(ErrorCode::io, final_, ": cannot move the finished output into place: ", ec.message());
  committed_ = true;
}

const std::string& AtomicOutputSet::add(const std::string& final_path) {
  outputs_.push_back(std::make_unique<AtomicOutput>(final_path));
  return outputs_.back()->temp_path();
}

void AtomicOutputSet::commit_all() {
  for (auto& o : outputs_) o->commit();
}

void check_writable_path(const std::string& path, const char* option) {
  THON_CHECK_CODE(!path.empty(), io, option, ": empty output path");
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) fail(ErrorCode::io, option, " ", path, ": is a directory");
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec)) fail(ErrorCode::io, option, " ", path, ": directory ", dir.string(), " does not exist");
}

}  // namespace thon::io
