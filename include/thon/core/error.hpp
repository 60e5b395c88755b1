// thon::Error: the one exception type. Messages name the file, field and value at fault.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace thon {

enum class ErrorCode { invalid_argument, unsupported, io, out_of_memory, cuda, fft, hdf5, internal };

const char* to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream s;
  s.precision(10);
  (s << ... << std::forward<Args>(args));
  return s.str();
}
}  // namespace detail

/// Throws thon::Error with the streamed arguments as message. Cold path, never returns.
template <class... Args>
[[noreturn]] void fail(ErrorCode code, Args&&... args) {
  throw Error(code, detail::concat(std::forward<Args>(args)...));
}

}  // namespace thon

/// Data-dependent check: throws thon::Error(invalid_argument) with the streamed message.
#define THON_CHECK(cond, ...)                                                         \
  do {                                                                                \
    if (!(cond)) ::thon::fail(::thon::ErrorCode::invalid_argument, __VA_ARGS__);      \
  } while (0)

/// Same, with an explicit ErrorCode (io, unsupported, ...).
#define THON_CHECK_CODE(cond, code, ...)                                              \
  do {                                                                                \
    if (!(cond)) ::thon::fail(::thon::ErrorCode::code, __VA_ARGS__);                  \
  } while (0)
