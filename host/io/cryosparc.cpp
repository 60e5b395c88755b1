// cryoSPARC .cs files: the NumPy .npy format read by hand, converted to a RELION particle table.
//
// .npy format (numpy.lib.format, NEP 1): magic "\x93NUMPY", major and minor version bytes, header
// length (uint16 LE for version 1, uint32 LE for 2 and 3), then a Python dict literal
// {'descr': ..., 'fortran_order': False, 'shape': (n,)} padded with spaces and '\n', then the
// array. 'descr' of a structured array is a list of (name, type[, shape]) tuples, packed.
#include "thon/io/cryosparc.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <tuple>

#include "thon/core/error.hpp"
#include "thon/math/rotation.hpp"

namespace thon::io {

std::int64_t NpyField::count() const {
  std::int64_t n = 1;
  for (int s : shape) n *= s;
  return n;
}

namespace {

// --- A Python literal parser, just enough for .npy headers ----------------------------------------

struct PyValue {
  enum class Kind { string, integer, boolean, none, list, tuple, dict } kind = Kind::none;
  std::string str;
  long long integer = 0;
  bool boolean = false;
  std::vector<PyValue> items;                      // list / tuple elements, dict values
  std::vector<std::string> keys;                   // dict keys (strings only)
};

class PyParser {
 public:
  PyParser(const std::string& text, const std::string& source) : t_(text), source_(source) {}

  PyValue parse() {
    PyValue v = value(0);
    skip();
    if (i_ != t_.size()) error("unexpected text after the header dict");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(ErrorCode::io, source_, ": NumPy header, character ", i_, ": ", what);
  }
  void skip() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  PyValue value(int depth) {
    if (depth > 16) error("nesting too deep");
    skip();
    if (i_ >= t_.size()) error("truncated");
    const char c = t_[i_];
    PyValue v;
    if (c == '\'' || c == '"') {
      ++i_;
      v.kind = PyValue::Kind::string;
      while (i_ < t_.size() && t_[i_] != c) {
        if (t_[i_] == '\\') {
          ++i_;
          if (i_ >= t_.size()) break;
        }
        v.str.push_back(t_[i_++]);
      }
      if (i_ >= t_.size()) error("unterminated string");
      ++i_;
      return v;
    }
    if (c == '[' || c == '(') {
      const char close = c == '[' ? ']' : ')';
      v.kind = c == '[' ? PyValue::Kind::list : PyValue::Kind::tuple;
      ++i_;
      for (;;) {
        if (eat(close)) break;
        v.items.push_back(value(depth + 1));
        if (eat(close)) break;
        if (!eat(',')) error(std::string("expected ',' or '") + close + "'");
      }
      return v;
    }
    if (c == '{') {
      v.kind = PyValue::Kind::dict;
      ++i_;
      for (;;) {
        if (eat('}')) break;
        PyValue k = value(depth + 1);
        if (k.kind != PyValue::Kind::string) error("dict key is not a string");
        if (!eat(':')) error("expected ':'");
        v.keys.push_back(k.str);
        v.items.push_back(value(depth + 1));
        if (eat('}')) break;
        if (!eat(',')) error("expected ',' or '}'");
      }
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = PyValue::Kind::integer;
      std::size_t j = i_ + (c == '-');
      long long x = 0;
      if (j >= t_.size() || t_[j] < '0' || t_[j] > '9') error("bad number");
      while (j < t_.size() && t_[j] >= '0' && t_[j] <= '9') {
        if (x > (std::numeric_limits<long long>::max() - 9) / 10) error("integer too large");
        x = x * 10 + (t_[j] - '0');
        ++j;
      }
      if (j < t_.size() && t_[j] == 'L') ++j;  // Python 2 long
      v.integer = c == '-' ? -x : x;
      i_ = j;
      return v;
    }
    for (const char* word : {"True", "False", "None"}) {
      const std::size_t n = std::strlen(word);
      if (t_.compare(i_, n, word) == 0) {
        i_ += n;
        v.kind = word[0] == 'N' ? PyValue::Kind::none : PyValue::Kind::boolean;
        v.boolean = word[0] == 'T';
        return v;
      }
    }
    error(std::string("unexpected character '") + c + "'");
  }

  const std::string& t_;
  const std::string& source_;
  std::size_t i_ = 0;
};

/// Parses a dtype string such as "<f4", "|S89", "<u8" into a field.
void parse_type(const std::string& type, NpyField& f, const std::string& source) {
  auto bad = [&](const char* why) {
    fail(ErrorCode::unsupported, source, ": field '", f.name, "' has type '", type, "': ", why);
  };
  if (type.size() < 2) bad("not a NumPy type string");
  std::size_t i = 0;
  const char order = type[0];
  if (order == '<' || order == '|' || order == '=') ++i;
  else if (order == '>') {
    f.big_endian = true;
    ++i;
  }
  f.kind = type[i++];
  if (f.kind == 'O') bad("Python objects (pickled) are not supported; export the file with byte-string fields");
  if (std::string("fiubSUV").find(f.kind) == std::string::npos) bad("unsupported kind");
  long long n = 0;
  if (i >= type.size()) bad("no size");
  for (; i < type.size(); ++i) {
    if (type[i] < '0' || type[i] > '9' || n > 1000000) bad("bad size");
    n = n * 10 + (type[i] - '0');
  }
  switch (f.kind) {
    case 'f': if (n != 2 && n != 4 && n != 8) bad("float size must be 2, 4 or 8"); break;
    case 'i': case 'u': if (n != 1 && n != 2 && n != 4 && n != 8) bad("integer size must be 1, 2, 4 or 8"); break;
    case 'b': if (n != 1) bad("bool size must be 1"); break;
    case 'U': n *= 4; break;  // UCS-4 characters
    default: break;
  }
  if (n <= 0) bad("size must be positive");
  f.item_bytes = int(n);
}

float half_to_float(std::uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const float s = (h & 0x8000) ? -1.0f : 1.0f;
  if (e == 0) return s * std::ldexp(float(m), -24);
  if (e == 31) return m ? std::numeric_limits<float>::quiet_NaN() : s * std::numeric_limits<float>::infinity();
  return s * std::ldexp(float(m + 1024), e - 25);
}

}  // namespace

NpyRecords NpyRecords::parse(const void* data, std::size_t size, const std::string& source) {
  const auto* b = static_cast<const unsigned char*>(data);
  if (size >= 6 && std::memcmp(b, "\x94" "CSDAT", 6) == 0)
    fail(ErrorCode::unsupported, source,
         ": cryoSPARC's compressed dataset format (CSDAT) is not supported; export the particles as a "
         "NumPy .cs file");
  if (size < 10 || std::memcmp(b, "\x93NUMPY", 6) != 0)
    fail(ErrorCode::io, source, ": not a NumPy .npy/.cs file (no \\x93NUMPY magic)");
  const int major = b[6];
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = std::size_t(b[8]) | (std::size_t(b[9]) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(ErrorCode::io, source, ": truncated NumPy header");
    header_len = std::size_t(b[8]) | (std::size_t(b[9]) << 8) | (std::size_t(b[10]) << 16) | (std::size_t(b[11]) << 24);
    start = 12;
  } else {
    fail(ErrorCode::unsupported, source, ": NumPy format version ", major, " is not supported (1, 2, 3 are)");
  }
  if (header_len > size - start) fail(ErrorCode::io, source, ": truncated NumPy header (", header_len, " bytes announced)");
  const std::string header(reinterpret_cast<const char*>(b + start), header_len);
  const PyValue dict = PyParser(header, source).parse();
  if (dict.kind != PyValue::Kind::dict) fail(ErrorCode::io, source, ": NumPy header is not a dict");
  const PyValue *descr = nullptr, *shape = nullptr, *fortran = nullptr;
  for (std::size_t k = 0; k < dict.keys.size(); ++k) {
    if (dict.keys[k] == "descr") descr = &dict.items[k];
    if (dict.keys[k] == "shape") shape = &dict.items[k];
    if (dict.keys[k] == "fortran_order") fortran = &dict.items[k];
  }
  if (!descr || !shape) fail(ErrorCode::io, source, ": NumPy header lacks 'descr' or 'shape'");
  if (descr->kind != PyValue::Kind::list)
    fail(ErrorCode::unsupported, source, ": not a structured array (descr is not a list of fields)");
  if (shape->kind != PyValue::Kind::tuple || shape->items.size() != 1 ||
      shape->items[0].kind != PyValue::Kind::integer || shape->items[0].integer < 0)
    fail(ErrorCode::unsupported, source, ": expected a 1-D array, shape (n,)");
  if (fortran && fortran->kind == PyValue::Kind::boolean && fortran->boolean && shape->items.size() > 1)
    fail(ErrorCode::unsupported, source, ": Fortran-ordered arrays are not supported");

  NpyRecords r;
  r.source_ = source;
  std::int64_t offset = 0;
  for (const PyValue& item : descr->items) {
    if (item.kind != PyValue::Kind::tuple || item.items.size() < 2 || item.items.size() > 3 ||
        item.items[0].kind != PyValue::Kind::string)
      fail(ErrorCode::unsupported, source, ": a 'descr' entry is not (name, type[, shape])");
    NpyField f;
    f.name = item.items[0].str;
    if (item.items[1].kind != PyValue::Kind::string)
      fail(ErrorCode::unsupported, source, ": field '", f.name, "' is a nested structure (not supported)");
    parse_type(item.items[1].str, f, source);
    if (item.items.size() == 3) {
      const PyValue& s = item.items[2];
      if (s.kind == PyValue::Kind::integer) {
        f.shape.push_back(int(s.integer));
      } else if (s.kind == PyValue::Kind::tuple) {
        for (const auto& d : s.items) {
          if (d.kind != PyValue::Kind::integer) fail(ErrorCode::io, source, ": field '", f.name, "': bad shape");
          f.shape.push_back(int(std::min<long long>(d.integer, 1 << 30)));
        }
      } else {
        fail(ErrorCode::io, source, ": field '", f.name, "': bad shape");
      }
      for (int d : f.shape)
        if (d <= 0 || d > (1 << 20)) fail(ErrorCode::io, source, ": field '", f.name, "': bad shape dimension ", d);
    }
    f.offset = offset;
    const std::int64_t bytes = f.count() * f.item_bytes;
    if (bytes > (std::int64_t(1) << 30)) fail(ErrorCode::io, source, ": field '", f.name, "' is too large");
    offset += bytes;
    for (const auto& g : r.fields_)
      if (g.name == f.name && !f.name.empty()) fail(ErrorCode::io, source, ": field '", f.name, "' appears twice");
    r.fields_.push_back(std::move(f));
  }
  r.record_bytes_ = offset;
  r.n_records_ = shape->items[0].integer;
  if (r.record_bytes_ <= 0 && r.n_records_ > 0) fail(ErrorCode::io, source, ": records of zero bytes");
  const std::size_t available = size - start - header_len;
  if (r.n_records_ > 0 && std::uint64_t(r.n_records_) > available / std::uint64_t(r.record_bytes_))
    fail(ErrorCode::io, source, ": truncated: the header announces ", r.n_records_, " records of ", r.record_bytes_,
         " bytes, the file holds ", available, " bytes of data");
  const std::size_t bytes = std::size_t(r.n_records_) * std::size_t(r.record_bytes_);
  r.data_.assign(b + start + header_len, b + start + header_len + bytes);
  return r;
}

NpyRecords NpyRecords::read(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(ErrorCode::io, path, ": is a directory");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(ErrorCode::io, path, ": cannot open: ", std::strerror(errno));
  std::vector<unsigned char> bytes;
  unsigned char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) fail(ErrorCode::io, path, ": read error");
  return parse(bytes.data(), bytes.size(), path);
}

const NpyField* NpyRecords::find(const std::string& name) const {
  for (const auto& f : fields_)
    if (f.name == name) return &f;
  return nullptr;
}

const NpyField& NpyRecords::require(const std::string& name) const {
  const NpyField* f = find(name);
  if (!f) fail(ErrorCode::invalid_argument, source_, ": required field '", name, "' is missing");
  return *f;
}

double NpyRecords::number(std::int64_t record, const NpyField& f, std::int64_t element) const {
  THON_CHECK(record >= 0 && record < n_records_ && element >= 0 && element < f.count(), source_, ": field '", f.name,
             "': record ", record, " element ", element, " out of range");
  const unsigned char* p = data_.data() + record * record_bytes_ + f.offset + element * f.item_bytes;
  unsigned char v[8];
  std::memcpy(v, p, std::size_t(std::min(f.item_bytes, 8)));
  if (f.big_endian) std::reverse(v, v + f.item_bytes);
  switch (f.kind) {
    case 'f':
      if (f.item_bytes == 2) {
        std::uint16_t h;
        std::memcpy(&h, v, 2);
        return half_to_float(h);
      }
      if (f.item_bytes == 4) {
        float x;
        std::memcpy(&x, v, 4);
        return x;
      } else {
        double x;
        std::memcpy(&x, v, 8);
        return x;
      }
    case 'b': return v[0] ? 1.0 : 0.0;
    case 'u': {
      std::uint64_t x = 0;
      std::memcpy(&x, v, std::size_t(f.item_bytes));  // little-endian host
      return double(x);
    }
    case 'i': {
      std::uint64_t x = 0;
      std::memcpy(&x, v, std::size_t(f.item_bytes));
      const int shift = 64 - 8 * f.item_bytes;
      return double(std::int64_t(x << shift) >> shift);  // sign-extend
    }
    default:
      fail(ErrorCode::invalid_argument, source_, ": field '", f.name, "' is not numeric (type ", f.kind, ")");
  }
}

std::string NpyRecords::text(std::int64_t record, const NpyField& f) const {
  THON_CHECK(record >= 0 && record < n_records_, source_, ": record ", record, " out of range");
  const unsigned char* p = data_.data() + record * record_bytes_ + f.offset;
  std::string s;
  if (f.kind == 'S') {
    s.assign(reinterpret_cast<const char*>(p), std::size_t(f.item_bytes));
  } else if (f.kind == 'U') {
    for (int i = 0; i + 4 <= f.item_bytes; i += 4) {
      std::uint32_t c;
      std::memcpy(&c, p + i, 4);
      if (f.big_endian) c = (c >> 24) | ((c >> 8) & 0xff00) | ((c << 8) & 0xff0000) | (c << 24);
      if (c == 0) break;
      if (c < 0x80) s.push_back(char(c));
      else if (c < 0x800) { s.push_back(char(0xc0 | (c >> 6))); s.push_back(char(0x80 | (c & 0x3f))); }
      else if (c < 0x10000) { s.push_back(char(0xe0 | (c >> 12))); s.push_back(char(0x80 | ((c >> 6) & 0x3f))); s.push_back(char(0x80 | (c & 0x3f))); }
      else { s.push_back(char(0xf0 | ((c >> 18) & 0x07))); s.push_back(char(0x80 | ((c >> 12) & 0x3f))); s.push_back(char(0x80 | ((c >> 6) & 0x3f))); s.push_back(char(0x80 | (c & 0x3f))); }
    }
  } else {
    fail(ErrorCode::invalid_argument, source_, ": field '", f.name, "' is not a string field");
  }
  const auto end = s.find('\0');
  if (end != std::string::npos) s.resize(end);
  return s;
}

// --- Conversion ---------------------------------------------------------------------------------

ParticleTable cryosparc_to_particles(const NpyRecords& cs, const CryosparcOptions& options) {
  constexpr double kDeg = 180.0 / 3.14159265358979323846;
  const std::string& src = cs.source();
  const NpyField& f_path = cs.require("blob/path");
  const NpyField& f_idx = cs.require("blob/idx");
  const NpyField& f_psize = cs.require("blob/psize_A");
  if (f_path.kind != 'S' && f_path.kind != 'U')
    fail(ErrorCode::invalid_argument, src, ": field 'blob/path' is not a string field");
  auto numeric = [&](const NpyField* f, int n) {
    if (f && (f->kind == 'S' || f->kind == 'U' || f->kind == 'V' || f->count() < n))
      fail(ErrorCode::invalid_argument, src, ": field '", f->name, "' must be numeric with ", n, " element(s)");
    return f;
  };
  numeric(&f_idx, 1);
  numeric(&f_psize, 1);
  const NpyField* f_shape = numeric(cs.find("blob/shape"), 1);
  const NpyField* f_group = numeric(cs.find("ctf/exp_group_id"), 1);

  // CTF: all or none.
  const char* ctf_names[] = {"ctf/df1_A", "ctf/df2_A", "ctf/df_angle_rad", "ctf/accel_kv", "ctf/cs_mm", "ctf/amp_contrast"};
  const NpyField* ctf[6];
  int n_ctf = 0;
  std::string missing;
  for (int k = 0; k < 6; ++k) {
    ctf[k] = numeric(cs.find(ctf_names[k]), 1);
    if (ctf[k]) ++n_ctf;
    else missing += std::string(missing.empty() ? "" : ", ") + ctf_names[k];
  }
  if (n_ctf > 0 && n_ctf < 6)
    fail(ErrorCode::invalid_argument, src, ": incomplete CTF: field(s) ", missing, " missing");
  const bool have_ctf = n_ctf == 6;
  const NpyField* f_phase = numeric(cs.find("ctf/phase_shift_rad"), 1);
  const NpyField* f_pose = numeric(cs.find("alignments3D/pose"), 3);
  const NpyField* f_shift = numeric(cs.find("alignments3D/shift"), 2);
  const NpyField* f_split = numeric(cs.find("alignments3D/split"), 1);
  const NpyField* f_class = numeric(cs.find("alignments3D/class"), 1);

  ParticleTable t;
  t.present.angles = f_pose != nullptr;
  t.present.origins = f_shift != nullptr;
  t.present.ctf = have_ctf;
  t.present.optics_ctf = have_ctf;
  t.present.pixel_size = true;
  t.present.random_subset = f_split != nullptr;
  t.present.class_number = f_class != nullptr;
  std::map<std::tuple<double, double, double, double, double, int>, int> groups;
  t.particles.reserve(std::size_t(cs.n_records()));
  // float32 fields become the double of their shortest decimal form (0.07f -> 0.07, not
  // 0.07000000029802322), so the STAR file shows the digits cryoSPARC stored; float(value) is
  // still exactly the stored float.
  // Poses and shifts, which are transformed, use the exact stored values (exact = true).
  auto value = [&](std::int64_t r, const NpyField* f, std::int64_t e = 0, bool exact = false) {
    double v = cs.number(r, *f, e);
    if (!std::isfinite(v))
      fail(ErrorCode::invalid_argument, src, ": record ", r, ", field '", f->name, "': value is not finite");
    if (!exact && f->kind == 'f' && f->item_bytes <= 4) {
      char buf[32];
      const auto w = std::to_chars(buf, buf + sizeof buf, float(v));
      std::from_chars(buf, w.ptr, v);
    }
    return v;
  };
  // A whole number in [lo, hi] (image sizes, groups, classes, indices).
  auto whole = [&](std::int64_t r, const NpyField* f, double lo, double hi) {
    const double v = value(r, f, 0, true);
    if (v != std::floor(v) || v < lo || v > hi)
      fail(ErrorCode::invalid_argument, src, ": record ", r, ", field '", f->name, "': ", v, " is not a whole number in [",
           lo, ", ", hi, "]");
    return v;
  };
  constexpr double kIntMax = 2147483646.0;
  for (std::int64_t r = 0; r < cs.n_records(); ++r) {
    Particle p;
    std::string path = cs.text(r, f_path);
    if (!path.empty() && path[0] == '>') path.erase(0, 1);  // cryoSPARC marks imported paths with '>'
    if (path.empty()) fail(ErrorCode::invalid_argument, src, ": record ", r, ": empty 'blob/path'");
    if (!options.image_directory.empty()) path = (std::filesystem::path(options.image_directory) / path).string();
    const double idx = whole(r, &f_idx, 0, 9.0e15);
    p.image_name = format_image_name(std::int64_t(idx), path);

    OpticsGroup g;
    g.pixel_size_A = value(r, &f_psize);
    if (!(g.pixel_size_A > 0))
      fail(ErrorCode::invalid_argument, src, ": record ", r, ": 'blob/psize_A' must be positive, got ", g.pixel_size_A);
    if (f_shape) g.image_size = int(whole(r, f_shape, 0, kIntMax));
    if (have_ctf) {
      g.voltage_kV = value(r, ctf[3]);
      g.cs_mm = value(r, ctf[4]);
      g.amplitude_contrast = value(r, ctf[5]);
      p.defocus_u_A = value(r, ctf[0]);
      p.defocus_v_A = value(r, ctf[1]);
      p.defocus_angle_deg = value(r, ctf[2], 0, true) * kDeg;
      if (f_phase) p.phase_shift_deg = value(r, f_phase, 0, true) * kDeg;
    }
    const int exp_group = f_group ? int(whole(r, f_group, -kIntMax, kIntMax)) : 0;
    const auto key = std::make_tuple(double(exp_group), g.pixel_size_A, g.voltage_kV, g.cs_mm, g.amplitude_contrast, g.image_size);
    auto it = groups.find(key);
    if (it == groups.end()) {
      g.number = int(t.optics.size()) + 1;
      g.name = "opticsGroup" + std::to_string(g.number);
      it = groups.emplace(key, g.number).first;
      t.optics.push_back(g);
    }
    p.optics_group = it->second;
    if (f_pose) {
      const Vec3<double> v{value(r, f_pose, 0, true), value(r, f_pose, 1, true), value(r, f_pose, 2, true)};
      const Mat3<double> a = transpose(math::rotation_vector_to_matrix(v));  // RELION's A = R(v)^T
      const math::EulerAngles<double> e = math::matrix_to_euler(a);
      p.rot_deg = e.rot_deg;
      p.tilt_deg = e.tilt_deg;
      p.psi_deg = e.psi_deg;
    }
    if (f_shift) {
      p.origin_x_A = value(r, f_shift, 0, true) * g.pixel_size_A;
      p.origin_y_A = value(r, f_shift, 1, true) * g.pixel_size_A;
    }
    if (f_split) {
      const double s = value(r, f_split);
      if (s != 0 && s != 1)
        fail(ErrorCode::invalid_argument, src, ": record ", r, ": 'alignments3D/split' must be 0 or 1, got ", s);
      p.random_subset = int(s) + 1;
    }
    if (f_class) p.class_number = int(whole(r, f_class, 0, kIntMax - 1)) + 1;
    t.particles.push_back(std::move(p));
  }
  if (t.optics.empty()) {
    OpticsGroup g;
    t.optics.push_back(g);
  }
  return t;
}

ParticleTable read_cryosparc_particles(const std::string& path, const CryosparcOptions& options) {
  return cryosparc_to_particles(NpyRecords::read(path), options);
}

}  // namespace thon::io
