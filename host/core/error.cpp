#include "thon/core/error.hpp"

namespace thon {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid argument";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::io: return "I/O";
    case ErrorCode::out_of_memory: return "out of memory";
    case ErrorCode::cuda: return "CUDA";
    case ErrorCode::fft: return "FFT";
    case ErrorCode::hdf5: return "HDF5";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

}  // namespace thon
