// CUDA reconstruction, resident on the device from the first copy of a batch to the finished maps.
//
// Insertion: a batch is copied into pinned host memory (one of two slots), sent to the device on a
// copy stream, and computed on a compute stream that waits for that copy only, so the copy of
// batch i+1 (and the host's reading of it) overlaps the compute of batch i. On the device:
// padding (math::PadImages), batched r2c cuFFT (plans cached per batch size, made once),
// the CTF (math::CtfImageKernel) when given by its parameters, centring phase and CTF weighting
// (math::PrepareSample), and the tiled scatter (math/reconstruct_tiles.hpp): one block owns one
// accumulator tile, adds into shared memory, and adds the tile to global memory once without
// atomics. The formulas are the CPU's: the functors are the same.
//
// Inversion (CudaMapMaker): Hermitian completion, shell weights, regularised division, inverse
// 3D cuFFT, crop with gridding correction, soft edge, mask, FSC, all on the device; the shell
// statistics, FSC curves and finished maps come back.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "cuda/check.cuh"
#include "cuda/fft.hpp"
#include "cuda/filter.hpp"
#include "cuda/parallel.cuh"
#include "cuda/reconstruct.hpp"
#include "cuda/shell_sums.cuh"
#include "thon/core/array.hpp"
#include "thon/core/stages.hpp"
#include "thon/math/reconstruct_invert.hpp"
#include "thon/math/reconstruct_tiles.hpp"

namespace thon::cuda {
namespace {

using Cf = Complex<float>;

/// Shared-memory add of the tile policy (the host branch only lets the functor compile for
/// Thrust's host instantiation; it never runs).
struct SharedAtomicAdd {
  THON_HD void operator()(float* p, float v) const {
#if defined(__CUDA_ARCH__)
    atomicAdd(p, v);
#else
    *p += v;
#endif
  }
};

constexpr int kTileThreads = 256;

/// One block per accumulator tile; warps take the image orientations of the batch in turn and
/// their lanes the candidate samples (math::tile_rect), every write through InsertSample with the
/// TileAccumulate policy into shared memory; then the tile is added to the accumulators (plain
/// adds: no other block of this launch writes these voxels).
__global__ void __launch_bounds__(kTileThreads) insert_tiles_kernel(math::InsertTiling tl,
                                                                    math::InsertSample<math::PlainAdd> ins,
                                                                    long long n_io) {
  __shared__ float sums[6 * math::kTileVoxels];
  __shared__ float cx[math::kMaxTileCentres], cy[math::kMaxTileCentres], cz[math::kMaxTileCentres];
  __shared__ int s_nc;
  __shared__ float s_radius;
  const index_t t = index_t(blockIdx.x) + index_t(blockIdx.y) * gridDim.x;
  if (t >= tl.n_tiles()) return;
  if (threadIdx.x == 0) s_nc = math::tile_centres(tl, t, cx, cy, cz, s_radius);
  __syncthreads();
  const int nc = s_nc;
  if (nc == 0) return;  // the whole block: no sample reaches this tile
  const float radius = s_radius;
  for (int v = threadIdx.x; v < 6 * math::kTileVoxels; v += blockDim.x) sums[v] = 0.f;
  __syncthreads();

  const auto local = math::tile_insert_sample<SharedAtomicAdd>(tl, ins, t, sums);
  const auto& acc = local.add;

  const index_t per = tl.g.image_half_size();
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n_warps = blockDim.x / 32;
  for (long long io = warp; io < n_io; io += n_warps) {
    const float* r = ins.rows + 6 * io;
    for (int j = 0; j < nc; ++j) {
      const math::TileRect rect = math::tile_rect(tl.g, r, cx[j], cy[j], cz[j], radius);
      const index_t area = rect.area();
      const int w = rect.kx1 - rect.kx0 + 1;
      for (index_t s = lane; s < area; s += 32) {
        const int kx = rect.kx0 + int(s % w), ky = rect.ky0 + int(s / w);
        if (math::in_earlier_rect(tl.g, r, j, cx, cy, cz, radius, kx, ky)) continue;
        local(index_t(io) * per + math::sample_pixel(tl.g, kx, ky));
      }
    }
  }
  __syncthreads();
  for (int v = threadIdx.x; v < math::kTileVoxels; v += blockDim.x)
    math::flush_tile_voxel(tl, acc.x0, acc.y0, acc.z0, acc.dx, acc.dy, acc.dz, v, sums, ins.data0, ins.weight0,
                           ins.data1, ins.weight1);
}

/// RAII owners of a stream, an event and a pinned host allocation.
class Stream {
 public:
  Stream() { THON_CUDA_CHECK(cudaStreamCreate(&s_)); }
  ~Stream() { cudaStreamDestroy(s_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_{};
};
class Event {
 public:
  Event() { THON_CUDA_CHECK(cudaEventCreateWithFlags(&e_, cudaEventDisableTiming)); }
  ~Event() { cudaEventDestroy(e_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_{};
};
class Pinned {
 public:
  Pinned() = default;
  explicit Pinned(std::size_t bytes) : bytes_(bytes) {
    if (bytes) THON_CUDA_CHECK(cudaHostAlloc(&p_, bytes, cudaHostAllocDefault));
  }
  ~Pinned() {
    if (p_) cudaFreeHost(p_);
  }
  Pinned(const Pinned&) = delete;
  Pinned& operator=(const Pinned&) = delete;
  Pinned(Pinned&& o) noexcept { *this = std::move(o); }
  Pinned& operator=(Pinned&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  char* get() const { return static_cast<char*>(p_); }

 private:
  void* p_ = nullptr;
  std::size_t bytes_ = 0;
};

/// Byte offset of each part of a staged chunk of `cap` images (pinned and device alike).
struct SlotLayout {
  std::size_t images = 0, ctf = 0, params = 0, phase_x = 0, phase_y = 0, rows = 0, half = 0, total = 0;
  SlotLayout() = default;
  SlotLayout(const math::InsertGeometry& g, int cap, int n_orient) {
    auto align = [](std::size_t b) { return (b + 255) & ~std::size_t(255); };
    std::size_t o = 0;
    images = o, o = align(o + sizeof(float) * std::size_t(cap) * g.n * g.n);
    ctf = o, o = align(o + sizeof(float) * std::size_t(cap) * std::size_t(g.image_half_size()));
    params = o, o = align(o + sizeof(math::CtfParams) * std::size_t(cap));
    phase_x = o, o = align(o + sizeof(Cf) * std::size_t(cap) * g.hx());
    phase_y = o, o = align(o + sizeof(Cf) * std::size_t(cap) * g.m);
    rows = o, o = align(o + sizeof(float) * 6 * std::size_t(cap) * n_orient);
    half = o, o = align(o + sizeof(int) * std::size_t(cap));
    total = o;
  }
};

/// Images per chunk: a quarter of the free device memory after the accumulators (two staging
/// slots plus the compute buffers and cuFFT's work area per image), at most 1024 and at most
/// 256 MiB of pinned host memory per slot.
int chunk_capacity(const math::InsertGeometry& g, int n_orient, std::size_t free_bytes) {
  const SlotLayout one(g, 1, n_orient);
  const std::size_t per_image =
      2 * one.total + sizeof(float) * std::size_t(g.m) * g.m + (8 + 4 + 12 + 8) * std::size_t(g.image_half_size());
  const std::size_t by_device = free_bytes / 4 / per_image;
  const std::size_t by_pinned = (std::size_t(256) << 20) / one.total;
  return int(std::max<std::size_t>(1, std::min<std::size_t>({by_device, by_pinned, 1024})));
}

class CudaInserter final : public ops::FourierInserter {
 public:
  CudaInserter(const ops::ReconstructGeometry& geom, const std::vector<Mat3<double>>& sym)
      : ops::FourierInserter(geom), g_(geom.insert_geometry()), sym_(sym) {
    if (sym_.empty()) sym_.push_back(Mat3<double>::identity());
    std::size_t free_b = 0, total_b = 0;
    THON_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    const std::size_t need = 2 * (sizeof(Cf) + sizeof(float)) * std::size_t(g_.acc_voxels());
    THON_CHECK_CODE(need < free_b, out_of_memory, "reconstruct: the half-set accumulators need ", need >> 20,
                    " MiB of GPU memory, ", free_b >> 20, " MiB free");
    for (int h = 0; h < 2; ++h) {
      data_[h] = Buffer<Cf, Memory::device>(g_.acc_voxels());
      weight_[h] = Buffer<float, Memory::device>(g_.acc_voxels());
      THON_CUDA_CHECK(cudaMemsetAsync(data_[h].data(), 0, data_[h].bytes(), compute_.get()));
      THON_CUDA_CHECK(cudaMemsetAsync(weight_[h].data(), 0, weight_[h].bytes(), compute_.get()));
    }
    cap_ = chunk_capacity(g_, int(sym_.size()), free_b - need);
  }

  ~CudaInserter() override { cudaDeviceSynchronize(); }  // no kernel may outlive the buffers

  int preferred_batch() const override { return cap_; }

  void insert(const float* images, const float* ctf, const ops::InsertPose* poses, int n) override {
    for (int c0 = 0; c0 < n; c0 += cap_) {
      const int c = std::min(cap_, n - c0);
      chunk(images + std::size_t(c0) * g_.n * g_.n, ctf ? ctf + std::size_t(c0) * g_.image_half_size() : nullptr,
            nullptr, 0.0, poses + c0, c);
    }
  }

  void insert_ctf(const float* images, const math::CtfParams* ctf, const ops::InsertPose* poses, int n) override {
    const double pixel_size_A = geometry().pixel_size_A;
    for (int c0 = 0; c0 < n; c0 += cap_) {
      const int c = std::min(cap_, n - c0);
      chunk(images + std::size_t(c0) * g_.n * g_.n, nullptr, ctf ? ctf + c0 : nullptr, pixel_size_A, poses + c0, c);
    }
  }

  ops::FourierAccumulator accumulator(int h) override {
    THON_CHECK(h == 0 || h == 1, "reconstruct: half-set ", h, " is not 0 or 1");
    THON_CHECK(!weight_[h].empty(), "reconstruct: the sums of half-set ", h, " were already taken");
    finish();
    ops::FourierAccumulator out(g_);
    out.data.copy_from(data_[h]);
    out.weight.copy_from(weight_[h]);
    stage_record("reconstruct.accumulator", StageSite::device, 0, data_[h].bytes() + weight_[h].bytes());
    data_[h] = Buffer<Cf, Memory::device>();  // free the GPU memory of this half
    weight_[h] = Buffer<float, Memory::device>();
    out.n_images = n_images_[h];
    return out;
  }

  /// Waits for every queued chunk and frees the staging and batch buffers.
  void finish() {
    THON_CUDA_CHECK(cudaStreamSynchronize(copy_.get()));
    THON_CUDA_CHECK(cudaStreamSynchronize(compute_.get()));
    for (Slot& s : slots_) {
      s.host = Pinned();
      s.dev = Buffer<char, Memory::device>();
    }
    d_padded_ = Buffer<float, Memory::device>();
    d_fft_ = Buffer<Cf, Memory::device>();
    d_ctf_ = Buffer<float, Memory::device>();
    d_prepared_ = Buffer<float, Memory::device>();
  }

  const math::InsertGeometry& insert_geometry() const { return g_; }
  Cf* data(int h) { return data_[h].data(); }
  float* weight(int h) { return weight_[h].data(); }

 private:
  struct Slot {
    Pinned host;
    Buffer<char, Memory::device> dev;
    Event copied, done;
  };

  void allocate() {
    layout_ = SlotLayout(g_, cap_, int(sym_.size()));
    for (Slot& s : slots_) {
      s.host = Pinned(layout_.total);
      s.dev = Buffer<char, Memory::device>(index_t(layout_.total));
    }
    const index_t per = g_.image_half_size();
    if (g_.m != g_.n) d_padded_ = Buffer<float, Memory::device>(index_t(cap_) * g_.m * g_.m);
    d_fft_ = Buffer<Cf, Memory::device>(index_t(cap_) * per);
    d_ctf_ = Buffer<float, Memory::device>(index_t(cap_) * per);
    d_prepared_ = Buffer<float, Memory::device>(3 * index_t(cap_) * per);
  }

  void chunk(const float* images, const float* ctf_values, const math::CtfParams* ctf_params, double pixel_size_A,
             const ops::InsertPose* poses, int c) {
    if (c <= 0) return;
    if (d_fft_.empty()) allocate();
    const int n = g_.n, m = g_.m, hx = g_.hx(), n_orient = int(sym_.size());
    const index_t per = g_.image_half_size();
    Slot& s = slots_[next_];
    next_ ^= 1;
    // The slot is free once the chunk that used it two calls ago has been computed (its copy
    // finished before that compute started).
    THON_CUDA_CHECK(cudaEventSynchronize(s.done.get()));

    char* h = s.host.get();
    std::memcpy(h + layout_.images, images, sizeof(float) * std::size_t(c) * n * n);
    if (ctf_values) std::memcpy(h + layout_.ctf, ctf_values, sizeof(float) * std::size_t(c) * std::size_t(per));
    if (ctf_params) std::memcpy(h + layout_.params, ctf_params, sizeof(math::CtfParams) * std::size_t(c));
    auto* px = reinterpret_cast<Cf*>(h + layout_.phase_x);
    auto* py = reinterpret_cast<Cf*>(h + layout_.phase_y);
    auto* rows = reinterpret_cast<float*>(h + layout_.rows);
    auto* half = reinterpret_cast<int*>(h + layout_.half);
    for (int i = 0; i < c; ++i) {
      THON_CHECK(poses[i].half == 0 || poses[i].half == 1, "reconstruct: half-set ", poses[i].half, " of image ", i,
                 " is not 0 or 1");
      math::centring_phase_tables(g_, float(poses[i].shift_x_px), float(poses[i].shift_y_px),
                                  px + std::size_t(i) * hx, py + std::size_t(i) * m);
      half[i] = poses[i].half;
      ++n_images_[half[i]];
      for (int o = 0; o < n_orient; ++o)
        math::insert_rows(g_, poses[i].A * sym_[std::size_t(o)], rows + 6 * (std::size_t(i) * n_orient + o));
    }

    // Copy stream: the parts this chunk uses.
    char* d = s.dev.data();
    std::uint64_t h2d = 0;
    auto put = [&](std::size_t off, std::size_t bytes) {
      THON_CUDA_CHECK(cudaMemcpyAsync(d + off, h + off, bytes, cudaMemcpyHostToDevice, copy_.get()));
      h2d += bytes;
    };
    put(layout_.images, sizeof(float) * std::size_t(c) * n * n);
    if (ctf_values) put(layout_.ctf, sizeof(float) * std::size_t(c) * std::size_t(per));
    if (ctf_params) put(layout_.params, sizeof(math::CtfParams) * std::size_t(c));
    put(layout_.phase_x, sizeof(Cf) * std::size_t(c) * hx);
    put(layout_.phase_y, sizeof(Cf) * std::size_t(c) * m);
    put(layout_.rows, sizeof(float) * 6 * std::size_t(c) * n_orient);
    put(layout_.half, sizeof(int) * std::size_t(c));
    THON_CUDA_CHECK(cudaEventRecord(s.copied.get(), copy_.get()));
    stage_record("reconstruct.upload", StageSite::device, h2d, 0);

    // Compute stream, after this chunk's copy only.
    cudaStream_t st = compute_.get();
    THON_CUDA_CHECK(cudaStreamWaitEvent(st, s.copied.get(), 0));
    const float* d_images = reinterpret_cast<const float*>(d + layout_.images);
    if (m != n) {
      parallel_for(policy(st), index_t(c) * m * m, math::PadImages{d_images, n, m, d_padded_.data()});
      THON_CUDA_LAUNCH_CHECK();
      d_images = d_padded_.data();
      stage_record("reconstruct.pad", StageSite::device);
    }
    fft_r2c_device(d_images, d_fft_.data(), Shape{m, m, 1, c}, st);
    stage_record("reconstruct.fft2d", StageSite::device);
    const float* d_ctf = nullptr;
    if (ctf_values) d_ctf = reinterpret_cast<const float*>(d + layout_.ctf);
    if (ctf_params) {
      const auto* d_params = reinterpret_cast<const math::CtfParams*>(d + layout_.params);
      parallel_for(policy(st), index_t(c) * per,
                   math::CtfImageKernel{d_params, m, pixel_size_A, d_ctf_.data(), g_.r_max_image()});
      THON_CUDA_LAUNCH_CHECK();
      d_ctf = d_ctf_.data();
      stage_record("reconstruct.ctf", StageSite::device);
    }
    const math::PrepareSample prep{g_, d_fft_.data(), d_ctf, reinterpret_cast<const Cf*>(d + layout_.phase_x),
                                   reinterpret_cast<const Cf*>(d + layout_.phase_y), d_prepared_.data()};
    parallel_for(policy(st), index_t(c) * per, prep);
    THON_CUDA_LAUNCH_CHECK();
    stage_record("reconstruct.prepare", StageSite::device);

    const math::InsertSample<math::PlainAdd> ins{g_,
                                                 d_prepared_.data(),
                                                 reinterpret_cast<const float*>(d + layout_.rows),
                                                 n_orient,
                                                 reinterpret_cast<const int*>(d + layout_.half),
                                                 data_[0].data(),
                                                 weight_[0].data(),
                                                 data_[1].data(),
                                                 weight_[1].data(),
                                                 {}};
    const math::InsertTiling tl{g_};
    const index_t tiles = tl.n_tiles();
    const dim3 grid(unsigned(std::min<index_t>(tiles, 65535)), unsigned((tiles + 65534) / 65535));
    insert_tiles_kernel<<<grid, kTileThreads, 0, st>>>(tl, ins, (long long)c * n_orient);
    THON_CUDA_LAUNCH_CHECK();
    stage_record("reconstruct.insert", StageSite::device);
    THON_CUDA_CHECK(cudaEventRecord(s.done.get(), st));
  }

  math::InsertGeometry g_;
  std::vector<Mat3<double>> sym_;
  Stream copy_, compute_;
  Buffer<Cf, Memory::device> data_[2];
  Buffer<float, Memory::device> weight_[2];
  int cap_ = 1;
  SlotLayout layout_;
  Slot slots_[2];
  int next_ = 0;
  Buffer<float, Memory::device> d_padded_, d_ctf_, d_prepared_;
  Buffer<Cf, Memory::device> d_fft_;
  std::int64_t n_images_[2] = {0, 0};
};

// ---------------------------------------------------------------------------------------------

/// Two-value reduction of the soft edge (weight, weight * value) as a one-shell shell functor.
struct EdgeSums {
  static constexpr int K = 2;
  math::EdgeBackgroundTerm term;
  THON_HD bool operator()(index_t i, int& shell, double* v, int& count) const {
    term(i, v[0], v[1]);
    shell = 0;
    count = 1;
    return true;
  }
};

template <class F>
void run(index_t n, const F& f) {
  parallel_for(policy(), n, f);
  THON_CUDA_LAUNCH_CHECK();
}

class CudaMapMaker final : public ops::MapMaker {
 public:
  explicit CudaMapMaker(std::unique_ptr<ops::FourierInserter> inserter) : inserter_(std::move(inserter)) {
    ins_ = dynamic_cast<CudaInserter*>(inserter_.get());
    THON_CHECK_CODE(ins_ != nullptr, internal, "cuda::make_map_maker: the inserter is not the CUDA one");
    ins_->finish();
    g_ = ins_->insert_geometry();
    const int h = g_.np() / 2;
    for (int half = 0; half < 2; ++half)
      run(index_t(h) * (2 * h - 1), math::HermitianPlanePair{g_, ins_->data(half), ins_->weight(half)});
    stage_record("reconstruct.hermitian", StageSite::device);
  }

  std::vector<double> shell_mean_weight(int halves) override {
    check_halves(halves);
    const int ns = g_.r_max + 1;
    std::vector<double> sums(std::size_t(ns), 0.0), mean(std::size_t(ns), 0.0);
    std::vector<std::int64_t> counts(std::size_t(ns), 0);
    const math::ShellWeightTerm f{g_, ins_->weight(halves & 1 ? 0 : 1), halves == 3 ? ins_->weight(1) : nullptr};
    shell_sums(g_.acc_voxels(), ns, f, sums.data(), counts.data());
    for (int s = 0; s < ns; ++s) mean[std::size_t(s)] = counts[std::size_t(s)] > 0 ? sums[std::size_t(s)] / double(counts[std::size_t(s)]) : 0.0;
    stage_record("reconstruct.shell_weight", StageSite::device, 0, sums.size() * (sizeof(double) + sizeof(std::int64_t)));
    return mean;
  }

  void invert(int slot, int halves, const std::vector<double>& inv_tau2) override {
    const std::vector<double> mean_w = shell_mean_weight(halves);
    const int ns = g_.r_max + 1, np = g_.np();
    std::vector<float> it2(std::size_t(ns), 0.f), floor(std::size_t(ns), 0.f);
    for (int s = 0; s < ns; ++s) {  // as ops::invert's fill_spectrum
      it2[std::size_t(s)] = std::size_t(s) < inv_tau2.size() ? float(inv_tau2[std::size_t(s)]) : 0.f;
      float f = float(ops::kWeightFloorFraction * mean_w[std::size_t(s)]);
      if (!(f > 1e-30f)) f = 1e-30f;
      floor[std::size_t(s)] = f;
    }
    Buffer<float, Memory::device> d_it2(ns), d_floor(ns);
    THON_CUDA_CHECK(cudaMemcpy(d_it2.data(), it2.data(), d_it2.bytes(), cudaMemcpyHostToDevice));
    THON_CUDA_CHECK(cudaMemcpy(d_floor.data(), floor.data(), d_floor.bytes(), cudaMemcpyHostToDevice));
    Buffer<Cf, Memory::device> spec(g_.acc_voxels());
    const bool a = halves & 1, b = halves & 2;
    run(g_.acc_voxels(), math::FillSpectrum{g_, ins_->data(a ? 0 : 1), ins_->weight(a ? 0 : 1),
                                            a && b ? ins_->data(1) : nullptr, a && b ? ins_->weight(1) : nullptr,
                                            d_it2.data(), d_floor.data(), spec.data()});
    stage_record("reconstruct.divide", StageSite::device, d_it2.bytes() + d_floor.bytes(), 0);
    Buffer<float, Memory::device> real(index_t(np) * np * np);
    fft_c2r_device(spec.data(), real.data(), Shape{np, np, np, 1});  // destroys spec; 1/N applied
    stage_record("reconstruct.fft3d", StageSite::device);
    spec = Buffer<Cf, Memory::device>();
    Buffer<float, Memory::device> map(index_t(g_.n) * g_.n * g_.n);
    run(map.size(), math::CropCorrect{g_, real.data(), map.data()});
    stage_record("reconstruct.gridding", StageSite::device);
    maps_[slot] = std::move(map);
  }

  void soften_outside_sphere(int slot, double radius_px) override {
    THON_CHECK(radius_px > 0, "soften_outside_sphere: radius ", radius_px, " must be positive");
    float* m = map(slot);
    const math::EdgeBackgroundTerm term{m, g_.n, radius_px, ops::kEdgeMaskWidthPx};
    double sums[2];
    std::int64_t count = 0;
    shell_sums(index_t(g_.n) * g_.n * g_.n, 1, EdgeSums{term}, sums, &count);
    if (sums[0] > 0) run(index_t(g_.n) * g_.n * g_.n, math::EdgeBlend{m, g_.n, radius_px, ops::kEdgeMaskWidthPx, sums[1] / sums[0]});
    stage_record("reconstruct.edge_mask", StageSite::device);
  }

  void set_mask(const Volume<float>& mask) override {
    THON_CHECK(mask.size() == index_t(g_.n) * g_.n * g_.n, "reconstruct: the mask has ", mask.size(),
               " voxels, the map ", index_t(g_.n) * g_.n * g_.n);
    mask_ = Buffer<float, Memory::device>(mask.size());
    mask_.copy_from(mask.buffer());
    stage_record("reconstruct.mask", StageSite::device, mask_.bytes(), 0);
  }

  void multiply_mask(int dst, int src) override {
    THON_CHECK(!mask_.empty(), "reconstruct: multiply_mask before set_mask");
    const float* a = map(src);
    if (dst != src) maps_[dst] = Buffer<float, Memory::device>(mask_.size());
    run(mask_.size(), math::MultiplyMask{a, mask_.data(), map(dst)});
    stage_record("reconstruct.mask", StageSite::device);
  }

  std::vector<double> fsc(int a, int b) override {
    const Shape s{g_.n, g_.n, g_.n, 1};
    std::vector<double> sums;
    std::vector<std::int64_t> counts;
    fsc_sums_device(map(a), map(b), s, sums, counts);
    std::vector<double> f(counts.size(), 0.0);
    for (std::size_t r = 0; r < counts.size(); ++r) {  // as ops::fsc
      const double den = std::sqrt(sums[3 * r + 1] * sums[3 * r + 2]);
      f[r] = den > 0 ? sums[3 * r] / den : 0.0;
    }
    stage_record("reconstruct.fsc", StageSite::device, 0, sums.size() * sizeof(double));
    return f;
  }

  Volume<float> take(int slot) override {
    Volume<float> v = Volume<float>::cube(g_.n, 1.0);
    const float* m = map(slot);
    THON_CUDA_CHECK(cudaMemcpy(v.data(), m, sizeof(float) * std::size_t(v.size()), cudaMemcpyDeviceToHost));
    stage_record("reconstruct.maps", StageSite::device, 0, sizeof(float) * std::uint64_t(v.size()));
    maps_.erase(slot);
    return v;
  }
  void release(int slot) override { maps_.erase(slot); }

 private:
  static void check_halves(int halves) {
    THON_CHECK(halves >= 1 && halves <= 3, "reconstruct: half-set mask ", halves, " is not 1, 2 or 3");
  }
  float* map(int slot) {
    auto it = maps_.find(slot);
    THON_CHECK_CODE(it != maps_.end(), internal, "reconstruct: map slot ", slot, " is empty");
    return it->second.data();
  }

  std::unique_ptr<ops::FourierInserter> inserter_;
  CudaInserter* ins_ = nullptr;
  math::InsertGeometry g_;
  std::map<int, Buffer<float, Memory::device>> maps_;
  Buffer<float, Memory::device> mask_;
};

}  // namespace

std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry) {
  return std::make_unique<CudaInserter>(g, symmetry);
}

std::unique_ptr<ops::MapMaker> make_map_maker(std::unique_ptr<ops::FourierInserter> inserter) {
  return std::make_unique<CudaMapMaker>(std::move(inserter));
}

}  // namespace thon::cuda
