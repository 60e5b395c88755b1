// thon's HDF5 dataset container (layout: docs/formats.md). Every HDF5 call is checked; every
// handle is owned by an RAII Handle; HDF5's own error printing is off and its error stack is
// folded into the thon::Error message.
#include "thon/io/hdf5.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "io/atomic_file.hpp"
#include "thon/build_info.hpp"
#include "thon/core/error.hpp"

namespace thon::io {

namespace {

// --- Checked calls and owned handles -------------------------------------------------------------

void init_hdf5() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported through thon::Error
    return true;
  }();
  (void)done;
}

/// The descriptions on HDF5's error stack, innermost last, for messages.
std::string error_stack() {
  std::string s;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        auto* out = static_cast<std::string*>(data);
        if (n < 3 && e->desc && *e->desc) {
          *out += out->empty() ? " (HDF5: " : "; ";
          *out += e->desc;
        }
        return 0;
      },
      &s);
  if (!s.empty()) s += ")";
  H5Eclear2(H5E_DEFAULT);
  return s;
}

[[noreturn]] void h5fail(const std::string& path, const std::string& what) {
  const std::string stack = error_stack();
  fail(ErrorCode::hdf5, path, ": ", what, stack);
}

void check(herr_t r, const std::string& path, const std::string& what) {
  if (r < 0) h5fail(path, what);
}

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = -1;
  }
  /// Closes now and reports a failure (a flush of buffered data on H5Fclose can fail).
  void close_checked(const std::string& path, const char* what) {
    if (id_ >= 0 && close_) {
      const herr_t r = close_(id_);
      id_ = -1;
      check(r, path, what);
    }
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }

 private:
  hid_t id_ = -1;
  Closer close_ = nullptr;
};

Handle checked(hid_t id, Handle::Closer close, const std::string& path, const std::string& what) {
  if (id < 0) h5fail(path, what);
  return Handle(id, close);
}

Handle string_type(std::size_t size, const std::string& path) {
  Handle t = checked(H5Tcopy(H5T_C_S1), H5Tclose, path, "string type");
  check(H5Tset_size(t, std::max<std::size_t>(size, 1)), path, "string type size");
  check(H5Tset_strpad(t, H5T_STR_NULLPAD), path, "string padding");
  return t;
}

// --- Attributes ----------------------------------------------------------------------------------

void write_attr_string(hid_t obj, const char* name, const std::string& value, const std::string& path) {
  Handle t = string_type(value.size(), path);
  Handle s = checked(H5Screate(H5S_SCALAR), H5Sclose, path, "scalar space");
  Handle a = checked(H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path,
                     std::string("create attribute ") + name);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(a, t, padded.data()), path, std::string("write attribute ") + name);
}

template <class T>
hid_t native_type();
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }

template <class T>
void write_attr(hid_t obj, const char* name, T value, const std::string& path) {
  Handle s = checked(H5Screate(H5S_SCALAR), H5Sclose, path, "scalar space");
  Handle a = checked(H5Acreate2(obj, name, native_type<T>(), s, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path,
                     std::string("create attribute ") + name);
  check(H5Awrite(a, native_type<T>(), &value), path, std::string("write attribute ") + name);
}

bool has_attr(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

std::string read_attr_string(hid_t obj, const char* name, const std::string& path) {
  Handle a = checked(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, path, std::string("attribute ") + name + " missing");
  Handle t = checked(H5Aget_type(a), H5Tclose, path, std::string("type of attribute ") + name);
  if (H5Tget_class(t) != H5T_STRING) fail(ErrorCode::hdf5, path, ": attribute ", name, " is not a string");
  if (H5Tis_variable_str(t) > 0) {
    Handle mt = checked(H5Tcopy(H5T_C_S1), H5Tclose, path, "string type");
    check(H5Tset_size(mt, H5T_VARIABLE), path, "variable string");
    char* p = nullptr;
    check(H5Aread(a, mt, &p), path, std::string("read attribute ") + name);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t n = H5Tget_size(t);
  if (n == 0 || n > (std::size_t(1) << 30)) fail(ErrorCode::hdf5, path, ": attribute ", name, " has a bad size");
  std::string s(n, '\0');
  check(H5Aread(a, t, s.data()), path, std::string("read attribute ") + name);
  const auto end = s.find('\0');
  if (end != std::string::npos) s.resize(end);
  return s;
}

template <class T>
T read_attr(hid_t obj, const char* name, const std::string& path) {
  Handle a = checked(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, path, std::string("attribute ") + name + " missing");
  Handle s = checked(H5Aget_space(a), H5Sclose, path, "attribute space");
  if (H5Sget_simple_extent_npoints(s) != 1) fail(ErrorCode::hdf5, path, ": attribute ", name, " is not a scalar");
  T v{};
  check(H5Aread(a, native_type<T>(), &v), path, std::string("read attribute ") + name);
  return v;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "\n" : "") + v[i];
  return s;
}
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  if (s.empty()) return v;
  std::size_t b = 0;
  for (;;) {
    const auto e = s.find('\n', b);
    v.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return v;
}

// --- 1-D extendible columns ----------------------------------------------------------------------

Handle create_column(hid_t group, const std::string& name, hid_t type, std::int64_t chunk, int deflate,
                     const std::string& path) {
  const hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunks[1] = {hsize_t(std::max<std::int64_t>(chunk, 1))};
  Handle space = checked(H5Screate_simple(1, dims, maxdims), H5Sclose, path, "column space");
  Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, path, "dataset properties");
  check(H5Pset_chunk(dcpl, 1, chunks), path, "column chunk");
  if (deflate > 0) {
    check(H5Pset_shuffle(dcpl), path, "shuffle filter");
    check(H5Pset_deflate(dcpl, unsigned(deflate)), path, "deflate filter");
  }
  // Appends fill one chunk after another: a cache of two chunks is enough (HDF5's default, 1 MiB
  // per dataset, would keep ~30 finished chunks of every column, growing with the row count).
  Handle dapl = checked(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose, path, "dataset access properties");
  const std::size_t chunk_bytes = std::size_t(chunks[0]) * H5Tget_size(type);
  check(H5Pset_chunk_cache(dapl, 101, 2 * chunk_bytes, 1.0), path, "column chunk cache");
  return checked(H5Dcreate2(group, name.c_str(), type, space, H5P_DEFAULT, dcpl, dapl), H5Dclose, path,
                 "create dataset " + name);
}

/// Appends `count` elements at `at` to a 1-D dataset (extends it first).
void append_column(hid_t dset, hid_t mem_type, std::int64_t at, std::int64_t count, const void* data,
                   const std::string& path, const std::string& name) {
  if (count == 0) return;
  const hsize_t new_size[1] = {hsize_t(at + count)};
  check(H5Dset_extent(dset, new_size), path, "extend " + name);
  Handle fspace = checked(H5Dget_space(dset), H5Sclose, path, "space of " + name);
  const hsize_t start[1] = {hsize_t(at)}, n[1] = {hsize_t(count)};
  check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, n, nullptr), path, "select " + name);
  Handle mspace = checked(H5Screate_simple(1, n, nullptr), H5Sclose, path, "memory space");
  check(H5Dwrite(dset, mem_type, mspace, fspace, H5P_DEFAULT, data), path, "write " + name);
}

/// Reads rows [first, first + count) of a 1-D dataset, checking its length is `expected`.
void read_column(hid_t file, const std::string& name, hid_t mem_type, std::int64_t first, std::int64_t count,
                 std::int64_t expected, void* out, const std::string& path) {
  Handle d = checked(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, path, "dataset " + name + " missing");
  Handle fspace = checked(H5Dget_space(d), H5Sclose, path, "space of " + name);
  hsize_t dims[1] = {0};
  if (H5Sget_simple_extent_ndims(fspace) != 1 || H5Sget_simple_extent_dims(fspace, dims, nullptr) < 0 ||
      std::int64_t(dims[0]) != expected)
    fail(ErrorCode::hdf5, path, ": dataset ", name, " has ", dims[0], " rows, expected ", expected);
  if (count == 0) return;
  const hsize_t start[1] = {hsize_t(first)}, n[1] = {hsize_t(count)};
  check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, n, nullptr), path, "select " + name);
  Handle mspace = checked(H5Screate_simple(1, n, nullptr), H5Sclose, path, "memory space");
  check(H5Dread(d, mem_type, mspace, fspace, H5P_DEFAULT, out), path, "read " + name);
}

// --- The standard particle columns ---------------------------------------------------------------

enum class ColType { f64, i32, i64 };
struct ColumnDef {
  const char* name;
  ColType type;
};
const ColumnDef kParticleColumns[] = {
    {"optics_group", ColType::i32},     {"rot_deg", ColType::f64},         {"tilt_deg", ColType::f64},
    {"psi_deg", ColType::f64},          {"origin_x_A", ColType::f64},      {"origin_y_A", ColType::f64},
    {"defocus_u_A", ColType::f64},      {"defocus_v_A", ColType::f64},     {"defocus_angle_deg", ColType::f64},
    {"phase_shift_deg", ColType::f64},  {"ctf_bfactor_A2", ColType::f64},  {"ctf_scale", ColType::f64},
    {"random_subset", ColType::i32},    {"class_number", ColType::i32},    {"source_row", ColType::i64},
};
constexpr int kNumParticleColumns = int(sizeof kParticleColumns / sizeof kParticleColumns[0]);

double get_f64(const Particle& p, int c) {
  switch (c) {
    case 1: return p.rot_deg;
    case 2: return p.tilt_deg;
    case 3: return p.psi_deg;
    case 4: return p.origin_x_A;
    case 5: return p.origin_y_A;
    case 6: return p.defocus_u_A;
    case 7: return p.defocus_v_A;
    case 8: return p.defocus_angle_deg;
    case 9: return p.phase_shift_deg;
    case 10: return p.ctf_bfactor_A2;
    case 11: return p.ctf_scale;
    default: return 0;
  }
}
void set_f64(Particle& p, int c, double v) {
  switch (c) {
    case 1: p.rot_deg = v; break;
    case 2: p.tilt_deg = v; break;
    case 3: p.psi_deg = v; break;
    case 4: p.origin_x_A = v; break;
    case 5: p.origin_y_A = v; break;
    case 6: p.defocus_u_A = v; break;
    case 7: p.defocus_v_A = v; break;
    case 8: p.defocus_angle_deg = v; break;
    case 9: p.phase_shift_deg = v; break;
    case 10: p.ctf_bfactor_A2 = v; break;
    case 11: p.ctf_scale = v; break;
    default: break;
  }
}
std::int64_t get_int(const Particle& p, int c) {
  switch (c) {
    case 0: return p.optics_group;
    case 12: return p.random_subset;
    case 13: return p.class_number;
    case 14: return p.source_row;
    default: return 0;
  }
}
void set_int(Particle& p, int c, std::int64_t v) {
  switch (c) {
    case 0: p.optics_group = int(v); break;
    case 12: p.random_subset = int(v); break;
    case 13: p.class_number = int(v); break;
    case 14: p.source_row = v; break;
    default: break;
  }
}
hid_t file_type(ColType t) {
  return t == ColType::f64 ? H5T_IEEE_F64LE : (t == ColType::i32 ? H5T_STD_I32LE : H5T_STD_I64LE);
}
hid_t mem_type(ColType t) {
  return t == ColType::f64 ? H5T_NATIVE_DOUBLE : (t == ColType::i32 ? H5T_NATIVE_INT32 : H5T_NATIVE_INT64);
}

const char* const kPresentFlags[] = {"has_angles", "has_origins", "has_ctf", "has_random_subset", "has_class_number",
                                     "has_pixel_size", "has_optics_ctf"};
bool* present_flag(ParticleColumns& p, int i) {
  bool* f[] = {&p.angles, &p.origins, &p.ctf, &p.random_subset, &p.class_number, &p.pixel_size, &p.optics_ctf};
  return f[i];
}

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// --- Fixed-length string columns (optics names, STAR text) -------------------------------------

/// Writes n strings (from get(i)) as a 1-D fixed-length string dataset, in slices of rows.
template <class Get>
void write_string_column(hid_t group, const std::string& name, std::int64_t n, Get&& get, int deflate,
                         const std::string& path) {
  std::size_t width = 1;
  for (std::int64_t i = 0; i < n; ++i) width = std::max(width, std::string_view(get(i)).size());
  Handle t = string_type(width, path);
  const std::int64_t rows = std::max<std::int64_t>(1, std::min<std::int64_t>(65536, (std::int64_t(64) << 20) / std::int64_t(width)));
  Handle d = create_column(group, name, t, std::min<std::int64_t>(rows, std::max<std::int64_t>(n, 1)), deflate, path);
  std::vector<char> buf;
  for (std::int64_t at = 0; at < n; at += rows) {
    const std::int64_t m = std::min(rows, n - at);
    buf.assign(std::size_t(m) * width, '\0');
    for (std::int64_t i = 0; i < m; ++i) {
      const std::string_view v = get(at + i);
      std::memcpy(buf.data() + std::size_t(i) * width, v.data(), v.size());
    }
    append_column(d, t, at, m, buf.data(), path, name);
  }
}

/// Reads a 1-D fixed-length string dataset of `expected` rows; calls put(i, text) for each row.
template <class Put>
void read_string_column(hid_t group, const std::string& name, std::int64_t expected, Put&& put, const std::string& path) {
  Handle d = checked(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, path, "dataset " + name + " missing");
  Handle t = checked(H5Dget_type(d), H5Tclose, path, "type of " + name);
  if (H5Tget_class(t) != H5T_STRING || H5Tis_variable_str(t) > 0)
    fail(ErrorCode::hdf5, path, ": dataset ", name, " is not a fixed-length string column");
  const std::size_t width = H5Tget_size(t);
  if (width == 0 || width > (std::size_t(1) << 24)) fail(ErrorCode::hdf5, path, ": dataset ", name, " has a bad string size");
  Handle fspace = checked(H5Dget_space(d), H5Sclose, path, "space of " + name);
  hsize_t dims[1] = {0};
  if (H5Sget_simple_extent_ndims(fspace) != 1 || H5Sget_simple_extent_dims(fspace, dims, nullptr) < 0 ||
      std::int64_t(dims[0]) != expected)
    fail(ErrorCode::hdf5, path, ": dataset ", name, " has ", dims[0], " rows, expected ", expected);
  const std::int64_t rows = std::max<std::int64_t>(1, std::min<std::int64_t>(65536, (std::int64_t(64) << 20) / std::int64_t(width)));
  std::vector<char> buf;
  for (std::int64_t at = 0; at < expected; at += rows) {
    const std::int64_t m = std::min(rows, expected - at);
    buf.resize(std::size_t(m) * width);
    const hsize_t start[1] = {hsize_t(at)}, n[1] = {hsize_t(m)};
    check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, n, nullptr), path, "select " + name);
    Handle mspace = checked(H5Screate_simple(1, n, nullptr), H5Sclose, path, "memory space");
    check(H5Dread(d, t, mspace, fspace, H5P_DEFAULT, buf.data()), path, "read " + name);
    for (std::int64_t i = 0; i < m; ++i) {
      const char* p = buf.data() + std::size_t(i) * width;
      put(at + i, std::string_view(p, strnlen(p, width)));
    }
  }
}

void check_name(const std::string& name, const std::string& path) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    fail(ErrorCode::invalid_argument, path, ": '", name, "' cannot be an HDF5 column name");
}

}  // namespace

// =================================================================================================
// Writer

struct DatasetWriter::Impl {
  std::string path;
  AtomicOutput out;
  int nx, ny;
  std::vector<OpticsGroup> optics;
  ParticleColumns present;
  DatasetAttributes attributes;
  DatasetWriteOptions options;
  std::vector<std::string> extra;
  Handle file, images, particles_group;
  std::vector<Handle> columns;  // standard, then extra
  std::int64_t n = 0;
  std::unique_ptr<StarFile> star;
  bool committed = false;

  explicit Impl(const std::string& p) : path(p), out(p) {}
};

DatasetWriter::DatasetWriter(const std::string& path, int nx, int ny, std::vector<OpticsGroup> optics,
                             ParticleColumns present, DatasetAttributes attributes, DatasetWriteOptions options,
                             std::vector<std::string> extra_columns) {
  init_hdf5();
  check_writable_path(path, "HDF5 output");
  THON_CHECK(nx > 0 && ny > 0, path, ": image size must be positive, got ", nx, " x ", ny);
  THON_CHECK(!optics.empty(), path, ": at least one optics group is needed");
  THON_CHECK(options.deflate_level >= 0 && options.deflate_level <= 9, path, ": deflate level must be 0-9, got ",
             options.deflate_level);
  for (const auto& e : extra_columns) {
    check_name(e, path);
    for (const auto& c : kParticleColumns)
      THON_CHECK(e != c.name, path, ": extra column '", e, "' has the name of a standard column");
  }
  impl_ = std::make_unique<Impl>(path);
  Impl& m = *impl_;
  m.nx = nx;
  m.ny = ny;
  m.optics = std::move(optics);
  m.present = present;
  m.attributes = std::move(attributes);
  m.options = options;
  m.extra = std::move(extra_columns);
  const std::string& tmp = m.out.temp_path();
  m.file = checked(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, path, "cannot create file");
  {
    const hsize_t dims[3] = {0, hsize_t(ny), hsize_t(nx)};
    const hsize_t maxdims[3] = {H5S_UNLIMITED, hsize_t(ny), hsize_t(nx)};
    const hsize_t chunk[3] = {1, hsize_t(ny), hsize_t(nx)};
    Handle space = checked(H5Screate_simple(3, dims, maxdims), H5Sclose, path, "image space");
    Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, path, "dataset properties");
    check(H5Pset_chunk(dcpl, 3, chunk), path, "image chunk");
    if (options.deflate_level > 0) {
      check(H5Pset_shuffle(dcpl), path, "shuffle filter");
      check(H5Pset_deflate(dcpl, unsigned(options.deflate_level)), path, "deflate filter");
    }
    m.images = checked(H5Dcreate2(m.file, "images", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
                       path, "create /images");
  }
  m.particles_group = checked(H5Gcreate2(m.file, "particles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, path,
                              "create /particles");
  for (const auto& c : kParticleColumns)
    m.columns.push_back(create_column(m.particles_group, c.name, file_type(c.type), options.table_chunk, 0, path));
  for (const auto& e : m.extra)
    m.columns.push_back(create_column(m.particles_group, e, H5T_IEEE_F64LE, options.table_chunk, 0, path));
}

DatasetWriter::~DatasetWriter() = default;  // handles close, AtomicOutput removes the temporary

std::int64_t DatasetWriter::count() const { return impl_->n; }

void DatasetWriter::set_star_source(const StarFile& star) { impl_->star = std::make_unique<StarFile>(star); }

void DatasetWriter::append(const float* images, const Particle* particles, std::int64_t count, const double* extra) {
  Impl& m = *impl_;
  THON_CHECK(!m.committed, m.path, ": append after commit");
  THON_CHECK(count >= 0, m.path, ": negative count");
  if (count == 0) return;
  THON_CHECK(images && particles, m.path, ": null images or particles");
  THON_CHECK(m.extra.empty() || extra, m.path, ": ", m.extra.size(), " extra columns need values");
  const std::int64_t per = std::int64_t(m.nx) * m.ny;
  for (std::int64_t i = 0; i < count * per; ++i)
    if (!std::isfinite(images[i]))
      fail(ErrorCode::invalid_argument, m.path, ": image ", m.n + i / per + 1, " has a non-finite pixel (", images[i], ")");
  for (std::int64_t i = 0; i < count; ++i) {
    bool known = false;
    for (const auto& g : m.optics) known |= g.number == particles[i].optics_group;
    THON_CHECK(known, m.path, ": particle ", m.n + i + 1, " has optics group ", particles[i].optics_group,
               " which is not in the optics table");
  }
  // Images: extend, select the new slab, write.
  {
    const hsize_t size[3] = {hsize_t(m.n + count), hsize_t(m.ny), hsize_t(m.nx)};
    check(H5Dset_extent(m.images, size), m.path, "extend /images");
    Handle fspace = checked(H5Dget_space(m.images), H5Sclose, m.path, "space of /images");
    const hsize_t start[3] = {hsize_t(m.n), 0, 0}, n[3] = {hsize_t(count), hsize_t(m.ny), hsize_t(m.nx)};
    check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, n, nullptr), m.path, "select /images");
    Handle mspace = checked(H5Screate_simple(3, n, nullptr), H5Sclose, m.path, "memory space");
    check(H5Dwrite(m.images, H5T_NATIVE_FLOAT, mspace, fspace, H5P_DEFAULT, images), m.path, "write /images");
  }
  std::vector<double> f(static_cast<std::size_t>(count));
  std::vector<std::int64_t> i64(static_cast<std::size_t>(count));
  std::vector<std::int32_t> i32(static_cast<std::size_t>(count));
  for (int c = 0; c < kNumParticleColumns; ++c) {
    const ColumnDef& def = kParticleColumns[c];
    const void* data = nullptr;
    for (std::int64_t i = 0; i < count; ++i) {
      if (def.type == ColType::f64) f[std::size_t(i)] = get_f64(particles[i], c);
      else if (def.type == ColType::i32) i32[std::size_t(i)] = std::int32_t(get_int(particles[i], c));
      else i64[std::size_t(i)] = get_int(particles[i], c);
    }
    data = def.type == ColType::f64 ? static_cast<const void*>(f.data())
                                    : (def.type == ColType::i32 ? static_cast<const void*>(i32.data())
                                                                : static_cast<const void*>(i64.data()));
    append_column(m.columns[std::size_t(c)], mem_type(def.type), m.n, count, data, m.path, def.name);
  }
  const std::size_t ne = m.extra.size();
  for (std::size_t e = 0; e < ne; ++e) {
    for (std::int64_t i = 0; i < count; ++i) f[std::size_t(i)] = extra[std::size_t(i) * ne + e];
    append_column(m.columns[std::size_t(kNumParticleColumns) + e], H5T_NATIVE_DOUBLE, m.n, count, f.data(), m.path,
                  m.extra[e]);
  }
  m.n += count;
}

void DatasetWriter::commit() {
  Impl& m = *impl_;
  THON_CHECK(!m.committed, m.path, ": committed twice");
  const std::string& path = m.path;
  // Optics table.
  {
    Handle g = checked(H5Gcreate2(m.file, "optics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, path, "create /optics");
    const std::int64_t n = std::int64_t(m.optics.size());
    std::vector<std::int32_t> ints(m.optics.size());
    std::vector<double> dbl(m.optics.size());
    auto put_i = [&](const char* name, auto get) {
      for (std::size_t i = 0; i < m.optics.size(); ++i) ints[i] = get(m.optics[i]);
      Handle d = create_column(g, name, H5T_STD_I32LE, std::max<std::int64_t>(n, 1), 0, path);
      append_column(d, H5T_NATIVE_INT32, 0, n, ints.data(), path, name);
    };
    auto put_d = [&](const char* name, auto get) {
      for (std::size_t i = 0; i < m.optics.size(); ++i) dbl[i] = get(m.optics[i]);
      Handle d = create_column(g, name, H5T_IEEE_F64LE, std::max<std::int64_t>(n, 1), 0, path);
      append_column(d, H5T_NATIVE_DOUBLE, 0, n, dbl.data(), path, name);
    };
    put_i("number", [](const OpticsGroup& o) { return o.number; });
    write_string_column(g, "name", n, [&](std::int64_t i) { return std::string_view(m.optics[std::size_t(i)].name); }, 0, path);
    put_d("pixel_size_A", [](const OpticsGroup& o) { return o.pixel_size_A; });
    put_d("voltage_kV", [](const OpticsGroup& o) { return o.voltage_kV; });
    put_d("cs_mm", [](const OpticsGroup& o) { return o.cs_mm; });
    put_d("amplitude_contrast", [](const OpticsGroup& o) { return o.amplitude_contrast; });
    put_i("image_size", [](const OpticsGroup& o) { return o.image_size; });
    put_i("image_dimensionality", [](const OpticsGroup& o) { return o.image_dimensionality; });
    std::vector<std::int64_t> rows(m.optics.size());
    for (std::size_t i = 0; i < m.optics.size(); ++i) rows[i] = m.optics[i].source_row;
    Handle d = create_column(g, "source_row", H5T_STD_I64LE, std::max<std::int64_t>(n, 1), 0, path);
    append_column(d, H5T_NATIVE_INT64, 0, n, rows.data(), path, "source_row");
  }
  // Particle table attributes.
  for (int i = 0; i < 7; ++i)
    write_attr<std::int32_t>(m.particles_group, kPresentFlags[i], *present_flag(m.present, i) ? 1 : 0, path);
  write_attr_string(m.particles_group, "extra_columns", join(m.extra), path);
  // The STAR source, as text.
  if (m.star) {
    Handle sg = checked(H5Gcreate2(m.file, "star", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, path, "create /star");
    write_attr<std::int32_t>(sg, "n_blocks", std::int32_t(m.star->blocks().size()), path);
    for (std::size_t b = 0; b < m.star->blocks().size(); ++b) {
      const StarBlock& block = m.star->blocks()[b];
      char gname[32];
      std::snprintf(gname, sizeof gname, "block_%03zu", b);
      Handle bg = checked(H5Gcreate2(sg, gname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, path, "create STAR block");
      write_attr_string(bg, "name", block.name(), path);
      write_attr<std::int32_t>(bg, "loop", block.is_loop() ? 1 : 0, path);
      write_attr<std::int64_t>(bg, "n_rows", block.n_rows(), path);
      write_attr_string(bg, "columns", join(block.columns()), path);
      for (int c = 0; c < block.n_columns(); ++c) {
        char cname[32];
        std::snprintf(cname, sizeof cname, "column_%03d", c);
        write_string_column(bg, cname, block.n_rows(), [&](std::int64_t r) { return block.text(r, c); },
                            m.options.deflate_level, path);
      }
    }
  }
  // Root attributes.
  DatasetAttributes& a = m.attributes;
  if (a.thon_version.empty()) a.thon_version = thon::build::kVersion;
  if (a.created.empty()) a.created = now_iso8601();
  if (a.pixel_size_A == 0) a.pixel_size_A = m.optics.front().pixel_size_A;
  if (a.voltage_kV == 0) a.voltage_kV = m.optics.front().voltage_kV;
  write_attr_string(m.file, "thon_format", kDatasetFormat, path);
  write_attr<std::int32_t>(m.file, "thon_format_version", kDatasetFormatVersion, path);
  write_attr_string(m.file, "thon_version", a.thon_version, path);
  write_attr_string(m.file, "generator", a.generator, path);
  write_attr_string(m.file, "command_line", a.command_line, path);
  write_attr_string(m.file, "created", a.created, path);
  write_attr<std::int64_t>(m.file, "seed", a.seed, path);
  write_attr<double>(m.file, "pixel_size_A", a.pixel_size_A, path);
  write_attr<double>(m.file, "voltage_kV", a.voltage_kV, path);
  write_attr<std::int64_t>(m.file, "n_particles", m.n, path);
  write_attr<double>(m.images, "pixel_size_A", a.pixel_size_A, path);
  write_attr<std::int32_t>(m.images, "deflate_level", m.options.deflate_level, path);
  // Close everything (flushes), then move into place.
  m.columns.clear();
  m.images.reset();
  m.particles_group.reset();
  check(H5Fflush(m.file, H5F_SCOPE_GLOBAL), path, "flush");
  m.file.close_checked(path, "close");
  m.out.commit();
  m.committed = true;
}

// =================================================================================================
// Reader

struct DatasetReader::Impl {
  std::string path;
  Handle file;
  int nx = 0, ny = 0;
  std::int64_t n = 0;
  int deflate = 0;
  std::vector<OpticsGroup> optics;
  ParticleColumns present;
  DatasetAttributes attributes;
  std::vector<std::string> extra;
};

DatasetReader::DatasetReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  init_hdf5();
  Impl& m = *impl_;
  m.path = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(ErrorCode::io, path, ": no such file");
  if (std::filesystem::is_directory(path, ec)) fail(ErrorCode::io, path, ": is a directory");
  const htri_t is = H5Fis_hdf5(path.c_str());
  if (is <= 0) {
    error_stack();
    fail(ErrorCode::hdf5, path, ": not an HDF5 file (or truncated)");
  }
  m.file = checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path,
                   "cannot open (truncated or damaged HDF5 file?)");
  if (!has_attr(m.file, "thon_format") || read_attr_string(m.file, "thon_format", path) != kDatasetFormat)
    fail(ErrorCode::hdf5, path, ": not a thon dataset (root attribute thon_format is not '", kDatasetFormat, "')");
  const int version = read_attr<std::int32_t>(m.file, "thon_format_version", path);
  if (version < 1 || version > kDatasetFormatVersion)
    fail(ErrorCode::unsupported, path, ": thon dataset format version ", version, " (this build reads 1 to ",
         kDatasetFormatVersion, ")");
  DatasetAttributes& a = m.attributes;
  a.thon_version = read_attr_string(m.file, "thon_version", path);
  a.generator = read_attr_string(m.file, "generator", path);
  a.command_line = read_attr_string(m.file, "command_line", path);
  a.created = read_attr_string(m.file, "created", path);
  a.seed = read_attr<std::int64_t>(m.file, "seed", path);
  a.pixel_size_A = read_attr<double>(m.file, "pixel_size_A", path);
  a.voltage_kV = read_attr<double>(m.file, "voltage_kV", path);
  {
    Handle d = checked(H5Dopen2(m.file, "images", H5P_DEFAULT), H5Dclose, path, "dataset /images missing");
    Handle t = checked(H5Dget_type(d), H5Tclose, path, "type of /images");
    if (H5Tget_class(t) != H5T_FLOAT) fail(ErrorCode::hdf5, path, ": /images is not floating point");
    Handle s = checked(H5Dget_space(d), H5Sclose, path, "space of /images");
    hsize_t dims[3];
    if (H5Sget_simple_extent_ndims(s) != 3 || H5Sget_simple_extent_dims(s, dims, nullptr) < 0)
      fail(ErrorCode::hdf5, path, ": /images is not n x ny x nx");
    if (dims[1] == 0 || dims[2] == 0 || dims[1] > (1u << 20) || dims[2] > (1u << 20))
      fail(ErrorCode::hdf5, path, ": /images has a bad image size ", dims[2], " x ", dims[1]);
    m.n = std::int64_t(dims[0]);
    m.ny = int(dims[1]);
    m.nx = int(dims[2]);
    m.deflate = has_attr(d, "deflate_level") ? read_attr<std::int32_t>(d, "deflate_level", path) : 0;
  }
  if (read_attr<std::int64_t>(m.file, "n_particles", path) != m.n)
    fail(ErrorCode::hdf5, path, ": n_particles attribute does not match /images");
  {
    Handle g = checked(H5Gopen2(m.file, "particles", H5P_DEFAULT), H5Gclose, path, "group /particles missing");
    for (int i = 0; i < 7; ++i) *present_flag(m.present, i) = read_attr<std::int32_t>(g, kPresentFlags[i], path) != 0;
    m.extra = split_lines(read_attr_string(g, "extra_columns", path));
  }
  {
    Handle g = checked(H5Gopen2(m.file, "optics", H5P_DEFAULT), H5Gclose, path, "group /optics missing");
    Handle d = checked(H5Dopen2(g, "number", H5P_DEFAULT), H5Dclose, path, "dataset /optics/number missing");
    Handle s = checked(H5Dget_space(d), H5Sclose, path, "space of /optics/number");
    hsize_t dims[1] = {0};
    if (H5Sget_simple_extent_ndims(s) != 1 || H5Sget_simple_extent_dims(s, dims, nullptr) < 0 || dims[0] == 0 ||
        dims[0] > 1000000)
      fail(ErrorCode::hdf5, path, ": /optics/number is not a non-empty 1-D table");
    const std::int64_t n = std::int64_t(dims[0]);
    m.optics.resize(std::size_t(n));
    std::vector<std::int32_t> ints(static_cast<std::size_t>(n));
    std::vector<double> dbl(static_cast<std::size_t>(n));
    std::vector<std::int64_t> i64(static_cast<std::size_t>(n));
    auto get_i = [&](const char* name, auto set) {
      read_column(g, name, H5T_NATIVE_INT32, 0, n, n, ints.data(), path);
      for (std::size_t i = 0; i < std::size_t(n); ++i) set(m.optics[i], ints[i]);
    };
    auto get_d = [&](const char* name, auto set) {
      read_column(g, name, H5T_NATIVE_DOUBLE, 0, n, n, dbl.data(), path);
      for (std::size_t i = 0; i < std::size_t(n); ++i) set(m.optics[i], dbl[i]);
    };
    get_i("number", [](OpticsGroup& o, int v) { o.number = v; });
    read_string_column(g, "name", n, [&](std::int64_t i, std::string_view v) { m.optics[std::size_t(i)].name = std::string(v); }, path);
    get_d("pixel_size_A", [](OpticsGroup& o, double v) { o.pixel_size_A = v; });
    get_d("voltage_kV", [](OpticsGroup& o, double v) { o.voltage_kV = v; });
    get_d("cs_mm", [](OpticsGroup& o, double v) { o.cs_mm = v; });
    get_d("amplitude_contrast", [](OpticsGroup& o, double v) { o.amplitude_contrast = v; });
    get_i("image_size", [](OpticsGroup& o, int v) { o.image_size = v; });
    get_i("image_dimensionality", [](OpticsGroup& o, int v) { o.image_dimensionality = v; });
    read_column(g, "source_row", H5T_NATIVE_INT64, 0, n, n, i64.data(), path);
    for (std::size_t i = 0; i < std::size_t(n); ++i) m.optics[i].source_row = i64[i];
  }
}

DatasetReader::~DatasetReader() = default;
DatasetReader::DatasetReader(DatasetReader&&) noexcept = default;
DatasetReader& DatasetReader::operator=(DatasetReader&&) noexcept = default;

int DatasetReader::nx() const { return impl_->nx; }
int DatasetReader::ny() const { return impl_->ny; }
std::int64_t DatasetReader::count() const { return impl_->n; }
const std::vector<OpticsGroup>& DatasetReader::optics() const { return impl_->optics; }
const ParticleColumns& DatasetReader::present() const { return impl_->present; }
const DatasetAttributes& DatasetReader::attributes() const { return impl_->attributes; }
const std::vector<std::string>& DatasetReader::extra_columns() const { return impl_->extra; }
int DatasetReader::deflate_level() const { return impl_->deflate; }
const std::string& DatasetReader::path() const { return impl_->path; }

void DatasetReader::read_images(std::int64_t first, std::int64_t count, float* out) const {
  const Impl& m = *impl_;
  THON_CHECK(first >= 0 && count >= 0 && first + count <= m.n, m.path, ": images [", first, ", ", first + count,
             ") out of range (", m.n, " images)");
  if (count == 0) return;
  Handle d = checked(H5Dopen2(m.file, "images", H5P_DEFAULT), H5Dclose, m.path, "dataset /images missing");
  Handle fspace = checked(H5Dget_space(d), H5Sclose, m.path, "space of /images");
  const hsize_t start[3] = {hsize_t(first), 0, 0}, n[3] = {hsize_t(count), hsize_t(m.ny), hsize_t(m.nx)};
  check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, n, nullptr), m.path, "select /images");
  Handle mspace = checked(H5Screate_simple(3, n, nullptr), H5Sclose, m.path, "memory space");
  check(H5Dread(d, H5T_NATIVE_FLOAT, mspace, fspace, H5P_DEFAULT, out), m.path, "read /images");
}

std::vector<Particle> DatasetReader::read_particles(std::int64_t first, std::int64_t count) const {
  const Impl& m = *impl_;
  THON_CHECK(first >= 0 && count >= 0 && first + count <= m.n, m.path, ": particles [", first, ", ", first + count,
             ") out of range (", m.n, " particles)");
  std::vector<Particle> ps(static_cast<std::size_t>(count));
  Handle g = checked(H5Gopen2(m.file, "particles", H5P_DEFAULT), H5Gclose, m.path, "group /particles missing");
  std::vector<double> f(static_cast<std::size_t>(count));
  std::vector<std::int64_t> i64(static_cast<std::size_t>(count));
  for (int c = 0; c < kNumParticleColumns; ++c) {
    const ColumnDef& def = kParticleColumns[c];
    if (def.type == ColType::f64) {
      read_column(g, def.name, H5T_NATIVE_DOUBLE, first, count, m.n, f.data(), m.path);
      for (std::int64_t i = 0; i < count; ++i) set_f64(ps[std::size_t(i)], c, f[std::size_t(i)]);
    } else {
      read_column(g, def.name, H5T_NATIVE_INT64, first, count, m.n, i64.data(), m.path);
      for (std::int64_t i = 0; i < count; ++i) set_int(ps[std::size_t(i)], c, i64[std::size_t(i)]);
    }
  }
  const std::string file_name = std::filesystem::path(m.path).filename().string();
  for (std::int64_t i = 0; i < count; ++i) {
    Particle& p = ps[std::size_t(i)];
    p.image_name = format_image_name(first + i, file_name);
    bool known = false;
    for (const auto& o : m.optics) known |= o.number == p.optics_group;
    if (!known)
      fail(ErrorCode::hdf5, m.path, ": /particles/optics_group row ", first + i, " names optics group ", p.optics_group,
           " which is not in /optics");
  }
  return ps;
}

std::vector<double> DatasetReader::read_extra(const std::string& column, std::int64_t first, std::int64_t count) const {
  const Impl& m = *impl_;
  THON_CHECK(std::find(m.extra.begin(), m.extra.end(), column) != m.extra.end(), m.path, ": no extra column '", column, "'");
  THON_CHECK(first >= 0 && count >= 0 && first + count <= m.n, m.path, ": rows out of range");
  std::vector<double> v(static_cast<std::size_t>(count));
  Handle g = checked(H5Gopen2(m.file, "particles", H5P_DEFAULT), H5Gclose, m.path, "group /particles missing");
  read_column(g, column, H5T_NATIVE_DOUBLE, first, count, m.n, v.data(), m.path);
  return v;
}

bool DatasetReader::has_star_source() const { return H5Lexists(impl_->file, "star", H5P_DEFAULT) > 0; }

StarFile DatasetReader::star_source() const {
  const Impl& m = *impl_;
  Handle sg = checked(H5Gopen2(m.file, "star", H5P_DEFAULT), H5Gclose, m.path, "group /star missing");
  const int n_blocks = read_attr<std::int32_t>(sg, "n_blocks", m.path);
  if (n_blocks < 0 || n_blocks > 100000) fail(ErrorCode::hdf5, m.path, ": /star has a bad block count");
  StarFile star;
  for (int b = 0; b < n_blocks; ++b) {
    char gname[32];
    std::snprintf(gname, sizeof gname, "block_%03d", b);
    Handle bg = checked(H5Gopen2(sg, gname, H5P_DEFAULT), H5Gclose, m.path, std::string("/star/") + gname + " missing");
    const bool loop = read_attr<std::int32_t>(bg, "loop", m.path) != 0;
    const std::int64_t rows = read_attr<std::int64_t>(bg, "n_rows", m.path);
    if (rows < 0 || (!loop && rows != 1)) fail(ErrorCode::hdf5, m.path, ": /star/", gname, " has a bad row count");
    StarBlock block(read_attr_string(bg, "name", m.path), loop);
    block.set_source(m.path + ":/star/" + gname);
    const std::vector<std::string> cols = split_lines(read_attr_string(bg, "columns", m.path));
    for (const auto& c : cols) {
      if (block.has_column(c)) fail(ErrorCode::hdf5, m.path, ": /star/", gname, " repeats column ", c);
      block.add_column(c);
    }
    if (loop) {
      block.reserve_rows(rows);
      for (std::int64_t r = 0; r < rows; ++r) block.add_row();
    }
    for (std::size_t c = 0; c < cols.size(); ++c) {
      char cname[32];
      std::snprintf(cname, sizeof cname, "column_%03zu", c);
      read_string_column(bg, cname, rows, [&](std::int64_t r, std::string_view v) { block.set_text(r, int(c), v); }, m.path);
    }
    star.add_block(std::move(block));
  }
  return star;
}

// =================================================================================================
// Description for `thon info`

namespace {

struct Describe {
  std::ostringstream out;
  std::string path;
};

std::string describe_type(hid_t t) {
  const H5T_class_t cls = H5Tget_class(t);
  const std::size_t size = H5Tget_size(t);
  switch (cls) {
    case H5T_FLOAT: return "float" + std::to_string(size * 8);
    case H5T_INTEGER: return (H5Tget_sign(t) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(size * 8);
    case H5T_STRING: return H5Tis_variable_str(t) > 0 ? "string (variable)" : "string[" + std::to_string(size) + "]";
    case H5T_COMPOUND: return "compound (" + std::to_string(H5Tget_nmembers(t)) + " members)";
    default: return "class " + std::to_string(int(cls)) + ", " + std::to_string(size) + " bytes";
  }
}

std::string describe_space(hid_t s) {
  const int nd = H5Sget_simple_extent_ndims(s);
  if (nd <= 0) return "scalar";
  hsize_t dims[32];
  if (nd > 32 || H5Sget_simple_extent_dims(s, dims, nullptr) < 0) return "?";
  std::string r;
  for (int i = 0; i < nd; ++i) r += (i ? " x " : "") + std::to_string(dims[i]);
  return r;
}

herr_t describe_attribute(hid_t loc, const char* name, const H5A_info_t*, void* data) {
  auto* d = static_cast<Describe*>(data);
  const hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) return 0;
  Handle ah(a, H5Aclose);
  Handle t(H5Aget_type(a), H5Tclose);
  Handle s(H5Aget_space(a), H5Sclose);
  d->out << "    @" << name << " = ";
  const bool scalar = H5Sget_simple_extent_npoints(s) == 1;
  if (H5Tget_class(t) == H5T_STRING) {
    try {
      std::string v = read_attr_string(loc, name, d->path);
      if (v.size() > 200) v = v.substr(0, 200) + "...";
      for (auto& c : v)
        if (c == '\n') c = ',';
      d->out << '"' << v << '"';
    } catch (const Error&) {
      d->out << "(unreadable string)";
    }
  } else if (scalar && H5Tget_class(t) == H5T_FLOAT) {
    double v = 0;
    if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0) d->out << v;
  } else if (scalar && H5Tget_class(t) == H5T_INTEGER) {
    long long v = 0;
    if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) d->out << v;
  } else {
    d->out << describe_type(t) << " [" << describe_space(s) << "]";
  }
  d->out << "\n";
  return 0;
}

herr_t describe_link(hid_t group, const char* name, const H5L_info_t*, void* data) {
  auto* d = static_cast<Describe*>(data);
  const hid_t o = H5Oopen(group, name, H5P_DEFAULT);
  if (o < 0) {
    d->out << "/" << name << ": (cannot open)\n";
    return 0;
  }
  Handle oh(o, H5Oclose);
  const H5I_type_t type = H5Iget_type(o);
  if (type == H5I_GROUP) {
    d->out << "/" << name << "/ (group)\n";
  } else if (type == H5I_DATASET) {
    Handle t(H5Dget_type(o), H5Tclose);
    Handle s(H5Dget_space(o), H5Sclose);
    Handle p(H5Dget_create_plist(o), H5Pclose);
    d->out << "/" << name << ": " << describe_type(t) << " [" << describe_space(s) << "]";
    if (H5Pget_layout(p) == H5D_CHUNKED) {
      hsize_t chunk[32];
      const int nd = H5Pget_chunk(p, 32, chunk);
      d->out << ", chunks ";
      for (int i = 0; i < nd; ++i) d->out << (i ? " x " : "") << chunk[i];
      const int nf = H5Pget_nfilters(p);
      for (int i = 0; i < nf; ++i) {
        unsigned flags = 0;
        std::size_t ne = 0;
        char fname[64] = {0};
        unsigned config = 0;
        const H5Z_filter_t f = H5Pget_filter2(p, unsigned(i), &flags, &ne, nullptr, sizeof fname, fname, &config);
        d->out << (i ? ", " : ", filters ") << (f == H5Z_FILTER_DEFLATE ? "deflate" : (f == H5Z_FILTER_SHUFFLE ? "shuffle" : fname));
      }
    }
    d->out << "\n";
  } else {
    d->out << "/" << name << ": (other object)\n";
  }
  hsize_t idx = 0;
  H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, &idx, describe_attribute, d);
  return 0;
}

}  // namespace

std::string describe_hdf5_file(const std::string& path) {
  init_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(ErrorCode::io, path, ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    error_stack();
    fail(ErrorCode::hdf5, path, ": not an HDF5 file (or truncated)");
  }
  Handle file = checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path, "cannot open");
  Describe d;
  d.path = path;
  d.out << "/ (root)\n";
  hsize_t idx = 0;
  check(H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, &idx, describe_attribute, &d), path, "attributes");
  check(H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, describe_link, &d), path, "walk the file");
  return d.out.str();
}

}  // namespace thon::io
