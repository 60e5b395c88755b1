// Scattered-data interpolation (include/thon/ops/griddata.hpp): qhull Delaunay triangulation,
// bucket-grid + visibility-walk point location, linear / local-quadratic / nearest interpolation.
#include "thon/ops/griddata.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

extern "C" {
#include "libqhull_r/qhull_ra.h"
}

#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"

namespace thon {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInsideTol = 1e-12;  // barycentric slack for points on edges

void barycentric(const Delaunay2D& t, std::int64_t tri, double x, double y, double* l) {
  const auto& v = t.triangles[tri];
  const double x0 = t.x[v[0]], y0 = t.y[v[0]], x1 = t.x[v[1]], y1 = t.y[v[1]], x2 = t.x[v[2]],
               y2 = t.y[v[2]];
  const double d = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
  l[0] = ((y1 - y2) * (x - x2) + (x2 - x1) * (y - y2)) / d;
  l[1] = ((y2 - y0) * (x - x2) + (x0 - x2) * (y - y2)) / d;
  l[2] = 1.0 - l[0] - l[1];
}

struct Bounds {
  double x0, y0, w, h;
};
Bounds bounds(const std::vector<double>& x, const std::vector<double>& y) {
  const auto [xmin, xmax] = std::minmax_element(x.begin(), x.end());
  const auto [ymin, ymax] = std::minmax_element(y.begin(), y.end());
  return {*xmin, *ymin, *xmax - *xmin, *ymax - *ymin};
}

/// Interleaves the bits of two 16-bit coordinates (Morton / Z-order key).
std::uint64_t morton_2d(std::uint32_t a, std::uint32_t b) {
  auto spread = [](std::uint64_t v) {
    v = (v | (v << 8)) & 0x00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0Full;
    v = (v | (v << 2)) & 0x33333333ull;
    v = (v | (v << 1)) & 0x55555555ull;
    return v;
  };
  return spread(a & 0xFFFF) | (spread(b & 0xFFFF) << 1);
}

/// Solves the n x n system a u = b (row-major, n <= 5) by Gaussian elimination with partial
/// pivoting; false when a pivot falls below 1e-12 of the largest diagonal.
bool solve_small(double* a, double* b, int n) {
  double scale = 0;
  for (int i = 0; i < n; ++i) scale = std::max(scale, std::fabs(a[i * n + i]));
  if (!(scale > 0)) return false;
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r = c + 1; r < n; ++r)
      if (std::fabs(a[r * n + c]) > std::fabs(a[p * n + c])) p = r;
    if (std::fabs(a[p * n + c]) < 1e-12 * scale) return false;
    if (p != c) {
      for (int k = 0; k < n; ++k) std::swap(a[c * n + k], a[p * n + k]);
      std::swap(b[c], b[p]);
    }
    for (int r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (int k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  for (int c = n - 1; c >= 0; --c) {
    double s = b[c];
    for (int k = c + 1; k < n; ++k) s -= a[c * n + k] * b[k];
    b[c] = s / a[c * n + c];
  }
  return true;
}

}  // namespace

// ---- triangulation ------------------------------------------------------------------------------

Delaunay2D delaunay_2d(const std::vector<double>& x, const std::vector<double>& y) {
  THON_CHECK(x.size() == y.size(), "delaunay_2d: ", x.size(), " x coordinates but ", y.size(), " y");
  const std::int64_t n = std::int64_t(x.size());
  THON_CHECK(n >= 3, "delaunay_2d: need at least 3 points, got ", n);
  THON_CHECK(n < INT_MAX / 2, "delaunay_2d: too many points for qhull (", n, ")");
  for (std::int64_t i = 0; i < n; ++i)
    THON_CHECK(std::isfinite(x[i]) && std::isfinite(y[i]), "delaunay_2d: point ", i,
               " is not finite (", x[i], ", ", y[i], ")");
  // qhull gets the points in Morton (Z-curve) order: neighbours in the plane are neighbours in
  // memory, which makes the triangulation about 25% faster for scattered input. order[k] is the
  // input index of qhull's point k.
  const Bounds bb = bounds(x, y);
  std::vector<std::pair<std::uint64_t, std::int64_t>> key(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double fx = bb.w > 0 ? (x[i] - bb.x0) / bb.w : 0.0, fy = bb.h > 0 ? (y[i] - bb.y0) / bb.h : 0.0;
    key[i] = {morton_2d(std::uint32_t(fx * 65535.0), std::uint32_t(fy * 65535.0)), i};
  }
  std::sort(key.begin(), key.end());
  std::vector<std::int64_t> order(n);
  std::vector<coordT> pts(2 * n);
  for (std::int64_t k = 0; k < n; ++k) {
    order[k] = key[k].second;
    pts[2 * k] = x[order[k]];
    pts[2 * k + 1] = y[order[k]];
  }
  Delaunay2D out;
  out.x = x;
  out.y = y;

  qhT qh_storage;
  qhT* qh = &qh_storage;
  FILE* errfile = std::tmpfile();  // qhull's diagnostics; the error is reported as thon::Error
  qh_zero(qh, errfile);
  char options[] = "qhull d Qbb Qc Qz Q12 Qt";
  const int code = qh_new_qhull(qh, 2, int(n), pts.data(), False, options, nullptr, errfile);
  if (code == 0) {
    qh_triangulate(qh);
    facetT* facet;
    vertexT *vertex, **vertexp;
    FORALLfacets {
      if (facet->upperdelaunay) continue;
      std::array<std::int64_t, 3> v{};
      int k = 0;
      bool ok = true;
      FOREACHvertex_(facet->vertices) {
        const int id = qh_pointid(qh, vertex->point);
        if (k < 3 && id >= 0 && id < n) v[k] = order[id];
        else ok = false;
        ++k;
      }
      if (!ok || k != 3) continue;
      const double cross = (x[v[1]] - x[v[0]]) * (y[v[2]] - y[v[0]]) - (y[v[1]] - y[v[0]]) * (x[v[2]] - x[v[0]]);
      if (cross == 0) continue;  // flat simplex left by the triangulation of a degenerate facet
      if (cross < 0) std::swap(v[1], v[2]);
      out.triangles.push_back(v);
    }
  }
  qh_freeqhull(qh, !qh_ALL);
  int curlong, totlong;
  qh_memfreeshort(qh, &curlong, &totlong);
  if (errfile) std::fclose(errfile);
  THON_CHECK(code == 0 && !out.triangles.empty(), "delaunay_2d: qhull could not triangulate the ", n,
             " points (all collinear or coincident?), qhull exit code ", code);

  // Neighbours across each edge: the edge opposite vertex k joins v[k+1], v[k+2].
  const std::int64_t nt = std::int64_t(out.triangles.size());
  out.neighbours.assign(nt, {-1, -1, -1});
  std::unordered_map<std::uint64_t, std::int64_t> edges;  // key -> tri * 3 + k
  edges.reserve(std::size_t(nt) * 2);
  for (std::int64_t t = 0; t < nt; ++t)
    for (int k = 0; k < 3; ++k) {
      std::uint64_t a = std::uint64_t(out.triangles[t][(k + 1) % 3]);
      std::uint64_t b = std::uint64_t(out.triangles[t][(k + 2) % 3]);
      if (a > b) std::swap(a, b);
      const std::uint64_t key = a * std::uint64_t(n) + b;
      const auto it = edges.find(key);
      if (it == edges.end()) {
        edges.emplace(key, t * 3 + k);
      } else {
        const std::int64_t t2 = it->second / 3;
        const int k2 = int(it->second % 3);
        out.neighbours[t][k] = t2;
        out.neighbours[t2][k2] = t;
      }
    }
  return out;
}

// ---- point location -----------------------------------------------------------------------------

TriangleLocator::TriangleLocator(const Delaunay2D& tri) : tri_(&tri) {
  THON_CHECK(!tri.triangles.empty(), "TriangleLocator: empty triangulation");
  const Bounds b = bounds(tri.x, tri.y);
  const double area = std::max(b.w * b.h, 1e-300);
  const double cells = std::max(1.0, double(tri.triangles.size()) / 2.0);
  cell_ = std::sqrt(area / cells);
  if (!(cell_ > 0)) cell_ = std::max(std::max(b.w, b.h), 1.0);
  x0_ = b.x0;
  y0_ = b.y0;
  gx_ = std::max(1, std::min(1 << 14, int(b.w / cell_) + 1));
  gy_ = std::max(1, std::min(1 << 14, int(b.h / cell_) + 1));
  start_.assign(std::size_t(gx_) * gy_, 0);
  std::int64_t prev = 0;
  for (int cy = 0; cy < gy_; ++cy)
    for (int i = 0; i < gx_; ++i) {
      const int cx = (cy % 2 == 0) ? i : gx_ - 1 - i;  // snake order: neighbouring cells follow
      std::int64_t last = prev;
      walk(x0_ + (cx + 0.5) * cell_, y0_ + (cy + 0.5) * cell_, prev, &last);
      start_[std::size_t(cy) * gx_ + cx] = last;
      prev = last;
    }
}

TriangleLocation TriangleLocator::walk(double x, double y, std::int64_t t, std::int64_t* last) const {
  const Delaunay2D& d = *tri_;
  TriangleLocation loc;
  const std::int64_t max_steps = std::int64_t(d.triangles.size()) + 8;
  for (std::int64_t step = 0; step < max_steps; ++step) {
    double l[3];
    barycentric(d, t, x, y, l);
    int k = 0;
    if (l[1] < l[k]) k = 1;
    if (l[2] < l[k]) k = 2;
    if (l[k] >= -kInsideTol) {
      loc.triangle = t;
      for (int i = 0; i < 3; ++i) loc.lambda[i] = l[i];
      if (last) *last = t;
      return loc;
    }
    const std::int64_t nb = d.neighbours[t][k];
    if (nb < 0) {  // beyond a hull edge: outside the convex hull
      if (last) *last = t;
      return loc;
    }
    t = nb;
  }
  // Not reached for a Delaunay triangulation (visibility walks terminate there); scan all as a guard.
  for (std::int64_t s = 0; s < std::int64_t(d.triangles.size()); ++s) {
    double l[3];
    barycentric(d, s, x, y, l);
    if (l[0] >= -kInsideTol && l[1] >= -kInsideTol && l[2] >= -kInsideTol) {
      loc.triangle = s;
      for (int i = 0; i < 3; ++i) loc.lambda[i] = l[i];
      break;
    }
  }
  if (last) *last = loc.triangle >= 0 ? loc.triangle : t;
  return loc;
}

TriangleLocation TriangleLocator::locate(double x, double y) const {
  if (!(std::isfinite(x) && std::isfinite(y))) return {};
  const int cx = std::min(gx_ - 1, std::max(0, int(std::floor((x - x0_) / cell_))));
  const int cy = std::min(gy_ - 1, std::max(0, int(std::floor((y - y0_) / cell_))));
  return walk(x, y, start_[std::size_t(cy) * gx_ + cx], nullptr);
}

std::vector<TriangleLocation> TriangleLocator::locate(const std::vector<double>& xi,
                                                      const std::vector<double>& yi) const {
  THON_CHECK(xi.size() == yi.size(), "locate: ", xi.size(), " x but ", yi.size(), " y");
  std::vector<TriangleLocation> out(xi.size());
  const double* px = xi.data();
  const double* py = yi.data();
  TriangleLocation* o = out.data();
  const TriangleLocator* self = this;
  cpu::parallel_for(index_t(xi.size()), [=](index_t i) { o[i] = self->locate(px[i], py[i]); });
  return out;
}

// ---- interpolation ------------------------------------------------------------------------------

std::vector<double> interpolate_linear(const Delaunay2D& tri, const std::vector<double>& values,
                                       const std::vector<TriangleLocation>& loc) {
  THON_CHECK(values.size() == tri.x.size(), "interpolate_linear: ", values.size(), " values for ",
             tri.x.size(), " points");
  std::vector<double> out(loc.size());
  const TriangleLocation* l = loc.data();
  const double* v = values.data();
  const auto* t = tri.triangles.data();
  double* o = out.data();
  cpu::parallel_for(index_t(loc.size()), [=](index_t i) {
    if (l[i].triangle < 0) {
      o[i] = kNaN;
      return;
    }
    const auto& tv = t[l[i].triangle];
    o[i] = l[i].lambda[0] * v[tv[0]] + l[i].lambda[1] * v[tv[1]] + l[i].lambda[2] * v[tv[2]];
  });
  return out;
}

std::vector<VertexQuadratic> fit_vertex_quadratics(const Delaunay2D& tri, const std::vector<double>& values) {
  const std::int64_t n = std::int64_t(tri.x.size());
  THON_CHECK(std::int64_t(values.size()) == n, "fit_vertex_quadratics: ", values.size(),
             " values for ", n, " points");
  // 1-ring adjacency (CSR, duplicates removed).
  std::vector<std::int64_t> deg(n + 1, 0);
  for (const auto& t : tri.triangles)
    for (int k = 0; k < 3; ++k) deg[t[k] + 1] += 2;
  for (std::int64_t i = 0; i < n; ++i) deg[i + 1] += deg[i];
  std::vector<std::int64_t> adj(deg[n]), fill(deg.begin(), deg.end() - 1);
  for (const auto& t : tri.triangles)
    for (int k = 0; k < 3; ++k) {
      adj[fill[t[k]]++] = t[(k + 1) % 3];
      adj[fill[t[k]]++] = t[(k + 2) % 3];
    }
  std::vector<std::int64_t> begin(n), end(n);
  for (std::int64_t i = 0; i < n; ++i) {
    auto* b = adj.data() + deg[i];
    auto* e = adj.data() + deg[i + 1];
    std::sort(b, e);
    begin[i] = deg[i];
    end[i] = deg[i] + (std::unique(b, e) - b);
  }
  std::vector<VertexQuadratic> out(n);
  const double* px = tri.x.data();
  const double* py = tri.y.data();
  const double* f = values.data();
  const std::int64_t* a = adj.data();
  const std::int64_t* bg = begin.data();
  const std::int64_t* en = end.data();
  VertexQuadratic* o = out.data();
  cpu::parallel_for(index_t(n), [=](index_t i) {
    o[i].f = f[i];
    if (en[i] == bg[i]) return;  // not a vertex of the triangulation (duplicate point)
    thread_local std::vector<std::int64_t> nb;  // reused scratch: no allocation per vertex
    nb.assign(a + bg[i], a + en[i]);
    if (nb.size() < 8) {  // widen to the 2-ring
      const std::size_t n1 = nb.size();
      for (std::size_t k = 0; k < n1; ++k)
        for (std::int64_t j = bg[nb[k]]; j < en[nb[k]]; ++j)
          if (a[j] != i) nb.push_back(a[j]);
      std::sort(nb.begin(), nb.end());
      nb.erase(std::unique(nb.begin(), nb.end()), nb.end());
    }
    double h2 = 0;
    for (auto j : nb) h2 += (px[j] - px[i]) * (px[j] - px[i]) + (py[j] - py[i]) * (py[j] - py[i]);
    const double h = std::sqrt(h2 / double(nb.size()));
    if (!(h > 0)) return;
    // Least squares in scaled offsets u = d / h: f_j - f_i = g.u h + (1/2) u^T H u h^2.
    double ata[25] = {0}, atb[5] = {0};
    for (auto j : nb) {
      const double ux = (px[j] - px[i]) / h, uy = (py[j] - py[i]) / h;
      const double row[5] = {ux, uy, 0.5 * ux * ux, ux * uy, 0.5 * uy * uy};
      const double r = f[j] - f[i];
      for (int p = 0; p < 5; ++p) {
        atb[p] += row[p] * r;
        for (int q = 0; q < 5; ++q) ata[p * 5 + q] += row[p] * row[q];
      }
    }
    double a5[25], b5[5];
    std::copy(ata, ata + 25, a5);
    std::copy(atb, atb + 5, b5);
    if (nb.size() >= 5 && solve_small(a5, b5, 5)) {
      o[i].gx = b5[0] / h;
      o[i].gy = b5[1] / h;
      o[i].hxx = b5[2] / (h * h);
      o[i].hxy = b5[3] / (h * h);
      o[i].hyy = b5[4] / (h * h);
      return;
    }
    double a2[4] = {ata[0], ata[1], ata[5], ata[6]}, b2[2] = {atb[0], atb[1]};
    if (solve_small(a2, b2, 2)) {  // too few neighbours for a quadratic: gradient only
      o[i].gx = b2[0] / h;
      o[i].gy = b2[1] / h;
    }
  });
  return out;
}

namespace {

/// Clough-Tocher macro element (cubic Bezier on the three micro-triangles (Vi, Vj, C), C the
/// centroid) from vertex values and gradients, evaluated at macro barycentrics l. The
/// cross-boundary derivative is made linear along each outer edge (the "reduced" element), so
/// neighbouring triangles join C1 and quadratics with exact gradients are reproduced exactly.
double clough_tocher(const double* vx, const double* vy, const double* f, const double* gx,
                     const double* gy, const double* l) {
  const double cx = (vx[0] + vx[1] + vx[2]) / 3, cy = (vy[0] + vy[1] + vy[2]) / 3;
  auto grad_dot = [&](int i, double dx, double dy) { return gx[i] * dx + gy[i] * dy; };
  double e[3][3];  // e[i][j]: ordinate on edge Vi -> Vj at 1/3 from Vi
  double a[3];     // ordinate at Vi + (C - Vi)/3
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j)
      if (j != i) e[i][j] = f[i] + grad_dot(i, vx[j] - vx[i], vy[j] - vy[i]) / 3;
    a[i] = f[i] + grad_dot(i, cx - vx[i], cy - vy[i]) / 3;
  }
  // t[k]: interior ordinate of the micro-triangle opposite Vk (edge Vi Vj), from the linear
  // normal-derivative condition: with C - Vi = n + lambda (Vj - Vi), n normal to the edge.
  double t[3];
  for (int k = 0; k < 3; ++k) {
    const int i = (k + 1) % 3, j = (k + 2) % 3;
    const double ex = vx[j] - vx[i], ey = vy[j] - vy[i];
    const double lam = ((cx - vx[i]) * ex + (cy - vy[i]) * ey) / (ex * ex + ey * ey);
    const double p0 = (a[i] - f[i]) - lam * (e[i][j] - f[i]);
    const double p2 = (a[j] - e[j][i]) - lam * (f[j] - e[j][i]);
    t[k] = e[i][j] + lam * (e[j][i] - e[i][j]) + 0.5 * (p0 + p2);
  }
  double m[3];  // ordinate at (Vi + 2C)/3: C1 across the inner edge Vi C
  for (int i = 0; i < 3; ++i) m[i] = (a[i] + t[(i + 1) % 3] + t[(i + 2) % 3]) / 3;
  const double c = (m[0] + m[1] + m[2]) / 3;
  // Micro-triangle (Vi, Vj, C) opposite the vertex k with the smallest barycentric coordinate.
  int k = 0;
  if (l[1] < l[k]) k = 1;
  if (l[2] < l[k]) k = 2;
  const int i = (k + 1) % 3, j = (k + 2) % 3;
  const double u = l[i] - l[k], v = l[j] - l[k], w = 3 * l[k];
  return f[i] * u * u * u + f[j] * v * v * v + c * w * w * w +
         3 * (e[i][j] * u * u * v + e[j][i] * u * v * v + a[i] * u * u * w + a[j] * v * v * w +
              m[i] * u * w * w + m[j] * v * w * w) +
         6 * t[k] * u * v * w;
}

}  // namespace

std::vector<double> interpolate_cubic(const Delaunay2D& tri, const std::vector<VertexQuadratic>& fits,
                                      const std::vector<TriangleLocation>& loc,
                                      const std::vector<double>& xi, const std::vector<double>& yi) {
  THON_CHECK(fits.size() == tri.x.size() && loc.size() == xi.size() && xi.size() == yi.size(),
             "interpolate_cubic: inconsistent sizes");
  std::vector<double> out(loc.size());
  const TriangleLocation* l = loc.data();
  const VertexQuadratic* q = fits.data();
  const auto* t = tri.triangles.data();
  const double* px = tri.x.data();
  const double* py = tri.y.data();
  double* o = out.data();
  cpu::parallel_for(index_t(loc.size()), [=](index_t i) {
    if (l[i].triangle < 0) {
      o[i] = kNaN;
      return;
    }
    double vx[3], vy[3], f[3], gx[3], gy[3];
    for (int k = 0; k < 3; ++k) {
      const std::int64_t v = t[l[i].triangle][k];
      vx[k] = px[v];
      vy[k] = py[v];
      f[k] = q[v].f;
      gx[k] = q[v].gx;
      gy[k] = q[v].gy;
    }
    o[i] = clough_tocher(vx, vy, f, gx, gy, l[i].lambda);
  });
  return out;
}

// ---- nearest ------------------------------------------------------------------------------------

NearestSample::NearestSample(const std::vector<double>& x, const std::vector<double>& y) : px_(&x), py_(&y) {
  THON_CHECK(x.size() == y.size() && !x.empty(), "NearestSample: need matching, non-empty x and y");
  const Bounds b = bounds(x, y);
  const double n = double(x.size());
  cell_ = std::sqrt(std::max(b.w * b.h, 1e-300) / n) * 1.5;
  if (!(cell_ > 0)) cell_ = std::max(std::max(b.w, b.h), 1.0);
  x0_ = b.x0;
  y0_ = b.y0;
  gx_ = std::max(1, std::min(1 << 14, int(b.w / cell_) + 1));
  gy_ = std::max(1, std::min(1 << 14, int(b.h / cell_) + 1));
  std::vector<std::int64_t> cell_of(x.size());
  cell_start_.assign(std::size_t(gx_) * gy_ + 1, 0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int cx = std::min(gx_ - 1, int((x[i] - x0_) / cell_));
    const int cy = std::min(gy_ - 1, int((y[i] - y0_) / cell_));
    cell_of[i] = std::int64_t(cy) * gx_ + cx;
    cell_start_[cell_of[i] + 1]++;
  }
  for (std::size_t c = 1; c < cell_start_.size(); ++c) cell_start_[c] += cell_start_[c - 1];
  items_.resize(x.size());
  std::vector<std::int64_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (std::size_t i = 0; i < x.size(); ++i) items_[fill[cell_of[i]]++] = std::int64_t(i);
}

std::int64_t NearestSample::nearest(double x, double y) const {
  const auto& X = *px_;
  const auto& Y = *py_;
  const int cx = std::min(gx_ - 1, std::max(0, int(std::floor((x - x0_) / cell_))));
  const int cy = std::min(gy_ - 1, std::max(0, int(std::floor((y - y0_) / cell_))));
  std::int64_t best = -1;
  double best_d2 = std::numeric_limits<double>::infinity();
  const int rmax = std::max(gx_, gy_);
  for (int r = 0; r <= rmax; ++r) {
    for (int dy = -r; dy <= r; ++dy) {
      const int yy = cy + dy;
      if (yy < 0 || yy >= gy_) continue;
      const int step = (dy == -r || dy == r) ? 1 : 2 * r;  // ring cells only
      for (int dx = -r; dx <= r; dx += std::max(1, step)) {
        const int xx = cx + dx;
        if (xx < 0 || xx >= gx_) continue;
        const std::size_t c = std::size_t(yy) * gx_ + xx;
        for (std::int64_t k = cell_start_[c]; k < cell_start_[c + 1]; ++k) {
          const std::int64_t i = items_[k];
          const double d2 = (X[i] - x) * (X[i] - x) + (Y[i] - y) * (Y[i] - y);
          if (d2 < best_d2 || (d2 == best_d2 && i < best)) {
            best_d2 = d2;
            best = i;
          }
        }
      }
    }
    // Cells of ring r + 1 lie at least r * cell away from the query.
    if (best >= 0 && best_d2 < (double(r) * cell_) * (double(r) * cell_)) break;
  }
  return best;
}

// ---- griddata -----------------------------------------------------------------------------------

std::vector<double> griddata(const std::vector<double>& x, const std::vector<double>& y,
                             const std::vector<double>& values, const std::vector<double>& xi,
                             const std::vector<double>& yi, GriddataMethod method) {
  THON_CHECK(x.size() == y.size() && x.size() == values.size(), "griddata: ", x.size(), " x, ",
             y.size(), " y and ", values.size(), " values: lengths must match");
  THON_CHECK(xi.size() == yi.size(), "griddata: ", xi.size(), " query x but ", yi.size(), " query y");
  for (std::size_t i = 0; i < x.size(); ++i)
    THON_CHECK(std::isfinite(x[i]) && std::isfinite(y[i]) && std::isfinite(values[i]),
               "griddata: sample ", i, " is not finite (", x[i], ", ", y[i], ") -> ", values[i]);
  if (method == GriddataMethod::nearest) {
    THON_CHECK(!x.empty(), "griddata: no samples");
    const NearestSample ns(x, y);
    std::vector<double> out(xi.size());
    const double* qx = xi.data();
    const double* qy = yi.data();
    const double* v = values.data();
    double* o = out.data();
    const NearestSample* p = &ns;
    cpu::parallel_for(index_t(xi.size()), [=](index_t i) {
      o[i] = (std::isfinite(qx[i]) && std::isfinite(qy[i])) ? v[p->nearest(qx[i], qy[i])] : kNaN;
    });
    return out;
  }
  const Delaunay2D tri = delaunay_2d(x, y);
  const TriangleLocator locator(tri);
  const auto loc = locator.locate(xi, yi);
  if (method == GriddataMethod::linear) return interpolate_linear(tri, values, loc);
  return interpolate_cubic(tri, fit_vertex_quadratics(tri, values), loc, xi, yi);
}

}  // namespace thon
