// MRC2014 reader and writer (format: Cheng et al. 2015, J. Struct. Biol. 192:146, "MRC2014:
// Extensions to the MRC format header for electron cryo-microscopy and tomography"; the word layout
// below follows https://www.ccpem.ac.uk/mrc_format/mrc2014.php).
//
// Word (4-byte) offsets of the 1024-byte header used here:
//   0-2 nx ny nz, 3 mode, 4-6 nxstart nystart nzstart, 7-9 mx my mz, 10-12 cell (Å),
//   13-15 cell angles, 16-18 mapc mapr maps, 19-21 dmin dmax dmean, 22 ispg, 23 nsymbt,
//   26 exttyp, 27 nversion, 49-51 origin (Å), 52 "MAP ", 53 machine stamp, 54 rms, 55 nlabl,
//   56-255 ten 80-character labels.
#include "thon/io/mrc.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include "io/atomic_file.hpp"
#include "thon/build_info.hpp"
#include "thon/core/error.hpp"

namespace thon::io {

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kChunkBytes = std::int64_t(8) << 20;  // read/convert 8 MiB at a time

bool host_is_little_endian() {
  const std::uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

// --- byte order -------------------------------------------------------------------------------

std::uint32_t load_u32(const unsigned char* p, bool big) {
  return big ? (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3]
             : (std::uint32_t(p[3]) << 24) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[1]) << 8) | p[0];
}
std::int32_t load_i32(const unsigned char* p, bool big) {
  const std::uint32_t u = load_u32(p, big);
  std::int32_t v;
  std::memcpy(&v, &u, 4);
  return v;
}
float load_f32(const unsigned char* p, bool big) {
  const std::uint32_t u = load_u32(p, big);
  float v;
  std::memcpy(&v, &u, 4);
  return v;
}
std::uint16_t load_u16(const unsigned char* p, bool big) {
  return big ? std::uint16_t((p[0] << 8) | p[1]) : std::uint16_t((p[1] << 8) | p[0]);
}

void store_i32(unsigned char* p, std::int32_t v) {  // little-endian
  std::uint32_t u;
  std::memcpy(&u, &v, 4);
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(u >> (8 * i));
}
void store_f32(unsigned char* p, float v) {
  std::int32_t i;
  std::memcpy(&i, &v, 4);
  store_i32(p, i);
}

/// IEEE 754 binary16 -> float, by hand (sign, 5-bit exponent bias 15, 10-bit fraction).
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t fraction = h & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0) {
    if (fraction == 0) {
      bits = sign;  // +-0
    } else {        // subnormal: value = fraction * 2^-24; normalise into a float
      int e = -1;
      do {
        ++e;
        fraction <<= 1;
      } while ((fraction & 0x400u) == 0);
      bits = sign | (std::uint32_t(127 - 15 - e) << 23) | ((fraction & 0x3ffu) << 13);
    }
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (fraction << 13);  // Inf or NaN
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (fraction << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

bool valid_mode(int mode) { return mode == 0 || mode == 1 || mode == 2 || mode == 6 || mode == 12; }

int mode_bytes(int mode) {
  switch (mode) {
    case 0: return 1;
    case 1: return 2;
    case 2: return 4;
    case 6: return 2;
    case 12: return 2;
    default: return 0;
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Converts `n` stored voxels of `mode` to float.
void convert(const unsigned char* in, std::int64_t n, int mode, bool big, float* out) {
  switch (mode) {
    case 0:
      for (std::int64_t i = 0; i < n; ++i) out[i] = float(static_cast<signed char>(in[i]));
      break;
    case 1:
      for (std::int64_t i = 0; i < n; ++i) out[i] = float(std::int16_t(load_u16(in + 2 * i, big)));
      break;
    case 2:
      if (big == !host_is_little_endian()) {
        std::memcpy(out, in, std::size_t(n) * 4);
      } else {
        for (std::int64_t i = 0; i < n; ++i) out[i] = load_f32(in + 4 * i, big);
      }
      break;
    case 6:
      for (std::int64_t i = 0; i < n; ++i) out[i] = float(load_u16(in + 2 * i, big));
      break;
    case 12:
      for (std::int64_t i = 0; i < n; ++i) out[i] = half_to_float(load_u16(in + 2 * i, big));
      break;
    default:
      fail(ErrorCode::internal, "convert: mode ", mode);
  }
}

/// Opens `path` for reading, with messages for a missing path and a directory.
std::ifstream open_for_reading(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) fail(ErrorCode::io, path, ": no such file");
  if (fs::is_directory(status)) fail(ErrorCode::io, path, ": is a directory, not an MRC file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::io, path, ": cannot open for reading: ", std::strerror(errno));
  return in;
}

std::int64_t file_size_of(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) fail(ErrorCode::io, path, ": cannot read the file size: ", ec.message());
  return std::int64_t(size);
}

/// First non-finite value in out[0, n); -1 when none.
std::int64_t first_non_finite(const float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isfinite(out[i])) return i;
  return -1;
}

}  // namespace

// --- header -----------------------------------------------------------------------------------

int MrcHeader::bytes_per_voxel() const {
  const int b = mode_bytes(mode);
  THON_CHECK_CODE(b > 0, unsupported, "MRC mode ", mode, " is not supported (0, 1, 2, 6, 12 are)");
  return b;
}

std::int64_t MrcHeader::data_bytes() const {
  return std::int64_t(nx) * ny * nz * bytes_per_voxel();
}

double MrcHeader::pixel_size_A() const { return voxel_size_A()[0]; }

std::array<double, 3> MrcHeader::voxel_size_A() const {
  const int m[3] = {mx, my, mz};
  std::array<double, 3> v{0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (m[i] > 0 && std::isfinite(cell_A[i]) && cell_A[i] > 0) v[i] = double(cell_A[i]) / m[i];
  }
  return v;
}

bool MrcHeader::is_stack() const {
  if (ispg == 0 && (mz == 1 || nz == 1)) return true;
  if ((ispg >= 1 && ispg <= 230) || (ispg >= 401 && ispg <= 630)) return false;
  return stack_extension;
}

std::array<int, 3> MrcHeader::xyz_dims() const {
  std::array<int, 3> d{0, 0, 0};
  d[mapc - 1] = nx;
  d[mapr - 1] = ny;
  d[maps - 1] = nz;
  return d;
}

MrcHeader parse_mrc_header(const void* bytes, std::size_t n, std::int64_t file_size,
                           const std::string& name) {
  if (n < std::size_t(kMrcHeaderBytes) || file_size < kMrcHeaderBytes)
    fail(ErrorCode::io, name, ": truncated header: ", std::min<std::int64_t>(std::int64_t(n), file_size),
         " bytes, an MRC header has ", kMrcHeaderBytes);
  const auto* b = static_cast<const unsigned char*>(bytes);
  MrcHeader h;
  std::memcpy(h.machine_stamp, b + 212, 4);

  // Byte order: the machine stamp (0x44 0x44 or 0x44 0x41 little, 0x11 0x11 big); files with a
  // zero or odd stamp (old writers, RELION 3.1 stacks) are guessed from the mode word, whose
  // valid values are small in the right order.
  bool big;
  if (b[212] == 0x44 || b[212] == 0x41) {
    big = false;
  } else if (b[212] == 0x11) {
    big = true;
  } else {
    const bool le_ok = valid_mode(load_i32(b + 12, false)) && load_i32(b, false) > 0;
    const bool be_ok = valid_mode(load_i32(b + 12, true)) && load_i32(b, true) > 0;
    big = !le_ok && be_ok;
  }
  h.big_endian = big;
  auto i32 = [&](int word) { return load_i32(b + 4 * word, big); };
  auto f32 = [&](int word) { return load_f32(b + 4 * word, big); };

  h.nx = i32(0), h.ny = i32(1), h.nz = i32(2);
  h.mode = i32(3);
  h.nxstart = i32(4), h.nystart = i32(5), h.nzstart = i32(6);
  h.mx = i32(7), h.my = i32(8), h.mz = i32(9);
  for (int i = 0; i < 3; ++i) {
    h.cell_A[i] = f32(10 + i);
    h.cell_deg[i] = f32(13 + i);
    h.origin_A[i] = f32(49 + i);
  }
  h.mapc = i32(16), h.mapr = i32(17), h.maps = i32(18);
  h.dmin = f32(19), h.dmax = f32(20), h.dmean = f32(21);
  h.ispg = i32(22);
  h.nsymbt = i32(23);
  h.nversion = i32(27);
  h.has_map_id = std::memcmp(b + 208, "MAP ", 4) == 0;
  h.rms = f32(54);
  h.nlabl = i32(55);
  const int nlabels = std::clamp(h.nlabl, 0, 10);
  for (int i = 0; i < nlabels; ++i) {
    std::string label(reinterpret_cast<const char*>(b + 224 + 80 * i), 80);
    for (auto& c : label)
      if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = ' ';
    label.erase(label.find_last_not_of(' ') + 1);
    h.labels[std::size_t(i)] = label;
  }
  h.stack_extension = ends_with(lower(name), ".mrcs");

  // Validation, in the order a reader needs the fields; nothing is allocated before it passes.
  const char* dim_names[3] = {"nx", "ny", "nz"};
  const int dims[3] = {h.nx, h.ny, h.nz};
  for (int i = 0; i < 3; ++i)
    if (dims[i] <= 0)
      fail(ErrorCode::io, name, ": header field ", dim_names[i], " = ", dims[i],
           " (dimensions must be positive; a byte order of ", big ? "big" : "little",
           "-endian was assumed)");
  if (!valid_mode(h.mode))
    fail(ErrorCode::io, name, ": header field mode = ", h.mode,
         " is not a supported MRC mode (0 int8, 1 int16, 2 float32, 6 uint16, 12 float16)");
  {
    const int axes[3] = {h.mapc, h.mapr, h.maps};
    bool seen[4] = {false, false, false, false};
    bool ok = true;
    for (int a : axes) {
      if (a < 1 || a > 3 || seen[a]) ok = false;
      else seen[a] = true;
    }
    if (!ok)
      fail(ErrorCode::io, name, ": header fields mapc, mapr, maps = ", h.mapc, ", ", h.mapr, ", ",
           h.maps, " are not a permutation of 1, 2, 3");
  }
  if (h.nsymbt < 0)
    fail(ErrorCode::io, name, ": header field nsymbt = ", h.nsymbt, " (extended header bytes) is negative");
  if (h.data_offset() > file_size)
    fail(ErrorCode::io, name, ": header field nsymbt = ", h.nsymbt, " puts the data at byte ",
         h.data_offset(), ", beyond the end of the file (", file_size, " bytes)");
  // nx*ny*nz*bytes in 128-bit-safe steps: each factor < 2^31, so compare in long double first.
  const long double want = (long double)h.nx * h.ny * h.nz * mode_bytes(h.mode);
  const std::int64_t available = file_size - h.data_offset();
  if (want > (long double)available)
    fail(ErrorCode::io, name, ": truncated or inconsistent: nx * ny * nz * bytes per voxel = ", h.nx,
         " * ", h.ny, " * ", h.nz, " * ", mode_bytes(h.mode), " = ", (double)want,
         " bytes of data, but the file has ", available, " after the ", h.data_offset(),
         "-byte header (file size ", file_size, ")");
  return h;
}

MrcHeader read_mrc_header(const std::string& path) {
  std::ifstream in = open_for_reading(path);
  const std::int64_t size = file_size_of(path);
  unsigned char buf[kMrcHeaderBytes] = {};
  in.read(reinterpret_cast<char*>(buf), kMrcHeaderBytes);
  const std::size_t got = std::size_t(in.gcount());
  return parse_mrc_header(buf, got, size, path);
}

// --- reading ----------------------------------------------------------------------------------

void read_mrc_sections(const std::string& path, const MrcHeader& h, std::int64_t first,
                       std::int64_t count, float* out) {
  THON_CHECK(first >= 0 && count >= 0 && first + count <= h.nz, path, ": sections ", first, " to ",
             first + count - 1, " requested, the file has ", h.nz, " (0 to ", h.nz - 1, ")");
  if (count == 0) return;
  const int bpv = h.bytes_per_voxel();
  const std::int64_t section = std::int64_t(h.nx) * h.ny;
  std::ifstream in = open_for_reading(path);
  in.seekg(h.data_offset() + first * section * bpv);
  if (!in) fail(ErrorCode::io, path, ": cannot seek to section ", first);

  const std::int64_t total = section * count;
  const std::int64_t chunk_voxels = std::max<std::int64_t>(1, kChunkBytes / bpv);
  std::vector<unsigned char> raw(std::size_t(std::min(total, chunk_voxels) * bpv));
  const bool float_mode = h.mode == 2 || h.mode == 12;
  for (std::int64_t done = 0; done < total;) {
    const std::int64_t n = std::min(chunk_voxels, total - done);
    in.read(reinterpret_cast<char*>(raw.data()), n * bpv);
    if (in.gcount() != n * bpv)
      fail(ErrorCode::io, path, ": truncated data: ended at voxel ", first * section + done + in.gcount() / bpv,
           " of ", std::int64_t(h.nx) * h.ny * h.nz);
    convert(raw.data(), n, h.mode, h.big_endian, out + done);
    if (float_mode) {
      const std::int64_t bad = first_non_finite(out + done, n);
      if (bad >= 0) {
        const std::int64_t v = first * section + done + bad;
        const std::int64_t c = v % h.nx, r = (v / h.nx) % h.ny, s = v / section;
        fail(ErrorCode::io, path, ": data: voxel (column ", c, ", row ", r, ", section ", s, ") is ",
             out[done + bad], "; MRC data must be finite");
      }
    }
    done += n;
  }
}

namespace {

/// Reads the whole file into `out` ([z][y][x] of xyz_dims()), permuting the axes when needed.
void read_all(const std::string& path, const MrcHeader& h, float* out) {
  if (h.standard_axes()) {
    read_mrc_sections(path, h, 0, h.nz, out);
    return;
  }
  // Stored element (column c, row r, section s) lands at x/y/z = its axis: mapc says which of
  // x (1), y (2), z (3) the columns run along, and so on.
  const auto d = h.xyz_dims();
  const std::int64_t stride_xyz[3] = {1, d[0], std::int64_t(d[0]) * d[1]};
  const std::int64_t sc = stride_xyz[h.mapc - 1], sr = stride_xyz[h.mapr - 1], ss = stride_xyz[h.maps - 1];
  const std::int64_t section = std::int64_t(h.nx) * h.ny;
  std::vector<float> buf(static_cast<std::size_t>(section));
  for (int s = 0; s < h.nz; ++s) {
    read_mrc_sections(path, h, s, 1, buf.data());
    for (int r = 0; r < h.ny; ++r)
      for (int c = 0; c < h.nx; ++c) out[s * ss + r * sr + c * sc] = buf[std::size_t(std::int64_t(r) * h.nx + c)];
  }
}

}  // namespace

Volume<float> read_mrc_volume(const std::string& path) {
  const MrcHeader h = read_mrc_header(path);
  const auto d = h.xyz_dims();
  Volume<float> v(d[0], d[1], d[2], h.pixel_size_A());
  read_all(path, h, v.data());
  return v;
}

ImageStack<float> read_mrc_stack(const std::string& path) {
  const MrcHeader h = read_mrc_header(path);
  const auto d = h.xyz_dims();
  ImageStack<float> s(d[0], d[1], d[2], h.pixel_size_A());
  read_all(path, h, s.data());
  return s;
}

void read_mrc_images(const std::string& path, const MrcHeader& h, std::int64_t first,
                     std::int64_t count, float* out) {
  THON_CHECK_CODE(h.standard_axes(), unsupported, path, ": reading single images needs axis order 1,2,3; mapc, mapr, maps = ",
                  h.mapc, ", ", h.mapr, ", ", h.maps, " (read the whole file with read_mrc_stack)");
  THON_CHECK(first >= 0 && count >= 0 && first + count <= h.nz, path, ": images ", first, " to ",
             first + count - 1, " requested, the stack has ", h.nz, " (0 to ", h.nz - 1, ")");
  read_mrc_sections(path, h, first, count, out);
}

Image<float> read_mrc_image(const std::string& path, std::int64_t index) {
  const MrcHeader h = read_mrc_header(path);
  Image<float> image(h.nx, h.ny, h.pixel_size_A());
  read_mrc_images(path, h, index, 1, image.data());
  return image;
}

MrcStats mrc_data_stats(const std::string& path, const MrcHeader& h, std::int64_t sections_per_batch) {
  THON_CHECK(sections_per_batch >= 0, "mrc_data_stats: sections_per_batch = ", sections_per_batch);
  const std::int64_t section = std::int64_t(h.nx) * h.ny;
  if (sections_per_batch == 0) sections_per_batch = std::max<std::int64_t>(1, (std::int64_t(32) << 20) / (4 * section));
  const std::int64_t batch = std::min<std::int64_t>(sections_per_batch, h.nz);
  std::vector<float> buf(std::size_t(batch * section));
  // Chan et al. pairwise combination of per-batch mean and sum of squared deviations (M2).
  MrcStats st;
  double m2 = 0;
  st.min = std::numeric_limits<double>::infinity();
  st.max = -st.min;
  for (std::int64_t first = 0; first < h.nz; first += batch) {
    const std::int64_t count = std::min(batch, std::int64_t(h.nz) - first);
    read_mrc_sections(path, h, first, count, buf.data());
    const std::int64_t n = count * section;
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = buf[std::size_t(i)];
      sum += x;
      st.min = std::min(st.min, x);
      st.max = std::max(st.max, x);
    }
    const double mean_b = sum / double(n);
    double m2_b = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double dx = buf[std::size_t(i)] - mean_b;
      m2_b += dx * dx;
    }
    const double n_a = double(st.count), n_b = double(n), n_ab = n_a + n_b;
    const double delta = mean_b - st.mean;
    st.mean += delta * n_b / n_ab;
    m2 += m2_b + delta * delta * n_a * n_b / n_ab;
    st.count += n;
  }
  st.rms = std::sqrt(m2 / double(st.count));
  return st;
}

// --- writing ----------------------------------------------------------------------------------

namespace {

struct RunningStats {
  double min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity();
  double mean = 0, m2 = 0;
  std::int64_t count = 0;

  void add(const float* p, std::int64_t n) {
    if (n <= 0) return;
    // Four independent double sums (instruction-level parallelism; the data are finite, checked
    // before) and min/max in float (exact: float -> double is monotonic), so that writing keeps up
    // with the image formation.
    double sum4[4] = {0, 0, 0, 0};
    float lo = p[0], hi = p[0];
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (int l = 0; l < 4; ++l) {
        const float v = p[i + l];
        sum4[l] += double(v);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
    for (; i < n; ++i) {
      sum4[0] += double(p[i]);
      lo = p[i] < lo ? p[i] : lo;
      hi = p[i] > hi ? p[i] : hi;
    }
    min = std::min(min, double(lo));
    max = std::max(max, double(hi));
    const double mean_b = ((sum4[0] + sum4[1]) + (sum4[2] + sum4[3])) / double(n);
    double m4[4] = {0, 0, 0, 0};
    for (i = 0; i + 4 <= n; i += 4)
      for (int l = 0; l < 4; ++l) m4[l] += (p[i + l] - mean_b) * (p[i + l] - mean_b);
    for (; i < n; ++i) m4[0] += (p[i] - mean_b) * (p[i] - mean_b);
    const double m2_b = (m4[0] + m4[1]) + (m4[2] + m4[3]);
    const double n_a = double(count), n_b = double(n), n_ab = n_a + n_b;
    const double delta = mean_b - mean;
    mean += delta * n_b / n_ab;
    m2 += m2_b + delta * delta * n_a * n_b / n_ab;
    count += n;
  }
  double rms() const { return count > 0 ? std::sqrt(m2 / double(count)) : 0.0; }
};

void check_finite(const std::string& path, const float* p, std::int64_t n, std::int64_t offset,
                  int nx, int ny) {
  const std::int64_t bad = first_non_finite(p, n);
  if (bad < 0) return;
  const std::int64_t v = offset + bad, section = std::int64_t(nx) * ny;
  fail(ErrorCode::invalid_argument, path, ": refusing to write voxel (x ", v % nx, ", y ", (v / nx) % ny,
       ", z ", v / section, ") = ", p[bad], "; MRC data must be finite");
}

void check_pixel_size(const std::string& path, double pixel_size_A) {
  THON_CHECK(std::isfinite(pixel_size_A) && pixel_size_A >= 0, path, ": pixel size ", pixel_size_A,
             " Å must be finite and not negative");
}

/// The 1024-byte mode-2 little-endian header of a volume (stack = false) or a stack/image.
std::vector<unsigned char> make_header(int nx, int ny, int nz, bool stack, double pixel_size_A,
                                       const RunningStats& st) {
  std::vector<unsigned char> b(kMrcHeaderBytes, 0);
  auto i32 = [&](int word, std::int32_t v) { store_i32(b.data() + 4 * word, v); };
  auto f32 = [&](int word, float v) { store_f32(b.data() + 4 * word, v); };
  const int mz = stack ? 1 : nz;
  i32(0, nx), i32(1, ny), i32(2, nz);
  i32(3, 2);
  i32(7, nx), i32(8, ny), i32(9, mz);
  f32(10, float(nx * pixel_size_A)), f32(11, float(ny * pixel_size_A)), f32(12, float(mz * pixel_size_A));
  f32(13, 90), f32(14, 90), f32(15, 90);
  i32(16, 1), i32(17, 2), i32(18, 3);
  f32(19, float(st.min)), f32(20, float(st.max)), f32(21, float(st.mean));
  i32(22, stack ? 0 : 1);
  i32(23, 0);
  i32(27, 20140);
  std::memcpy(b.data() + 208, "MAP ", 4);
  b[212] = 0x44, b[213] = 0x44, b[214] = 0, b[215] = 0;
  f32(54, float(st.rms()));
  i32(55, 1);
  const std::string label = std::string("thon ") + build::kVersion;
  std::memcpy(b.data() + 224, label.data(), std::min<std::size_t>(label.size(), 80));
  return b;
}

void write_floats(std::ofstream& out, const float* p, std::int64_t n, const std::string& path) {
  if (host_is_little_endian()) {
    out.write(reinterpret_cast<const char*>(p), std::streamsize(n * 4));
  } else {
    std::vector<unsigned char> tmp(std::size_t(n * 4));
    for (std::int64_t i = 0; i < n; ++i) store_f32(tmp.data() + 4 * i, p[i]);
    out.write(reinterpret_cast<const char*>(tmp.data()), std::streamsize(tmp.size()));
  }
  if (!out) fail(ErrorCode::io, path, ": write failed: ", std::strerror(errno));
}

void write_whole(const std::string& path, const float* data, int nx, int ny, int nz, bool stack,
                 double pixel_size_A) {
  check_writable_path(path, "MRC output");
  check_pixel_size(path, pixel_size_A);
  const std::int64_t n = std::int64_t(nx) * ny * nz;
  THON_CHECK(n > 0, path, ": nothing to write (", nx, " x ", ny, " x ", nz, ")");
  check_finite(path, data, n, 0, nx, ny);
  RunningStats st;
  st.add(data, n);
  AtomicOutput atomic(path);
  {
    std::ofstream out(atomic.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) fail(ErrorCode::io, path, ": cannot open ", atomic.temp_path(), " for writing: ", std::strerror(errno));
    const auto header = make_header(nx, ny, nz, stack, pixel_size_A, st);
    out.write(reinterpret_cast<const char*>(header.data()), kMrcHeaderBytes);
    write_floats(out, data, n, path);
    out.close();
    if (!out) fail(ErrorCode::io, path, ": write failed on close: ", std::strerror(errno));
  }
  atomic.commit();
}

}  // namespace

void write_mrc(const std::string& path, const Volume<float>& v) {
  write_whole(path, v.data(), v.nx(), v.ny(), v.nz(), false, v.pixel_size_A());
}
void write_mrc(const std::string& path, const ImageStack<float>& s) {
  write_whole(path, s.data(), s.nx(), s.ny(), s.n(), true, s.pixel_size_A());
}
void write_mrc(const std::string& path, const Image<float>& image) {
  write_whole(path, image.data(), image.nx(), image.ny(), 1, true, image.pixel_size_A());
}

struct MrcStackWriter::Impl {
  std::string path;
  int nx, ny;
  double pixel_size_A;
  AtomicOutput atomic;  // declared before `out`: the stream closes before the temp file is removed
  std::ofstream out;
  RunningStats stats;
  bool committed = false;

  Impl(const std::string& p, int nx_, int ny_, double apix)
      : path(p), nx(nx_), ny(ny_), pixel_size_A(apix), atomic(p) {}
};

MrcStackWriter::MrcStackWriter(const std::string& path, int nx, int ny, double pixel_size_A) {
  check_writable_path(path, "MRC output");
  check_pixel_size(path, pixel_size_A);
  THON_CHECK(nx > 0 && ny > 0, path, ": image size ", nx, " x ", ny, " must be positive");
  impl_ = std::make_unique<Impl>(path, nx, ny, pixel_size_A);
  impl_->out.open(impl_->atomic.temp_path(), std::ios::binary | std::ios::trunc);
  if (!impl_->out)
    fail(ErrorCode::io, path, ": cannot open ", impl_->atomic.temp_path(), " for writing: ", std::strerror(errno));
  const std::vector<unsigned char> placeholder(kMrcHeaderBytes, 0);
  impl_->out.write(reinterpret_cast<const char*>(placeholder.data()), kMrcHeaderBytes);
}

MrcStackWriter::~MrcStackWriter() = default;

void MrcStackWriter::append(const float* images, std::int64_t count) {
  Impl& s = *impl_;
  THON_CHECK(!s.committed, s.path, ": append after commit");
  THON_CHECK(count >= 0, s.path, ": append of ", count, " images");
  const std::int64_t n = count * s.nx * s.ny;
  check_finite(s.path, images, n, s.stats.count, s.nx, s.ny);
  THON_CHECK(s.stats.count / (std::int64_t(s.nx) * s.ny) + count <= std::numeric_limits<std::int32_t>::max(),
             s.path, ": more than 2^31 - 1 images");
  s.stats.add(images, n);
  write_floats(s.out, images, n, s.path);
}

std::int64_t MrcStackWriter::count() const { return impl_->stats.count / (std::int64_t(impl_->nx) * impl_->ny); }

void MrcStackWriter::commit() {
  Impl& s = *impl_;
  THON_CHECK(!s.committed, s.path, ": commit twice");
  const std::int64_t n = count();
  THON_CHECK(n > 0, s.path, ": no images were appended; an MRC stack needs at least one");
  const auto header = make_header(s.nx, s.ny, int(n), true, s.pixel_size_A, s.stats);
  s.out.seekp(0);
  s.out.write(reinterpret_cast<const char*>(header.data()), kMrcHeaderBytes);
  s.out.close();
  if (!s.out) fail(ErrorCode::io, s.path, ": write failed: ", std::strerror(errno));
  s.atomic.commit();
  s.committed = true;
}

}  // namespace thon::io
