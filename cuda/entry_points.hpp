// Each cuda/<family>.hpp lists its host-callable entry points once, as
//   #define THON_CUDA_<FAMILY>_FUNCTIONS(X) X(return type, name, (parameters)) ...
// declares them with THON_CUDA_<FAMILY>_FUNCTIONS(THON_CUDA_DECLARE), and cuda/no_cuda.cpp, the
// stand-in of a build without CUDA, defines every list with a body that throws "built without
// CUDA": one list, so the declarations and the stand-ins cannot drift apart. Templates keep an
// explicit instantiation list instead (cuda/project.hpp). No CUDA header here.
#pragma once

#define THON_CUDA_DECLARE(ret, name, params) ret name params;
