// Scattered-data interpolation against closed forms (scipy is not installed for /usr/bin/python3,
// so the oracles are functions the methods must reproduce exactly, and brute-force searches).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "thon/core/error.hpp"
#include "thon/ops/griddata.hpp"

namespace {

using namespace thon;

struct Samples {
  std::vector<double> x, y;
};
Samples random_points(int n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Samples s;
  for (int i = 0; i < n; ++i) {
    s.x.push_back(u(rng));
    s.y.push_back(u(rng));
  }
  return s;
}

// Every triangle is counter-clockwise, neighbours are mutual, and the triangulation is Delaunay:
// no sample lies strictly inside any triangle's circumcircle (brute force, n = 300). Triangle
// count for points in general position: 2n - 2 - h (h hull vertices), Euler's formula.
TEST(GriddataTest, DelaunayTriangulationIsValid) {
  const auto s = random_points(300, 1);
  const auto t = delaunay_2d(s.x, s.y);
  ASSERT_FALSE(t.triangles.empty());
  int hull_edges = 0;
  for (std::size_t i = 0; i < t.triangles.size(); ++i) {
    const auto& v = t.triangles[i];
    const double ax = s.x[v[0]], ay = s.y[v[0]], bx = s.x[v[1]], by = s.y[v[1]], cx = s.x[v[2]], cy = s.y[v[2]];
    ASSERT_GT((bx - ax) * (cy - ay) - (by - ay) * (cx - ax), 0.0);
    for (int k = 0; k < 3; ++k) {
      const auto nb = t.neighbours[i][k];
      if (nb < 0) {
        ++hull_edges;
        continue;
      }
      bool mutual = false;
      for (int j = 0; j < 3; ++j) mutual |= t.neighbours[nb][j] == std::int64_t(i);
      EXPECT_TRUE(mutual);
    }
    for (std::size_t p = 0; p < s.x.size(); ++p) {  // in-circle determinant
      const double dx = ax - s.x[p], dy = ay - s.y[p], ex = bx - s.x[p], ey = by - s.y[p], fx = cx - s.x[p],
                   fy = cy - s.y[p];
      const double det = (dx * dx + dy * dy) * (ex * fy - fx * ey) - (ex * ex + ey * ey) * (dx * fy - fx * dy) +
                         (fx * fx + fy * fy) * (dx * ey - ex * dy);
      EXPECT_LT(det, 1e-12) << "point " << p << " inside the circumcircle of triangle " << i;
    }
  }
  EXPECT_EQ(int(t.triangles.size()), 2 * 300 - 2 - hull_edges);
}

// Linear interpolation reproduces any linear function exactly (barycentric weights sum to 1 and
// reproduce coordinates): 1e-12 absolute for O(1) values. Outside the hull: NaN, like scipy.
TEST(GriddataTest, LinearReproducesLinearFunctionsAndIsNaNOutside) {
  const auto s = random_points(2000, 2);
  std::vector<double> f;
  for (std::size_t i = 0; i < s.x.size(); ++i) f.push_back(3 * s.x[i] - 2 * s.y[i] + 0.5);
  const auto q = random_points(5000, 3);
  auto qx = q.x, qy = q.y;
  qx.push_back(-0.5);  // outside
  qy.push_back(0.5);
  qx.push_back(s.x[17]);  // exactly on a sample
  qy.push_back(s.y[17]);
  const auto out = griddata(s.x, s.y, f, qx, qy, GriddataMethod::linear);
  int inside = 0;
  for (std::size_t i = 0; i < q.x.size(); ++i) {
    if (std::isnan(out[i])) continue;  // query outside the random hull
    ++inside;
    EXPECT_NEAR(out[i], 3 * qx[i] - 2 * qy[i] + 0.5, 1e-12);
  }
  EXPECT_GT(inside, 4900);
  EXPECT_TRUE(std::isnan(out[q.x.size()]));
  EXPECT_NEAR(out[q.x.size() + 1], f[17], 1e-12);
}

// Cubic (Clough-Tocher) reproduces quadratics: each vertex's least-squares quadratic fit gives the
// exact gradient for quadratic data, and the reduced Clough-Tocher element reproduces quadratics
// from exact gradients: 1e-9 (normal equations in scaled offsets, condition ~1e4, times eps). On a
// smooth non-polynomial function it beats linear interpolation by 10x.
TEST(GriddataTest, CubicReproducesQuadraticsAndBeatsLinearOnSmoothData) {
  const auto s = random_points(3000, 4);
  auto quad = [](double x, double y) { return 1 + 2 * x - y + 3 * x * x - 2 * x * y + 0.5 * y * y; };
  auto smooth = [](double x, double y) { return std::sin(3 * x) * std::cos(2 * y); };
  std::vector<double> fq, fs;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    fq.push_back(quad(s.x[i], s.y[i]));
    fs.push_back(smooth(s.x[i], s.y[i]));
  }
  const auto q = random_points(4000, 5);
  const auto cq = griddata(s.x, s.y, fq, q.x, q.y, GriddataMethod::cubic);
  const auto cs = griddata(s.x, s.y, fs, q.x, q.y, GriddataMethod::cubic);
  const auto ls = griddata(s.x, s.y, fs, q.x, q.y, GriddataMethod::linear);
  double worst = 0, err_c = 0, err_l = 0;
  int n = 0;
  for (std::size_t i = 0; i < q.x.size(); ++i) {
    if (std::isnan(cq[i])) continue;
    ASSERT_FALSE(std::isnan(ls[i]));
    worst = std::max(worst, std::fabs(cq[i] - quad(q.x[i], q.y[i])));
    err_c += std::pow(cs[i] - smooth(q.x[i], q.y[i]), 2);
    err_l += std::pow(ls[i] - smooth(q.x[i], q.y[i]), 2);
    ++n;
  }
  ASSERT_GT(n, 3900);
  EXPECT_LT(worst, 1e-9);
  std::printf("smooth data, RMS error: linear %.3e  cubic %.3e\n", std::sqrt(err_l / n), std::sqrt(err_c / n));
  EXPECT_LT(err_c, 0.1 * err_l);
}

// Clough-Tocher is C1: one-sided derivatives across outer edges (between macro triangles) and
// inner edges (between the micro-triangles at the centroid) agree. The jump of the one-sided
// difference quotients is O(h |f''|) for a C1 function and O(1) at a kink, so it must shrink 10x
// when h does (h = 1e-5 -> 1e-6; rounding adds ~1e-10): jump(1e-6) < 0.2 jump(1e-5) + 1e-8.
TEST(GriddataTest, CubicIsContinuouslyDifferentiableAcrossEdges) {
  const auto s = random_points(1500, 8);
  std::vector<double> f;
  for (std::size_t i = 0; i < s.x.size(); ++i) f.push_back(std::sin(3 * s.x[i]) * std::cos(2 * s.y[i]));
  const auto t = delaunay_2d(s.x, s.y);
  const double hs[2] = {1e-5, 1e-6};
  // Area / longest edge^2: slivers (hull triangles of random points reach 1e-4) are skipped, since
  // there h is not small against the triangle's height and the quotients are not yet asymptotic.
  auto shape = [&](std::int64_t tt) {
    const auto& w = t.triangles[tt];
    const double ar = std::fabs((s.x[w[1]] - s.x[w[0]]) * (s.y[w[2]] - s.y[w[0]]) -
                                (s.y[w[1]] - s.y[w[0]]) * (s.x[w[2]] - s.x[w[0]]));
    double lo = 0;
    for (int q = 0; q < 3; ++q)
      lo = std::max(lo, std::hypot(s.x[w[q]] - s.x[w[(q + 1) % 3]], s.y[w[q]] - s.y[w[(q + 1) % 3]]));
    return ar / (lo * lo);
  };
  std::vector<double> qx, qy;
  int edges = 0;
  for (std::size_t i = 0; i < t.triangles.size() && edges < 400; ++i) {
    const auto& v = t.triangles[i];
    if (shape(std::int64_t(i)) < 0.05) continue;
    const double cx = (s.x[v[0]] + s.x[v[1]] + s.x[v[2]]) / 3, cy = (s.y[v[0]] + s.y[v[1]] + s.y[v[2]]) / 3;
    for (int k = 0; k < 3; ++k) {
      const auto a = v[(k + 1) % 3], b = v[(k + 2) % 3];
      // Outer edge a-b (interior edges only) at 0.3 along it; inner edge a-C at its midpoint.
      const double px[2] = {0.7 * s.x[a] + 0.3 * s.x[b], 0.5 * (s.x[a] + cx)};
      const double py[2] = {0.7 * s.y[a] + 0.3 * s.y[b], 0.5 * (s.y[a] + cy)};
      const double dx[2] = {s.x[b] - s.x[a], cx - s.x[a]}, dy[2] = {s.y[b] - s.y[a], cy - s.y[a]};
      for (int e = 0; e < 2; ++e) {
        if (e == 0 && (t.neighbours[i][k] < 0 || shape(t.neighbours[i][k]) < 0.05)) continue;
        const double len = std::hypot(dx[e], dy[e]);
        const double nx = -dy[e] / len, ny = dx[e] / len;
        for (double h : hs)
          for (int sgn = -1; sgn <= 1; ++sgn) {
            qx.push_back(px[e] + sgn * h * nx);
            qy.push_back(py[e] + sgn * h * ny);
          }
        ++edges;
      }
    }
  }
  const auto out = griddata(s.x, s.y, f, qx, qy, GriddataMethod::cubic);
  ASSERT_EQ(out.size(), std::size_t(edges) * 6);
  double worst_ratio = 0;
  for (int e = 0; e < edges; ++e) {
    double jump[2];
    for (int k = 0; k < 2; ++k) {
      const double* o = out.data() + e * 6 + k * 3;
      ASSERT_FALSE(std::isnan(o[0] + o[1] + o[2]));
      jump[k] = std::fabs((o[2] - o[1]) / hs[k] - (o[1] - o[0]) / hs[k]);
    }
    EXPECT_LT(jump[1], 0.2 * jump[0] + 1e-8) << "edge " << e << ": jumps " << jump[0] << ", " << jump[1];
    if (jump[0] > 1e-6) worst_ratio = std::max(worst_ratio, jump[1] / jump[0]);
  }
  std::printf("%d edges: derivative jump shrinks with h, largest jump(1e-6)/jump(1e-5) = %.3f\n", edges,
              worst_ratio);
}

// Nearest: the value of the closest sample (brute force), everywhere (also outside the hull).
TEST(GriddataTest, NearestMatchesBruteForce) {
  const auto s = random_points(1000, 6);
  std::vector<double> f;
  for (std::size_t i = 0; i < s.x.size(); ++i) f.push_back(double(i));
  auto q = random_points(2000, 7);
  for (int i = 0; i < 50; ++i) {  // queries far outside
    q.x.push_back(-2 + 0.1 * i);
    q.y.push_back(3 - 0.05 * i);
  }
  const auto out = griddata(s.x, s.y, f, q.x, q.y, GriddataMethod::nearest);
  for (std::size_t k = 0; k < q.x.size(); ++k) {
    double best = 1e300;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      best = std::min(best, std::hypot(s.x[i] - q.x[k], s.y[i] - q.y[k]));
    const auto j = std::size_t(out[k]);
    ASSERT_LT(j, s.x.size());
    EXPECT_DOUBLE_EQ(std::hypot(s.x[j] - q.x[k], s.y[j] - q.y[k]), best) << k;
  }
}

// A regular grid (cocircular points: degenerate Delaunay) still triangulates (Qt) and interpolates
// a bilinear-free linear function exactly.
TEST(GriddataTest, RegularGridAndDuplicatePoints) {
  std::vector<double> x, y, f;
  for (int i = 0; i < 20; ++i)
    for (int j = 0; j < 20; ++j) {
      x.push_back(i);
      y.push_back(j);
      f.push_back(2.0 * i + j);
    }
  x.push_back(3);  // a duplicate of (3, 4)
  y.push_back(4);
  f.push_back(10);
  const std::vector<double> qx{0.5, 10.25, 18.9, 19.0}, qy{0.5, 3.75, 18.1, 19.0};
  const auto out = griddata(x, y, f, qx, qy, GriddataMethod::linear);
  for (std::size_t i = 0; i < qx.size(); ++i) EXPECT_NEAR(out[i], 2 * qx[i] + qy[i], 1e-12);
}

TEST(GriddataTest, BadInputIsRejected) {
  const std::vector<double> x{0, 1, 2}, y{0, 1, 2}, f{1, 2, 3};
  EXPECT_THROW(delaunay_2d(x, y), Error);  // collinear
  EXPECT_THROW(delaunay_2d({0, 1}, {0, 1}), Error);
  EXPECT_THROW(griddata({0, 1, 0}, {0, 0, 1}, {1, 2}, {0.1}, {0.1}, GriddataMethod::linear), Error);
  EXPECT_THROW(griddata({0, 1, 0}, {0, 0, std::nan("")}, {1, 2, 3}, {0.1}, {0.1}, GriddataMethod::linear), Error);
  const auto ok = griddata({0, 1, 0}, {0, 0, 1}, {1, 2, 3}, {0.25, 5}, {0.25, 5}, GriddataMethod::linear);
  EXPECT_NEAR(ok[0], 1 + 0.25 + 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(ok[1]));
}

}  // namespace
