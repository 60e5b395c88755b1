// thon::cuda FFT entry points of a build without CUDA: each throws "built without CUDA".
#include "cuda/fft.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

void fft_r2c(const float*, Complex<float>*, const Shape&) { no_cuda("fft_r2c"); }
void fft_r2c(const double*, Complex<double>*, const Shape&) { no_cuda("fft_r2c"); }
void fft_c2r(const Complex<float>*, float*, const Shape&) { no_cuda("fft_c2r"); }
void fft_c2r(const Complex<double>*, double*, const Shape&) { no_cuda("fft_c2r"); }
void fft_c2c(const Complex<float>*, Complex<float>*, const Shape&, FftDirection) { no_cuda("fft_c2c"); }
void fft_c2c(const Complex<double>*, Complex<double>*, const Shape&, FftDirection) { no_cuda("fft_c2c"); }
void fft_r2c_device(const float*, Complex<float>*, const Shape&, void*) { no_cuda("fft_r2c_device"); }
void fft_r2c_device(const double*, Complex<double>*, const Shape&, void*) { no_cuda("fft_r2c_device"); }
void fft_c2r_device(Complex<float>*, float*, const Shape&, void*) { no_cuda("fft_c2r_device"); }
void fft_c2r_device(Complex<double>*, double*, const Shape&, void*) { no_cuda("fft_c2r_device"); }
void fft_c2c_device(Complex<float>*, Complex<float>*, const Shape&, FftDirection, void*) { no_cuda("fft_c2c_device"); }
void fft_c2c_device(Complex<double>*, Complex<double>*, const Shape&, FftDirection, void*) { no_cuda("fft_c2c_device"); }
int fft_plan_cache_size() { return 0; }

}  // namespace thon::cuda
