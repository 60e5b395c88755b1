// Images/s of the projection-method simulation (`thon simulate` without the disk): central slices of
// the padded potential (ops::FourierProjector) + image formation (ops::form_images: CTF, shift,
// detector, noise, inverse FFT), per batch of images, on the CPU backend; the two stages alone too.
// The potential map is the built-in helix bundle at the box's pixel size (fitting the box).
// Plan creation and the projector's setup (pad + 3D FFT, once per run) are outside the timed loop.
#include <benchmark/benchmark.h>

#include <vector>

#include "thon/io/model.hpp"
#include "thon/math/electron.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/detector.hpp"
#include "thon/ops/potential.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/sampling.hpp"
#include "thon/ops/simulate.hpp"

namespace {

using namespace thon;

constexpr int kBatch = 64;

struct Setup {
  int box;
  double pixel_A;
  ops::FourierProjector<float> projector;
  std::vector<Mat3<double>> poses;
  std::vector<ops::ImageParticle> particles;
  ops::ImageFormationSetup form;
  std::vector<Complex<float>> slices;
  std::vector<float> images;

  static Volume<float> potential(int box, double pixel_A) {
    const auto atoms = ops::builtin_helix_bundle();
    ops::PotentialGrid g;
    g.nx = g.ny = g.nz = box;
    g.pixel_size_A = pixel_A;
    g.centre_A = io::centre_of_mass(atoms);
    return ops::atom_potential(Device::cpu, atoms, g);
  }

  Setup(int box_, bool noise)
      : box(box_), pixel_A(160.0 / box_), projector(Device::cpu, potential(box_, 160.0 / box_)) {
    const auto euler = random_orientations(kBatch, 7);
    for (int i = 0; i < kBatch; ++i) {
      poses.push_back(math::euler_to_matrix(euler[i].rot_deg, euler[i].tilt_deg, euler[i].psi_deg));
      ops::ImageParticle p;
      p.ctf.defocus_u_A = 15000 + 100 * i;
      p.ctf.defocus_v_A = 14500 + 100 * i;
      p.ctf.defocus_angle_deg = 3.0 * i;
      p.ctf.prepare();
      p.origin_x_A = 0.1 * i;
      p.origin_y_A = -0.05 * i;
      p.index = i;
      particles.push_back(p);
    }
    form.box = box;
    form.pixel_size_A = pixel_A;
    form.contrast_scale = 2 * math::interaction_constant_kV(300) * pixel_A;
    form.detector = ops::ideal_detector();
    form.noise = noise ? math::ImageNoise::poisson : math::ImageNoise::none;
    form.dose_e_per_A2 = 40;
    form.seed = 1;
    slices.resize(std::size_t(kBatch) * projector.params().slice_size());
    images.resize(std::size_t(kBatch) * box * box);
  }
  void project() { projector.project(poses, slices.data()); }
  void form_images() { ops::form_images(Device::cpu, form, particles.data(), kBatch, slices.data(), images.data()); }
};

void counters(benchmark::State& state, int box) {
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * kBatch * std::int64_t(box) * box * 4);
}

// Projection + image formation: what `thon simulate` does per image (disk excluded).
void BM_SimulateImages(benchmark::State& state) {
  const int box = int(state.range(0));
  Setup s(box, state.range(1) != 0);
  s.project();
  s.form_images();  // FFTW plans made here, outside the timing
  for (auto _ : state) {
    s.project();
    s.form_images();
    benchmark::DoNotOptimize(s.images.data());
  }
  counters(state, box);
}
BENCHMARK(BM_SimulateImages)->ArgNames({"box", "poisson"})->Args({128, 0})->Args({128, 1})->Args({256, 0})->Args({256, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SimulateProjectOnly(benchmark::State& state) {
  const int box = int(state.range(0));
  Setup s(box, false);
  s.project();
  for (auto _ : state) {
    s.project();
    benchmark::DoNotOptimize(s.slices.data());
  }
  counters(state, box);
}
BENCHMARK(BM_SimulateProjectOnly)->ArgNames({"box"})->Arg(128)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SimulateFormImagesOnly(benchmark::State& state) {
  const int box = int(state.range(0));
  Setup s(box, state.range(1) != 0);
  s.project();
  s.form_images();
  for (auto _ : state) {
    s.form_images();
    benchmark::DoNotOptimize(s.images.data());
  }
  counters(state, box);
}
BENCHMARK(BM_SimulateFormImagesOnly)->ArgNames({"box", "poisson"})->Args({128, 0})->Args({128, 1})->Args({256, 0})->Args({256, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
