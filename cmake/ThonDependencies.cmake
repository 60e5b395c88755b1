# Dependencies are found, never vendored. scripts/deps installs them from Debian's packages.

# --- CUDA (optional) -----------------------------------------------------------------------------
set(THON_HAVE_CUDA OFF)
if(NOT THON_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(THON_HAVE_CUDA ON)
  elseif(THON_CUDA STREQUAL "ON")
    message(FATAL_ERROR "THON_CUDA=ON but no CUDA compiler was found (set CMAKE_CUDA_COMPILER)")
  endif()
endif()

# --- OpenMP, fmt ---------------------------------------------------------------------------------
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG QUIET)
if(NOT TARGET CLI11::CLI11)
  find_path(THON_CLI11_INCLUDE CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${THON_CLI11_INCLUDE})
endif()

# --- Thrust: CCCL from the CUDA toolkit when present, else Debian's libthrust-dev -----------------
if(THON_HAVE_CUDA)
  find_path(THON_THRUST_INCLUDE_DIR thrust/version.h
            HINTS ${CUDAToolkit_INCLUDE_DIRS}/cccl ${CUDAToolkit_INCLUDE_DIRS} NO_DEFAULT_PATH)
else()
  find_path(THON_THRUST_INCLUDE_DIR thrust/version.h
            HINTS /usr/include /usr/local/cuda/include/cccl)
endif()
if(NOT THON_THRUST_INCLUDE_DIR)
  message(FATAL_ERROR "Thrust not found: install the CUDA toolkit or Debian's libthrust-dev")
endif()
add_library(thon_thrust INTERFACE)
add_library(thon::thrust ALIAS thon_thrust)
target_include_directories(thon_thrust SYSTEM INTERFACE ${THON_THRUST_INCLUDE_DIR})
# Host translation units run Thrust algorithms on the OpenMP system; .cu files keep the CUDA one.
target_compile_definitions(thon_thrust INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_OMP>)

# --- FFTW3 (float and double, threaded) ----------------------------------------------------------
find_path(THON_FFTW_INCLUDE fftw3.h REQUIRED)
find_library(THON_FFTWF_LIB fftw3f REQUIRED)
find_library(THON_FFTW_LIB fftw3 REQUIRED)
find_library(THON_FFTWF_THREADS_LIB fftw3f_threads REQUIRED)
find_library(THON_FFTW_THREADS_LIB fftw3_threads REQUIRED)
add_library(thon_fftw INTERFACE)
add_library(thon::fftw ALIAS thon_fftw)
target_include_directories(thon_fftw INTERFACE ${THON_FFTW_INCLUDE})
target_link_libraries(thon_fftw INTERFACE ${THON_FFTWF_THREADS_LIB} ${THON_FFTW_THREADS_LIB}
                                          ${THON_FFTWF_LIB} ${THON_FFTW_LIB})

# --- BLAS (OpenBLAS preferred) -------------------------------------------------------------------
set(BLA_VENDOR OpenBLAS)
find_package(BLAS)
if(NOT BLAS_FOUND)
  unset(BLA_VENDOR)
  find_package(BLAS REQUIRED)
endif()
find_path(THON_CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas openblas-pthread
          HINTS /usr/include/x86_64-linux-gnu /usr/include/aarch64-linux-gnu)
add_library(thon_blas INTERFACE)
add_library(thon::blas ALIAS thon_blas)
target_link_libraries(thon_blas INTERFACE ${BLAS_LIBRARIES})
if(THON_CBLAS_INCLUDE)
  target_include_directories(thon_blas INTERFACE ${THON_CBLAS_INCLUDE})
endif()

# --- Test and benchmark frameworks ---------------------------------------------------------------
if(THON_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(THON_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

# --- File formats and geometry libraries ---------------------------------------------------------
find_package(HDF5 REQUIRED COMPONENTS C)          # thon's native dataset container
find_path(THON_GEMMI_INCLUDE gemmi/model.hpp REQUIRED)   # PDB / mmCIF reading (header-only)
find_package(ZLIB REQUIRED)                       # gemmi's gzip support
find_package(Qhull CONFIG REQUIRED)               # Delaunay triangulation for scattered-data interpolation
find_path(THON_STB_INCLUDE stb_image_write.h PATH_SUFFIXES stb REQUIRED)  # PNG output
add_library(thon_formats INTERFACE)
target_include_directories(thon_formats SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${THON_GEMMI_INCLUDE} ${THON_STB_INCLUDE})
target_link_libraries(thon_formats INTERFACE ${HDF5_C_LIBRARIES} ZLIB::ZLIB Qhull::qhull_r)
target_compile_definitions(thon_formats INTERFACE ${HDF5_C_DEFINITIONS})
