// Back-projection by accumulator tiles (the GPU's insertion without global atomics): the padded
// half-complex accumulator is cut into tiles of kTileX x kTileY x kTileZ stored voxels; one worker
// (a CUDA block) owns one tile, adds every sample of the batch that can touch it into a private
// copy (shared memory), and adds the copy to the accumulator once: each voxel is written by one
// worker per batch, so the global adds need no atomics.
//
// Which samples can touch a tile: a sample (kx, ky) of image orientation `rows` sits at
// q = kx r0 + ky r1 (math::insert_position, |r0| = |r1| = s, the sample scale, r0 . r1 = 0) and
// its kernel writes voxels within s/2 per axis of q, or (math::visit_fourier_3d's Hermitian and
// periodic bookkeeping) of -q and of q shifted by multiples of np. So a tile of centre c (signed
// frequencies; two or four pieces when the tile crosses the wrap of y or z) can receive writes
// only from samples within R (the tile's half-diagonal plus the kernel's reach) of
// c' = +-c + np (a, b, e), a, b, e in {-1, 0, 1}: a disc of the image plane
// around the projection of c', bounded by the rectangle TileRect. The rectangles of one tile are
// visited in order and a sample inside an earlier rectangle is skipped, so no sample is added
// twice. The writes themselves go through InsertSample (math/reconstruct_insert.hpp) with the
// TileAccumulate policy, which keeps the voxels of the tile and drops the others: the formula of
// each write is the scatter's, unchanged.
#pragma once

#include <cmath>
#include <cstdint>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/core/vec.hpp"
#include "thon/math/reconstruct_insert.hpp"

namespace thon::math {

inline constexpr int kTileX = 16, kTileY = 8, kTileZ = 8;
inline constexpr int kTileVoxels = kTileX * kTileY * kTileZ;
/// Candidate centres per tile: +-c and its 26 periodic images, for up to 4 pieces of a tile that
/// crosses the wrap of y and z.
inline constexpr int kMaxTileCentres = 4 * 54;

/// The tiling of one insertion geometry.
struct InsertTiling {
  InsertGeometry g;
  THON_HD int hxa() const { return g.np() / 2 + 1; }  ///< stored x columns of the accumulator
  THON_HD int ntx() const { return (hxa() + kTileX - 1) / kTileX; }
  THON_HD int nty() const { return (g.np() + kTileY - 1) / kTileY; }
  THON_HD int ntz() const { return (g.np() + kTileZ - 1) / kTileZ; }
  THON_HD index_t n_tiles() const { return index_t(ntx()) * nty() * ntz(); }
  /// Stored-index box [x0, x0 + dx) x [y0, y0 + dy) x [z0, z0 + dz) of tile t.
  THON_HD void box(index_t t, int& x0, int& y0, int& z0, int& dx, int& dy, int& dz) const {
    const int tx = int(t % ntx());
    const index_t r = t / ntx();
    const int ty = int(r % nty()), tz = int(r / nty());
    x0 = tx * kTileX;
    y0 = ty * kTileY;
    z0 = tz * kTileZ;
    dx = hxa() - x0 < kTileX ? hxa() - x0 : kTileX;
    dy = g.np() - y0 < kTileY ? g.np() - y0 : kTileY;
    dz = g.np() - z0 < kTileZ ? g.np() - z0 : kTileZ;
  }
  /// Largest distance from q at which a sample's kernel writes a voxel (per-axis reach s/2,
  /// Euclidean sqrt(3) s/2), with a margin for float rounding of q.
  THON_HD float reach() const { return 0.8661f * float(interp_support(g.kernel)) + 0.5f; }
};

/// Signed-frequency intervals of the stored indices [i0, i0 + d) of an axis of length np: index
/// i >= np - np/2 stands for i - np (visit_fourier_3d's wrap), so a run that crosses the wrap is
/// two intervals, far apart. Returns their number (1 or 2).
THON_HD int signed_runs(int i0, int d, int np, float* lo, float* hi) {
  const int w = np - np / 2;
  const int i1 = i0 + d - 1;
  if (i1 < w || i0 >= w) {
    const int s = i0 >= w ? np : 0;
    lo[0] = float(i0 - s);
    hi[0] = float(i1 - s);
    return 1;
  }
  lo[0] = float(i0);
  hi[0] = float(w - 1);
  lo[1] = float(w - np);
  hi[1] = float(i1 - np);
  return 2;
}

/// The candidate centres of tile t (signed grid coordinates) and the radius R around each within
/// which a sample can write into the tile: for each signed piece of the tile (one, or two or four
/// when it crosses the wrap of y or z), its centre c, then +-c and their periodic images within
/// reach of the samples. Returns the number of centres (0: no sample reaches the tile).
THON_HD int tile_centres(const InsertTiling& tl, index_t t, float* cx, float* cy, float* cz, float& radius) {
  int x0, y0, z0, dx, dy, dz;
  tl.box(t, x0, y0, z0, dx, dy, dz);
  const int np = tl.g.np();
  float ylo[2], yhi[2], zlo[2], zhi[2];
  const int ny = signed_runs(y0, dy, np, ylo, yhi), nz = signed_runs(z0, dz, np, zlo, zhi);
  const float xlo = float(x0), xhi = float(x0 + dx - 1);
  // One radius for every piece: the largest (conservative for the smaller pieces).
  radius = 0;
  for (int a = 0; a < ny; ++a)
    for (int b = 0; b < nz; ++b) {
      const float hx = 0.5f * (xhi - xlo), hy = 0.5f * (yhi[a] - ylo[a]), hz = 0.5f * (zhi[b] - zlo[b]);
      const float r = std::sqrt(hx * hx + hy * hy + hz * hz) + tl.reach();
      radius = r > radius ? r : radius;
    }
  // Samples lie within pad * r_max of the origin (PrepareSample zeroes the others).
  const float q_max = float(tl.g.sample_scale() * tl.g.r_max_image()) + 1.0f;
  int n = 0;
  for (int pa = 0; pa < ny; ++pa)
    for (int pb = 0; pb < nz; ++pb) {
      const float c[3] = {0.5f * (xlo + xhi), 0.5f * (ylo[pa] + yhi[pa]), 0.5f * (zlo[pb] + zhi[pb])};
      for (int sign = 1; sign >= -1; sign -= 2)
        for (int a = -1; a <= 1; ++a)
          for (int b = -1; b <= 1; ++b)
            for (int e = -1; e <= 1; ++e) {
              const float px = sign * c[0] + float(a * np), py = sign * c[1] + float(b * np),
                          pz = sign * c[2] + float(e * np);
              const float d = std::sqrt(px * px + py * py + pz * pz);
              if (d > q_max + radius) continue;
              cx[n] = px;
              cy[n] = py;
              cz[n] = pz;
              ++n;
            }
    }
  return n;
}

/// A rectangle of image samples, kx in [kx0, kx1], signed ky in [ky0, ky1] (inclusive; empty
/// when kx0 > kx1 or ky0 > ky1).
struct TileRect {
  int kx0 = 1, kx1 = 0, ky0 = 1, ky1 = 0;
  THON_HD bool empty() const { return kx0 > kx1 || ky0 > ky1; }
  THON_HD bool contains(int kx, int ky) const { return kx >= kx0 && kx <= kx1 && ky >= ky0 && ky <= ky1; }
  THON_HD index_t area() const { return empty() ? 0 : index_t(kx1 - kx0 + 1) * (ky1 - ky0 + 1); }
};

/// The samples of one image orientation (6 floats: r0, r1) within `radius` of the point p:
/// the plane's distance d to p, then the disc of radius sqrt(R^2 - d^2) / s around p's in-plane
/// coordinates, clipped to the r2c samples kx in [0, m/2], ky in [-(m/2), m - m/2 - 1].
THON_HD TileRect tile_rect(const InsertGeometry& g, const float* r, float px, float py, float pz, float radius) {
  TileRect out;
  const float s = float(g.sample_scale());
  const float s2 = s * s;
  // unit normal n = r0 x r1 / s^2
  const float nx = (r[1] * r[5] - r[2] * r[4]) / s2, ny = (r[2] * r[3] - r[0] * r[5]) / s2,
              nz = (r[0] * r[4] - r[1] * r[3]) / s2;
  const float d = px * nx + py * ny + pz * nz;
  if (d * d > radius * radius) return out;
  const float rho = std::sqrt(radius * radius - d * d) / s + 1e-3f;
  const float u = (px * r[0] + py * r[1] + pz * r[2]) / s2, v = (px * r[3] + py * r[4] + pz * r[5]) / s2;
  int kx0 = int(std::ceil(u - rho)), kx1 = int(std::floor(u + rho));
  int ky0 = int(std::ceil(v - rho)), ky1 = int(std::floor(v + rho));
  const int kx_max = g.m / 2, ky_min = -(g.m / 2), ky_max = g.m - g.m / 2 - 1;
  out.kx0 = kx0 < 0 ? 0 : kx0;
  out.kx1 = kx1 > kx_max ? kx_max : kx1;
  out.ky0 = ky0 < ky_min ? ky_min : ky0;
  out.ky1 = ky1 > ky_max ? ky_max : ky1;
  return out;
}

/// r2c pixel index of signed sample (kx, ky) of an m-pixel image.
THON_HD index_t sample_pixel(const InsertGeometry& g, int kx, int ky) {
  return index_t(ky < 0 ? ky + g.m : ky) * g.hx() + kx;
}

/// Accumulation policy of InsertSample for one tile: keeps the adds that land in the tile's
/// voxels, in `sums` (6 floats per tile voxel: re, im, weight of half 0, then of half 1, as
/// sums[(half * 3 + component) * kTileVoxels + local]), and drops the others. AddOp adds to the
/// private copy (plain += on the host, shared-memory atomicAdd on the GPU).
template <class AddOp>
struct TileAccumulate {
  std::uintptr_t data0 = 0, weight0 = 0, data1 = 0, weight1 = 0;  ///< the accumulators' addresses
  index_t voxels = 0;                                              ///< acc_voxels()
  int hxa = 0, np = 0;
  int x0 = 0, y0 = 0, z0 = 0, dx = 0, dy = 0, dz = 0;
  float* sums = nullptr;
  AddOp op;

  THON_HD void operator()(float* p, float v) const {
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t cbytes = std::uintptr_t(voxels) * 2 * sizeof(float), wbytes = std::uintptr_t(voxels) * sizeof(float);
    int half, comp;
    index_t vox;
    if (a >= data0 && a < data0 + cbytes) {
      const index_t f = index_t((a - data0) / sizeof(float));
      half = 0, comp = int(f & 1), vox = f >> 1;
    } else if (a >= data1 && a < data1 + cbytes) {
      const index_t f = index_t((a - data1) / sizeof(float));
      half = 1, comp = int(f & 1), vox = f >> 1;
    } else if (a >= weight0 && a < weight0 + wbytes) {
      half = 0, comp = 2, vox = index_t((a - weight0) / sizeof(float));
    } else {
      half = 1, comp = 2, vox = index_t((a - weight1) / sizeof(float));
    }
    const int x = int(vox % hxa) - x0;
    const index_t yz = vox / hxa;
    const int y = int(yz % np) - y0, z = int(yz / np) - z0;
    if (x < 0 || x >= dx || y < 0 || y >= dy || z < 0 || z >= dz) return;
    op(&sums[(half * 3 + comp) * kTileVoxels + (z * kTileY + y) * kTileX + x], v);
  }
};

/// Adds a tile's private sums to the accumulators (voxel `local` of the tile, 0 .. kTileVoxels).
THON_HD void flush_tile_voxel(const InsertTiling& tl, int x0, int y0, int z0, int dx, int dy, int dz, int local,
                              const float* sums, Complex<float>* data0, float* weight0, Complex<float>* data1,
                              float* weight1) {
  const int x = local % kTileX, y = (local / kTileX) % kTileY, z = local / (kTileX * kTileY);
  if (x >= dx || y >= dy || z >= dz) return;
  const index_t i = (index_t(z0 + z) * tl.g.np() + (y0 + y)) * tl.hxa() + (x0 + x);
  data0[i].re += sums[0 * kTileVoxels + local];
  data0[i].im += sums[1 * kTileVoxels + local];
  weight0[i] += sums[2 * kTileVoxels + local];
  data1[i].re += sums[3 * kTileVoxels + local];
  data1[i].im += sums[4 * kTileVoxels + local];
  weight1[i] += sums[5 * kTileVoxels + local];
}

}  // namespace thon::math

namespace thon::math {

/// The 6 floats of InsertSample's `rows` for orientation a (= A S): sample_scale times rows 0 and 1.
inline void insert_rows(const InsertGeometry& g, const Mat3<double>& a, float* r) {
  for (int c = 0; c < 3; ++c) {
    r[c] = float(g.sample_scale() * a.m[0][c]);
    r[3 + c] = float(g.sample_scale() * a.m[1][c]);
  }
}

/// True when sample (kx, ky) lies in the rectangle of an earlier centre (k < j) of the same tile
/// and orientation: that rectangle's pass has added it already.
THON_HD bool in_earlier_rect(const InsertGeometry& g, const float* r, int j, const float* cx, const float* cy,
                             const float* cz, float radius, int kx, int ky) {
  for (int k = 0; k < j; ++k)
    if (tile_rect(g, r, cx[k], cy[k], cz[k], radius).contains(kx, ky)) return true;
  return false;
}

/// The InsertSample of `ins` (same geometry, prepared samples and accumulators) whose adds go
/// into the tile sums `sums` of tile t (TileAccumulate<Add>): the one set-up of the CUDA kernel
/// (Add: shared-memory atomics) and of its host twin below (Add: plain +=).
template <class Add, class Insert>
THON_HD InsertSample<TileAccumulate<Add>> tile_insert_sample(const InsertTiling& tl, const Insert& ins, index_t t,
                                                              float* sums) {
  InsertSample<TileAccumulate<Add>> local;
  local.g = ins.g;
  local.prepared = ins.prepared;
  local.rows = ins.rows;
  local.n_orient = ins.n_orient;
  local.half = ins.half;
  local.data0 = ins.data0;
  local.weight0 = ins.weight0;
  local.data1 = ins.data1;
  local.weight1 = ins.weight1;
  TileAccumulate<Add>& acc = local.add;
  acc.data0 = reinterpret_cast<std::uintptr_t>(ins.data0);
  acc.weight0 = reinterpret_cast<std::uintptr_t>(ins.weight0);
  acc.data1 = reinterpret_cast<std::uintptr_t>(ins.data1);
  acc.weight1 = reinterpret_cast<std::uintptr_t>(ins.weight1);
  acc.voxels = tl.g.acc_voxels();
  acc.hxa = tl.hxa();
  acc.np = tl.g.np();
  tl.box(t, acc.x0, acc.y0, acc.z0, acc.dx, acc.dy, acc.dz);
  acc.sums = sums;
  return local;
}

/// The whole tiled insertion of one batch on the host, one tile after another (the order of the
/// GPU's blocks does not matter: each owns its tile): the CPU twin of the CUDA kernel, which the
/// host tests compare with the reference so that the tile enumeration is checked without a GPU.
/// `ins` is an InsertSample whose accumulators are the real ones; n_io = images * orientations.
template <class Insert>
void insert_by_tiles_host(const InsertTiling& tl, const Insert& ins, index_t n_io) {
  struct Plus {
    THON_HD void operator()(float* p, float v) const { *p += v; }
  };
  float sums[6 * kTileVoxels];
  float cx[kMaxTileCentres], cy[kMaxTileCentres], cz[kMaxTileCentres];
  const index_t per = tl.g.image_half_size();
  for (index_t t = 0; t < tl.n_tiles(); ++t) {
    float radius = 0;
    const int nc = tile_centres(tl, t, cx, cy, cz, radius);
    if (nc == 0) continue;
    for (float& s : sums) s = 0;
    const auto local = tile_insert_sample<Plus>(tl, ins, t, sums);
    const auto& acc = local.add;
    for (index_t io = 0; io < n_io; ++io) {
      const float* r = ins.rows + 6 * io;
      for (int j = 0; j < nc; ++j) {
        const TileRect rect = tile_rect(tl.g, r, cx[j], cy[j], cz[j], radius);
        for (int ky = rect.ky0; ky <= rect.ky1; ++ky)
          for (int kx = rect.kx0; kx <= rect.kx1; ++kx) {
            if (in_earlier_rect(tl.g, r, j, cx, cy, cz, radius, kx, ky)) continue;
            local(io * per + sample_pixel(tl.g, kx, ky));
          }
      }
    }
    for (int v = 0; v < kTileVoxels; ++v)
      flush_tile_voxel(tl, acc.x0, acc.y0, acc.z0, acc.dx, acc.dy, acc.dz, v, sums, ins.data0, ins.weight0, ins.data1,
                       ins.weight1);
  }
}

}  // namespace thon::math
