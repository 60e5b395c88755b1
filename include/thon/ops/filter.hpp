// Fourier-space operations on images, batches of images and volumes, on every backend.
//
// Arrays are host memory, [batch][z][y][x] with x fastest (a Shape says nx, ny, nz, batch: a 2D
// image is (nx, ny, 1, 1), a stack (nx, ny, 1, n), a volume (nx, ny, nz, 1)). Pixel sizes in Å,
// frequencies in cycles/Å. Each operation is r2c -> per-frequency work -> c2r with the FFT
// convention of ops/fft.hpp, so a filter of weight 1 returns the input unchanged.
// Device::reference runs in double with a direct DFT; cpu uses FFTW; cuda uses cuFFT (copying to
// the device and back).
#pragma once

#include <cstdint>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/core/views.hpp"
#include "thon/math/filter.hpp"

namespace thon {

using math::FilterKind;
using math::FilterSpec;

/// Per-shell averages: value[r] = mean over the elements of shell r, count[r] = their number.
struct RadialProfile {
  std::vector<double> value;
  std::vector<std::int64_t> count;
};
struct ComplexRadialProfile {
  std::vector<Complex<double>> value;
  std::vector<std::int64_t> count;
};

enum class ConvolveMode { full, same };

// ---- Filter construction (host) ------------------------------------------------------------

/// Width of a raised-cosine edge given in Fourier pixels of an n box at pixel size p, in cycles/Å.
double edge_width_per_A(double width_px, int box, double pixel_size_A);
/// Low-pass keeping resolutions coarser than `resolution_A` (weight 1/2 at 1/resolution_A).
FilterSpec make_lowpass(double resolution_A, double edge_width_per_A = 0);
/// High-pass removing resolutions coarser than `resolution_A`.
FilterSpec make_highpass(double resolution_A, double edge_width_per_A = 0);
/// Band-pass keeping resolutions between `coarse_A` (> fine_A) and `fine_A`.
FilterSpec make_bandpass(double coarse_A, double fine_A, double edge_width_per_A = 0);
/// Gaussian low-pass exp(-s^2 / (2 sigma^2)), sigma in cycles/Å.
FilterSpec make_gaussian(double sigma_per_A);
/// B-factor exp(-B s^2 / 4): B > 0 blurs, B < 0 sharpens.
FilterSpec make_bfactor(double bfactor_A2);

namespace ops {

/// Multiplies the spectrum of each array by filter_weight(spec, |s|), in place.
void apply_filter(Device device, float* data, const Shape& shape, double pixel_size_A,
                  const FilterSpec& spec);
void apply_filter(Device device, Image<float>& image, const FilterSpec& spec);
void apply_filter(Device device, ImageStack<float>& stack, const FilterSpec& spec);
void apply_filter(Device device, Volume<float>& volume, const FilterSpec& spec);

/// Translates each array by phase shift so that out(x) = in(x + shift_A) (periodic; DESIGN.md
/// section 3: an image with origin shift o becomes centred). shift in Å, (x, y, z).
void translate(Device device, float* data, const Shape& shape, double pixel_size_A,
               const Vec3<double>& shift_A);

/// Radial average of |F(k)|^2 (unnormalised forward FFT) over the full spectrum, averaged over the
/// batch; shell r = round(|k|) in Fourier pixels of x, up to the corner of the box.
RadialProfile power_spectrum_profile(Device device, const float* data, const Shape& shape);
/// Radial average of a real array about its origin (index n/2 on each axis), batch averaged.
RadialProfile radial_average(Device device, const float* data, const Shape& shape);
/// Radial average of a full complex spectrum in wrapped (c2c) layout, batch averaged.
ComplexRadialProfile radial_average(Device device, const Complex<float>* data, const Shape& shape);
/// |F(k)|^2 averaged over the batch, in the centred layout (DC at index n/2): one nx*ny*nz array.
std::vector<float> centred_power_spectrum(Device device, const float* data, const Shape& shape);

/// Fourier crop (out smaller) or pad (out larger) of each array: keeps the frequencies both grids
/// share, so the pixel size becomes p * n_in / n_out; values are scaled by N_out / N_in so a
/// constant stays the same constant (real-space intensities are preserved). `out` holds
/// out_shape.total() values; batches must match.
void fourier_resize(Device device, const float* in, const Shape& in_shape, float* out,
                    const Shape& out_shape);
/// Image / volume versions; the result carries the new pixel size p * nx_in / nx_out.
Image<float> fourier_resize(Device device, const Image<float>& image, int nx, int ny);
Volume<float> fourier_resize(Device device, const Volume<float>& volume, int nx, int ny, int nz);

/// Output shape of the linear convolution of `image` with `kernel`: full = n + m - 1 per axis,
/// same = the image shape (the full result from index m/2 on: the kernel origin is its index m/2).
Shape convolution_shape(const Shape& image, const Shape& kernel, ConvolveMode mode);
/// Linear convolution out = image * kernel by FFT, zero-padded to n + m - 1 (no wrap-around).
/// One array each (batch 1), 1D, 2D or 3D; `out` holds convolution_shape(...).total() values.
void convolve_fft(Device device, const float* image, const Shape& image_shape, const float* kernel,
                  const Shape& kernel_shape, float* out, ConvolveMode mode);
/// The same by the direct real-space sum (O(N M); reference, cpu and cuda).
void convolve_direct(Device device, const float* image, const Shape& image_shape,
                     const float* kernel, const Shape& kernel_shape, float* out, ConvolveMode mode);

}  // namespace ops
}  // namespace thon
