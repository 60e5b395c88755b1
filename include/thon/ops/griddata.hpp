// Scattered-data interpolation of 2D points, as scipy.interpolate.griddata does (DESIGN.md 4.5):
//   linear   barycentric interpolation on the Delaunay triangulation (qhull, reentrant C API);
//            NaN outside the convex hull, like scipy;
//   nearest  value of the nearest sample (defined everywhere, like scipy's NearestNDInterpolator);
//   cubic    the Clough-Tocher element, as scipy's CloughTocher2DInterpolator: each triangle split
//            at its centroid into three cubic Bezier patches, C1 inside and across edges (the
//            "reduced" element: cross-boundary derivative linear along each edge). Vertex
//            gradients differ from scipy's: scipy minimises a global curvature functional
//            (Nielson), thon fits a local quadratic by least squares over each vertex's 1-ring
//            (widened to the 2-ring when it has fewer than 8 neighbours). Reproduces quadratics
//            exactly; NaN outside the hull.
// The three stages are separate so that the benchmark can time them: triangulation, point
// location (a bucket grid of start triangles plus a visibility walk across neighbours), and
// interpolation.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace thon {

/// Delaunay triangulation of 2D points: triangles as counter-clockwise vertex indices into the
/// input points, and for each triangle the neighbour opposite each vertex (-1 on the hull).
/// Duplicate points are kept by qhull as coplanar points and belong to no triangle.
struct Delaunay2D {
  std::vector<double> x, y;
  std::vector<std::array<std::int64_t, 3>> triangles;
  std::vector<std::array<std::int64_t, 3>> neighbours;
};

/// Triangulates n >= 3 points (qhull "d Qbb Qc Qz Q12 Qt", the options scipy.spatial.Delaunay uses).
/// Throws thon::Error for fewer than 3 points, non-finite coordinates, or all points collinear.
Delaunay2D delaunay_2d(const std::vector<double>& x, const std::vector<double>& y);

/// A query point's triangle and barycentric coordinates; triangle = -1 outside the convex hull.
struct TriangleLocation {
  std::int64_t triangle = -1;
  double lambda[3] = {0, 0, 0};
};

/// Point location: a uniform grid over the bounding box whose cells hold a start triangle near the
/// cell centre, then a visibility walk (move across the edge with the most negative barycentric
/// coordinate) to the containing triangle. Expected O(1) steps per query for even point density.
class TriangleLocator {
 public:
  explicit TriangleLocator(const Delaunay2D& tri);
  TriangleLocation locate(double x, double y) const;
  /// All queries, threaded (OpenMP).
  std::vector<TriangleLocation> locate(const std::vector<double>& xi, const std::vector<double>& yi) const;

 private:
  TriangleLocation walk(double x, double y, std::int64_t start, std::int64_t* last) const;
  const Delaunay2D* tri_;
  double x0_ = 0, y0_ = 0, cell_ = 1;
  int gx_ = 1, gy_ = 1;
  std::vector<std::int64_t> start_;
};

/// Per-vertex local quadratic fit for the cubic option: f_i, gradient (gx, gy), Hessian
/// (hxx, hxy, hyy). The Clough-Tocher element uses the value and the gradient.
struct VertexQuadratic {
  double f = 0, gx = 0, gy = 0, hxx = 0, hxy = 0, hyy = 0;
};
std::vector<VertexQuadratic> fit_vertex_quadratics(const Delaunay2D& tri, const std::vector<double>& values);

/// Interpolation from located queries. NaN where the location is outside the hull.
std::vector<double> interpolate_linear(const Delaunay2D& tri, const std::vector<double>& values,
                                       const std::vector<TriangleLocation>& loc);
/// Clough-Tocher interpolation from located queries and per-vertex fits; NaN outside the hull.
std::vector<double> interpolate_cubic(const Delaunay2D& tri, const std::vector<VertexQuadratic>& fits,
                                      const std::vector<TriangleLocation>& loc,
                                      const std::vector<double>& xi, const std::vector<double>& yi);

/// Nearest-sample lookup through a bucket grid of the samples.
class NearestSample {
 public:
  NearestSample(const std::vector<double>& x, const std::vector<double>& y);
  std::int64_t nearest(double x, double y) const;

 private:
  const std::vector<double>*px_, *py_;
  double x0_ = 0, y0_ = 0, cell_ = 1;
  int gx_ = 1, gy_ = 1;
  std::vector<std::int64_t> cell_start_, items_;
};

enum class GriddataMethod { nearest, linear, cubic };

/// scipy.interpolate.griddata for 2D points: values at (xi, yi) from samples (x, y, values).
/// Throws thon::Error for mismatched lengths or non-finite sample coordinates/values.
std::vector<double> griddata(const std::vector<double>& x, const std::vector<double>& y,
                             const std::vector<double>& values, const std::vector<double>& xi,
                             const std::vector<double>& yi, GriddataMethod method);

}  // namespace thon
