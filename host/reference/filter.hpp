// The reference Fourier toolkit: double precision, direct DFT, serial loops (the oracle).
// Host-memory entry points; contracts as in include/thon/ops/filter.hpp and ops/fsc.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "thon/core/complex.hpp"
#include "thon/core/vec.hpp"
#include "thon/core/views.hpp"
#include "thon/ops/filter.hpp"

namespace thon::ref {

void apply_filter(double* data, const Shape& shape, double pixel_size_A, const FilterSpec& spec);
void translate(double* data, const Shape& shape, double pixel_size_A, const Vec3<double>& shift_A);
RadialProfile power_spectrum_profile(const double* data, const Shape& shape);
RadialProfile radial_average(const double* data, const Shape& shape);
ComplexRadialProfile radial_average(const Complex<double>* data, const Shape& shape);
/// out: shape.size() values.
void centred_power_spectrum(const double* data, const Shape& shape, double* out);
void fourier_resize(const double* in, const Shape& in_shape, double* out, const Shape& out_shape);
void convolve_fft(const double* image, const Shape& image_shape, const double* kernel, const Shape& kernel_shape,
                  double* out, ConvolveMode mode);
void convolve_direct(const double* image, const Shape& image_shape, const double* kernel,
                     const Shape& kernel_shape, double* out, ConvolveMode mode);
/// Per-shell sums for shells 0 .. nx/2: sums[3 r + {0,1,2}] = (Re(A B*), |A|^2, |B|^2), counts[r].
void fsc_sums(const double* a, const double* b, const Shape& shape, std::vector<double>& sums,
              std::vector<std::int64_t>& counts);

}  // namespace thon::ref
