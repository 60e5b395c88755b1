// Typed RELION particle tables (3.1 with data_optics, 3.0 without) over a StarFile.
#include "thon/io/particles.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <tuple>

#include "io/star_text.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"

namespace thon::io {

namespace fs = std::filesystem;

const OpticsGroup& ParticleTable::optics_of(const Particle& p) const {
  for (const auto& g : optics)
    if (g.number == p.optics_group) return g;
  fail(ErrorCode::invalid_argument, "particle ", p.image_name, ": optics group ", p.optics_group,
       " is not in the optics table");
}

math::CtfParams ParticleTable::ctf_of(const Particle& p) const {
  const OpticsGroup& og = optics_of(p);
  math::CtfParams c;
  c.voltage_kV = og.voltage_kV;
  c.cs_mm = og.cs_mm;
  c.amplitude_contrast = og.amplitude_contrast;
  c.defocus_u_A = p.defocus_u_A;
  c.defocus_v_A = p.defocus_v_A;
  c.defocus_angle_deg = p.defocus_angle_deg;
  c.phase_shift_deg = p.phase_shift_deg;
  c.b_factor_A2 = p.ctf_bfactor_A2;
  c.scale = p.ctf_scale;
  c.prepare();
  return c;
}

namespace {

/// A finite number from a cell (NaN or Inf in metadata is an error, DESIGN.md section 5).
double finite(const StarBlock& b, std::int64_t row, int col) {
  const double v = b.number(row, col);
  if (!std::isfinite(v)) fail(ErrorCode::invalid_argument, b.where(row, col), ": value is not finite");
  return v;
}

int small_int(const StarBlock& b, std::int64_t row, int col) {
  const long long v = b.integer(row, col);
  if (v < -2147483647LL || v > 2147483647LL)
    fail(ErrorCode::invalid_argument, b.where(row, col), ": ", v, " is out of range");
  return int(v);
}

/// Reads the optional column `name` of row `row` into `out` when the column exists.
void opt_number(const StarBlock& b, int col, std::int64_t row, double& out) {
  if (col >= 0) out = finite(b, row, col);
}

ParticleTable read_table(StarFile star, const std::string& directory) {
  ParticleTable t;
  t.star = std::move(star);
  t.directory = directory;
  const std::string& source = t.star.path();
  const StarBlock* optics = t.star.find("optics");
  const StarBlock* parts = t.star.find("particles");
  if (optics && !parts)
    fail(ErrorCode::invalid_argument, source, ": has data_optics but no data_particles block");
  if (optics && !optics->is_loop())
    fail(ErrorCode::invalid_argument, source, ": data_optics is not a loop_");
  const bool v31 = optics != nullptr;
  if (!v31) {
    // RELION 3.0: the first loop that names images (data_, data_images, data_particles, ...).
    parts = nullptr;
    for (const auto& b : t.star.blocks())
      if (b.is_loop() && b.has_column("rlnImageName")) {
        parts = &b;
        break;
      }
    if (!parts)
      fail(ErrorCode::invalid_argument, source,
           ": no particle table (no loop_ with the required column _rlnImageName)");
  }
  if (!parts->is_loop()) fail(ErrorCode::invalid_argument, source, ": data_particles is not a loop_");
  const StarBlock& P = *parts;
  const std::int64_t n = P.n_rows();
  const int c_name = P.require_column("rlnImageName");

  // --- Optics ----------------------------------------------------------------------------------
  std::vector<int> group_of_row;  // 3.0: optics group of each particle row
  if (v31) {
    const StarBlock& O = *optics;
    const int c_num = O.require_column("rlnOpticsGroup");
    const int c_px = O.require_column("rlnImagePixelSize");
    const int c_name_o = O.column_index("rlnOpticsGroupName");
    const int c_kv = O.column_index("rlnVoltage");
    const int c_cs = O.column_index("rlnSphericalAberration");
    const int c_ac = O.column_index("rlnAmplitudeContrast");
    const int c_size = O.column_index("rlnImageSize");
    const int c_dim = O.column_index("rlnImageDimensionality");
    t.present.optics_ctf = c_kv >= 0 && c_cs >= 0;  // amplitude contrast defaults to 0.1
    t.present.pixel_size = true;
    if (O.n_rows() == 0) fail(ErrorCode::invalid_argument, O.where(0, -1), ": empty optics table");
    for (std::int64_t r = 0; r < O.n_rows(); ++r) {
      OpticsGroup g;
      g.number = small_int(O, r, c_num);
      g.name = c_name_o >= 0 ? std::string(O.text(r, c_name_o)) : "opticsGroup" + std::to_string(g.number);
      g.pixel_size_A = finite(O, r, c_px);
      if (!(g.pixel_size_A > 0))
        fail(ErrorCode::invalid_argument, O.where(r, c_px), ": pixel size must be positive, got ", g.pixel_size_A);
      opt_number(O, c_kv, r, g.voltage_kV);
      opt_number(O, c_cs, r, g.cs_mm);
      opt_number(O, c_ac, r, g.amplitude_contrast);
      if (c_size >= 0) g.image_size = small_int(O, r, c_size);
      if (c_dim >= 0) g.image_dimensionality = small_int(O, r, c_dim);
      g.source_row = r;
      for (const auto& o : t.optics)
        if (o.number == g.number)
          fail(ErrorCode::invalid_argument, O.where(r, c_num), ": optics group ", g.number, " appears twice");
      t.optics.push_back(std::move(g));
    }
  } else {
    // One group per distinct (pixel size, voltage, Cs, amplitude contrast), as RELION 3.1 does when
    // it upgrades a 3.0 file.
    const int c_det = P.column_index("rlnDetectorPixelSize");
    const int c_mag = P.column_index("rlnMagnification");
    const int c_ipx = P.column_index("rlnImagePixelSize");
    const int c_kv = P.column_index("rlnVoltage");
    const int c_cs = P.column_index("rlnSphericalAberration");
    const int c_ac = P.column_index("rlnAmplitudeContrast");
    t.present.optics_ctf = c_kv >= 0 && c_cs >= 0;  // amplitude contrast defaults to 0.1
    t.present.pixel_size = c_ipx >= 0 || (c_det >= 0 && c_mag >= 0);
    std::map<std::tuple<double, double, double, double>, int> groups;
    group_of_row.resize(std::size_t(n));
    for (std::int64_t r = 0; r < n; ++r) {
      OpticsGroup g;
      g.pixel_size_A = 0;
      if (c_ipx >= 0) {
        g.pixel_size_A = finite(P, r, c_ipx);
      } else if (c_det >= 0 && c_mag >= 0) {
        const double det_um = finite(P, r, c_det), mag = finite(P, r, c_mag);
        if (!(mag > 0)) fail(ErrorCode::invalid_argument, P.where(r, c_mag), ": magnification must be positive");
        g.pixel_size_A = det_um * 1e4 / mag;
      }
      if (t.present.pixel_size && !(g.pixel_size_A > 0))
        fail(ErrorCode::invalid_argument, P.where(r, c_ipx >= 0 ? c_ipx : c_det), ": pixel size must be positive");
      opt_number(P, c_kv, r, g.voltage_kV);
      opt_number(P, c_cs, r, g.cs_mm);
      opt_number(P, c_ac, r, g.amplitude_contrast);
      const auto key = std::make_tuple(g.pixel_size_A, g.voltage_kV, g.cs_mm, g.amplitude_contrast);
      auto it = groups.find(key);
      if (it == groups.end()) {
        g.number = int(t.optics.size()) + 1;
        g.name = "opticsGroup" + std::to_string(g.number);
        it = groups.emplace(key, g.number).first;
        t.optics.push_back(g);
      }
      group_of_row[std::size_t(r)] = it->second;
    }
    if (t.optics.empty()) {  // an empty 3.0 table still has one (default) group
      OpticsGroup g;
      g.pixel_size_A = 0;
      t.optics.push_back(g);
    }
  }

  // --- Particles -------------------------------------------------------------------------------
  const int c_og = P.column_index("rlnOpticsGroup");
  if (v31 && c_og < 0 && t.optics.size() > 1)
    fail(ErrorCode::invalid_argument, P.where(0, -1), ": required column _rlnOpticsGroup is missing (",
         t.optics.size(), " optics groups)");
  const int c_rot = P.column_index("rlnAngleRot"), c_tilt = P.column_index("rlnAngleTilt"),
            c_psi = P.column_index("rlnAnglePsi");
  int c_ox = P.column_index("rlnOriginXAngst"), c_oy = P.column_index("rlnOriginYAngst");
  bool origin_px = false;
  if (c_ox < 0 && c_oy < 0) {
    c_ox = P.column_index("rlnOriginX");
    c_oy = P.column_index("rlnOriginY");
    origin_px = c_ox >= 0 || c_oy >= 0;
    if (origin_px && !t.present.pixel_size)
      fail(ErrorCode::invalid_argument, P.where(0, c_ox >= 0 ? c_ox : c_oy),
           ": origins in pixels but no pixel size (_rlnDetectorPixelSize and _rlnMagnification)");
  }
  const int c_du = P.column_index("rlnDefocusU"), c_dv = P.column_index("rlnDefocusV"),
            c_da = P.column_index("rlnDefocusAngle"), c_ps = P.column_index("rlnPhaseShift"),
            c_bf = P.column_index("rlnCtfBfactor"), c_sf = P.column_index("rlnCtfScalefactor");
  const int c_rs = P.column_index("rlnRandomSubset"), c_cl = P.column_index("rlnClassNumber");
  t.present.angles = c_rot >= 0 && c_tilt >= 0 && c_psi >= 0;
  t.present.origins = c_ox >= 0 && c_oy >= 0;
  t.present.ctf = c_du >= 0 && t.present.optics_ctf;
  t.present.random_subset = c_rs >= 0;
  t.present.class_number = c_cl >= 0;

  t.particles.resize(std::size_t(n));
  for (std::int64_t r = 0; r < n; ++r) {
    Particle& p = t.particles[std::size_t(r)];
    p.source_row = r;
    p.image_name = std::string(P.text(r, c_name));
    if (p.image_name.empty()) fail(ErrorCode::invalid_argument, P.where(r, c_name), ": empty image name");
    if (v31) {
      p.optics_group = c_og >= 0 ? small_int(P, r, c_og) : t.optics.front().number;
      bool found = false;
      for (const auto& g : t.optics) found |= g.number == p.optics_group;
      if (!found)
        fail(ErrorCode::invalid_argument, P.where(r, c_og), ": optics group ", p.optics_group,
             " is not in data_optics");
    } else {
      p.optics_group = group_of_row[std::size_t(r)];
    }
    opt_number(P, c_rot, r, p.rot_deg);
    opt_number(P, c_tilt, r, p.tilt_deg);
    opt_number(P, c_psi, r, p.psi_deg);
    opt_number(P, c_ox, r, p.origin_x_A);
    opt_number(P, c_oy, r, p.origin_y_A);
    if (origin_px) {
      const double px = t.optics_of(p).pixel_size_A;
      p.origin_x_A *= px;
      p.origin_y_A *= px;
    }
    opt_number(P, c_du, r, p.defocus_u_A);
    p.defocus_v_A = p.defocus_u_A;
    opt_number(P, c_dv, r, p.defocus_v_A);
    opt_number(P, c_da, r, p.defocus_angle_deg);
    opt_number(P, c_ps, r, p.phase_shift_deg);
    opt_number(P, c_bf, r, p.ctf_bfactor_A2);
    opt_number(P, c_sf, r, p.ctf_scale);
    if (c_rs >= 0) p.random_subset = small_int(P, r, c_rs);
    if (c_cl >= 0) p.class_number = small_int(P, r, c_cl);
  }
  return t;
}

// --- Writing -------------------------------------------------------------------------------------
// write_particles (a whole table, optionally with its source STAR file) and ParticleStarWriter
// (new rows streamed) share everything below: the column plans, the text of every cell, and the
// STAR text itself (io/star_text.hpp).

/// Text of `value` for a cell: the source text when it reads as the same number (so a read-write
/// round trip is byte-identical per value), else the shortest round-trip form. `buf`: 32 chars.
std::string_view number_cell(double value, const StarBlock* src, std::int64_t src_row, int src_col, char* buf) {
  if (src && src_row >= 0 && src_col >= 0) {
    const std::string_view t = src->text(src_row, src_col);
    const char* b = t.data();
    const char* e = b + t.size();
    if (b != e && *b == '+') ++b;
    double v = 0;
    const auto r = std::from_chars(b, e, v);
    if (r.ec == std::errc() && r.ptr == e && v == value) return t;
  }
  return star_text::format_number(value, buf);
}

/// Column plan of an output block: the source's columns in their order (minus `drop`), then the
/// known columns the source lacked. `known[i]` tells which known field a column holds (-1: copy).
struct Plan {
  std::vector<std::string> columns;
  std::vector<int> known;      // index into the known-name list, or -1
  std::vector<int> src_col;    // column in the source block, or -1
};

Plan make_plan(const StarBlock* src, const std::vector<std::string>& known_names,
               const std::vector<std::string>& drop, bool copy_unknown) {
  Plan plan;
  auto known_index = [&](const std::string& c) {
    for (std::size_t i = 0; i < known_names.size(); ++i)
      if (known_names[i] == c) return int(i);
    return -1;
  };
  if (src) {
    for (int c = 0; c < src->n_columns(); ++c) {
      const std::string& name = src->columns()[std::size_t(c)];
      if (std::find(drop.begin(), drop.end(), name) != drop.end()) continue;
      const int k = known_index(name);
      if (k < 0 && !copy_unknown) continue;
      plan.columns.push_back(name);
      plan.known.push_back(k);
      plan.src_col.push_back(c);
    }
  }
  for (std::size_t k = 0; k < known_names.size(); ++k) {
    if (std::find(plan.columns.begin(), plan.columns.end(), known_names[k]) != plan.columns.end()) continue;
    plan.columns.push_back(known_names[k]);
    plan.known.push_back(int(k));
    plan.src_col.push_back(-1);
  }
  return plan;
}

StarBlock make_block(const std::string& name, const Plan& plan, std::int64_t n_rows) {
  StarBlock b(name, true);
  for (const auto& c : plan.columns) b.add_column(c);
  b.reserve_rows(n_rows);
  return b;
}

void check_optics(const std::string& path, const std::vector<OpticsGroup>& optics) {
  THON_CHECK(!optics.empty(), path, ": cannot write particles without an optics group");
  for (const auto& g : optics)
    THON_CHECK(g.pixel_size_A > 0 && std::isfinite(g.pixel_size_A), path, ": optics group ", g.number,
               " has no valid pixel size (", g.pixel_size_A, ")");
}

void check_particle(const std::string& path, const Particle& p, const std::vector<OpticsGroup>& optics) {
  THON_CHECK(!p.image_name.empty(), path, ": a particle has an empty image name");
  bool found = false;
  for (const auto& g : optics) found |= g.number == p.optics_group;
  if (!found)
    fail(ErrorCode::invalid_argument, "particle ", p.image_name, ": optics group ", p.optics_group,
         " is not in the optics table");
}

/// data_optics: the known columns (after the source's, whose unknown columns are copied when every
/// group has a source row).
StarBlock optics_block(const std::vector<OpticsGroup>& optics, const StarBlock* src_o) {
  const std::vector<std::string> known = {"rlnOpticsGroup", "rlnOpticsGroupName", "rlnAmplitudeContrast",
                                          "rlnSphericalAberration", "rlnVoltage", "rlnImagePixelSize",
                                          "rlnImageSize", "rlnImageDimensionality"};
  bool copy = src_o != nullptr;
  // && rather than &=: src_o is null for a table without a source STAR, whatever source_row says.
  for (const auto& g : optics) copy = copy && g.source_row >= 0 && g.source_row < src_o->n_rows();
  const Plan plan = make_plan(src_o, known, {}, copy);
  StarBlock b = make_block("optics", plan, std::int64_t(optics.size()));
  char buf[32];
  for (const auto& g : optics) {
    const std::int64_t r = b.add_row();
    for (std::size_t c = 0; c < plan.columns.size(); ++c) {
      const int col = int(c), sc = plan.src_col[c];
      const std::int64_t sr = copy ? g.source_row : -1;
      switch (plan.known[c]) {
        case -1: b.set_text(r, col, src_o->text(sr, sc)); break;
        case 0: b.set_integer(r, col, g.number); break;
        case 1: b.set_text(r, col, g.name.empty() ? "opticsGroup" + std::to_string(g.number) : g.name); break;
        case 2: b.set_text(r, col, number_cell(g.amplitude_contrast, src_o, sr, sc, buf)); break;
        case 3: b.set_text(r, col, number_cell(g.cs_mm, src_o, sr, sc, buf)); break;
        case 4: b.set_text(r, col, number_cell(g.voltage_kV, src_o, sr, sc, buf)); break;
        case 5: b.set_text(r, col, number_cell(g.pixel_size_A, src_o, sr, sc, buf)); break;
        case 6: b.set_integer(r, col, g.image_size); break;
        case 7: b.set_integer(r, col, g.image_dimensionality); break;
      }
    }
  }
  return b;
}

enum Field { f_name, f_og, f_rot, f_tilt, f_psi, f_ox, f_oy, f_du, f_dv, f_da, f_ps, f_bf, f_sf, f_rs, f_cl };

/// The optional CTF columns: written when the source had them or some value is not the default.
struct OptionalCtf {
  bool phase_shift = false, bfactor = false, scale = false;
  void see(const Particle& p) {
    phase_shift |= p.phase_shift_deg != 0;
    bfactor |= p.ctf_bfactor_A2 != 0;
    scale |= p.ctf_scale != 1;
  }
};

/// The columns thon models in data_particles, in the order a new file has them, with their fields.
void particle_known_columns(const ParticleColumns& pr, const OptionalCtf& opt, std::vector<std::string>& names,
                            std::vector<int>& fields) {
  names = {"rlnImageName", "rlnOpticsGroup"};
  fields = {f_name, f_og};
  auto add = [&](const char* name, int f) {
    names.emplace_back(name);
    fields.push_back(f);
  };
  if (pr.angles) {
    add("rlnAngleRot", f_rot);
    add("rlnAngleTilt", f_tilt);
    add("rlnAnglePsi", f_psi);
  }
  if (pr.origins) {
    add("rlnOriginXAngst", f_ox);
    add("rlnOriginYAngst", f_oy);
  }
  if (pr.ctf) {
    add("rlnDefocusU", f_du);
    add("rlnDefocusV", f_dv);
    add("rlnDefocusAngle", f_da);
    if (opt.phase_shift) add("rlnPhaseShift", f_ps);
    if (opt.bfactor) add("rlnCtfBfactor", f_bf);
    if (opt.scale) add("rlnCtfScalefactor", f_sf);
  }
  if (pr.random_subset) add("rlnRandomSubset", f_rs);
  if (pr.class_number) add("rlnClassNumber", f_cl);
}

/// Text of `field` of `p` (numbers keep the source text (src, sr, sc) when equal). `buf`: 32 chars.
std::string_view particle_cell(int field, const Particle& p, const StarBlock* src, std::int64_t sr, int sc, char* buf) {
  switch (field) {
    case f_name: return p.image_name;
    case f_og: return star_text::format_integer(p.optics_group, buf);
    case f_rot: return number_cell(p.rot_deg, src, sr, sc, buf);
    case f_tilt: return number_cell(p.tilt_deg, src, sr, sc, buf);
    case f_psi: return number_cell(p.psi_deg, src, sr, sc, buf);
    case f_ox: return number_cell(p.origin_x_A, src, sr, sc, buf);
    case f_oy: return number_cell(p.origin_y_A, src, sr, sc, buf);
    case f_du: return number_cell(p.defocus_u_A, src, sr, sc, buf);
    case f_dv: return number_cell(p.defocus_v_A, src, sr, sc, buf);
    case f_da: return number_cell(p.defocus_angle_deg, src, sr, sc, buf);
    case f_ps: return number_cell(p.phase_shift_deg, src, sr, sc, buf);
    case f_bf: return number_cell(p.ctf_bfactor_A2, src, sr, sc, buf);
    case f_sf: return number_cell(p.ctf_scale, src, sr, sc, buf);
    case f_rs: return star_text::format_integer(p.random_subset, buf);
    case f_cl: return star_text::format_integer(p.class_number, buf);
  }
  return {};
}

}  // namespace

ParticleTable read_particles(const std::string& path) {
  return read_table(StarFile::read(path), fs::path(path).parent_path().string());
}

ParticleTable parse_particles(std::string_view text, const std::string& source_name,
                              const std::string& directory) {
  return read_table(StarFile::parse(text, source_name), directory);
}

void write_particles(const std::string& path, const ParticleTable& table) {
  check_optics(path, table.optics);
  for (const auto& p : table.particles) check_particle(path, p, table.optics);
  const StarBlock* src_o = table.star.find("optics");
  const StarBlock* src_p = src_o ? table.star.find("particles") : nullptr;
  if (!src_o) {  // a RELION 3.0 source: its particle loop
    for (const auto& b : table.star.blocks())
      if (b.is_loop() && b.has_column("rlnImageName")) {
        src_p = &b;
        break;
      }
  }

  StarFile out;
  out.add_block(optics_block(table.optics, src_o));
  // --- data_particles ---
  const ParticleColumns& pr = table.present;
  OptionalCtf opt;
  opt.phase_shift = src_p && src_p->has_column("rlnPhaseShift");
  opt.bfactor = src_p && src_p->has_column("rlnCtfBfactor");
  opt.scale = src_p && src_p->has_column("rlnCtfScalefactor");
  for (const auto& p : table.particles) opt.see(p);
  std::vector<std::string> known;
  std::vector<int> field;
  particle_known_columns(pr, opt, known, field);
  // Optics columns of a 3.0 file move to data_optics; pixel origins become origins in Å.
  std::vector<std::string> drop;
  if (!src_o)
    drop = {"rlnVoltage", "rlnSphericalAberration", "rlnAmplitudeContrast", "rlnMagnification",
            "rlnDetectorPixelSize", "rlnImagePixelSize"};
  if (pr.origins) {
    drop.emplace_back("rlnOriginX");
    drop.emplace_back("rlnOriginY");
  }
  bool copy = src_p != nullptr;
  for (const auto& p : table.particles) copy &= p.source_row >= 0 && p.source_row < (src_p ? src_p->n_rows() : 0);
  const Plan plan = make_plan(src_p, known, drop, copy);
  StarBlock& b = out.add_block(make_block("particles", plan, std::int64_t(table.particles.size())));
  char buf[32];
  for (const auto& p : table.particles) {
    const std::int64_t r = b.add_row();
    const std::int64_t sr = copy ? p.source_row : -1;
    for (std::size_t c = 0; c < plan.columns.size(); ++c) {
      const int col = int(c), sc = plan.src_col[c];
      b.set_text(r, col, plan.known[c] < 0 ? src_p->text(sr, sc)
                                           : particle_cell(field[std::size_t(plan.known[c])], p, src_p, sr, sc, buf));
    }
  }
  out.write(path);
}

// --- ParticleStarWriter --------------------------------------------------------------------------
// Spool format: per particle, the text of every candidate column (all three optional CTF columns
// included), each followed by '\0'. STAR values never hold '\0' (the format is line-based text).

/// Bytes buffered per step of the spool (writing and reading back) and of the output: small, so the
/// writer's memory stays well under a MiB whatever the number of rows.
constexpr std::size_t kSpoolStep = std::size_t(1) << 18;

struct ParticleStarWriter::Impl {
  std::string path, spool_path;
  std::vector<OpticsGroup> optics;
  ParticleColumns columns;
  std::vector<std::string> names;  // candidate columns
  std::vector<int> fields;
  std::vector<std::size_t> widths;
  OptionalCtf used;
  std::FILE* spool = nullptr;
  std::string buffer;
  std::int64_t n = 0;
  bool finished = false;

  ~Impl() {
    if (spool) std::fclose(spool);
    std::error_code ec;
    fs::remove(spool_path, ec);
  }

  void flush() {
    if (!buffer.empty() && std::fwrite(buffer.data(), 1, buffer.size(), spool) != buffer.size())
      fail(ErrorCode::io, spool_path, ": write error (disk full?): ", std::strerror(errno));
    buffer.clear();
  }
};

ParticleStarWriter::ParticleStarWriter(const std::string& path, const std::vector<OpticsGroup>& optics,
                                       const ParticleColumns& columns)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  THON_CHECK_CODE(!path.empty(), io, "ParticleStarWriter: empty output path");
  check_optics(path, optics);
  m.path = path;
  m.spool_path = path + ".rows";
  m.optics = optics;
  m.columns = columns;
  OptionalCtf all;
  all.phase_shift = all.bfactor = all.scale = true;
  particle_known_columns(columns, all, m.names, m.fields);
  m.widths.assign(m.names.size(), 0);
  m.spool = std::fopen(m.spool_path.c_str(), "w+b");
  if (!m.spool) fail(ErrorCode::io, m.spool_path, ": cannot create: ", std::strerror(errno));
}

ParticleStarWriter::~ParticleStarWriter() = default;

void ParticleStarWriter::append(const Particle* particles, std::int64_t count) {
  Impl& m = *impl_;
  THON_CHECK(!m.finished, m.path, ": append after finish");
  THON_CHECK(count >= 0 && (particles || count == 0), m.path, ": bad particle batch");
  for (std::int64_t i = 0; i < count; ++i) check_particle(m.path, particles[i], m.optics);  // all or none
  char buf[32];
  for (std::int64_t i = 0; i < count; ++i) {
    const Particle& p = particles[i];
    m.used.see(p);
    for (std::size_t c = 0; c < m.fields.size(); ++c) {
      const std::string_view t = particle_cell(m.fields[c], p, nullptr, -1, -1, buf);
      m.widths[c] = std::max(m.widths[c], star_text::written_width(t));
      m.buffer.append(t.data(), t.size());
      m.buffer.push_back('\0');
    }
    if (m.buffer.size() > kSpoolStep) m.flush();
  }
  m.flush();
  m.n += count;
}

std::int64_t ParticleStarWriter::count() const { return impl_->n; }

void ParticleStarWriter::finish() {
  Impl& m = *impl_;
  THON_CHECK(!m.finished, m.path, ": finished twice");
  m.flush();
  // The columns write_particles would choose for these particles, and their widths.
  std::vector<std::string> names;
  std::vector<int> fields;
  particle_known_columns(m.columns, m.used, names, fields);
  std::vector<char> keep(m.fields.size(), 0);
  std::vector<std::size_t> widths;
  for (std::size_t c = 0; c < m.fields.size(); ++c)
    if (std::find(fields.begin(), fields.end(), m.fields[c]) != fields.end()) {
      keep[c] = 1;
      widths.push_back(m.widths[c]);
    }

  std::FILE* f = std::fopen(m.path.c_str(), "wb");
  if (!f) fail(ErrorCode::io, m.path, ": cannot create: ", std::strerror(errno));
  bool ok = true;
  auto write = [&](std::string& s) {
    if (ok && !s.empty() && std::fwrite(s.data(), 1, s.size(), f) != s.size()) ok = false;
    s.clear();
  };
  std::string out;
  {
    StarFile head;
    head.add_block(optics_block(m.optics, nullptr));
    out = head.to_string();
  }
  star_text::append_block_header(out, "particles", true, names);
  std::rewind(m.spool);
  std::string in;
  std::vector<std::string_view> cells(m.fields.size());
  std::int64_t rows = 0;
  std::vector<char> chunk(kSpoolStep);
  std::size_t pos = 0;
  for (;;) {
    const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), m.spool);
    in.erase(0, pos);
    pos = 0;
    in.append(chunk.data(), got);
    // Every complete row in `in`.
    for (;;) {
      std::size_t q = pos, c = 0;
      for (; c < cells.size(); ++c) {
        const std::size_t z = in.find('\0', q);
        if (z == std::string::npos) break;
        cells[c] = std::string_view(in).substr(q, z - q);
        q = z + 1;
      }
      if (c < cells.size()) break;
      pos = q;
      ++rows;
      for (std::size_t k = 0, w = 0; k < cells.size(); ++k)
        if (keep[k]) {
          star_text::append_value(out, cells[k], widths[w++]);
          out += ' ';
        }
      out += '\n';
    }
    if (out.size() > kSpoolStep) write(out);
    if (got < chunk.size()) break;
  }
  const bool read_ok = !std::ferror(m.spool) && pos == in.size() && rows == m.n;
  star_text::append_block_end(out);
  write(out);
  if (std::fclose(f) != 0) ok = false;
  if (!read_ok) fail(ErrorCode::io, m.spool_path, ": read back ", rows, " of ", m.n, " rows");
  if (!ok) fail(ErrorCode::io, m.path, ": write error (disk full?)");
  std::fclose(m.spool);
  m.spool = nullptr;
  std::error_code ec;
  fs::remove(m.spool_path, ec);
  m.finished = true;
}

ImageLocation parse_image_name(const std::string& image_name, const std::string& directory) {
  ImageLocation loc;
  std::string file = image_name;
  const auto at = image_name.find('@');
  if (at != std::string::npos) {
    const char* b = image_name.data();
    const char* e = b + at;
    long long index = 0;
    const auto r = std::from_chars(b, e, index);
    if (at == 0 || r.ec != std::errc() || r.ptr != e || index < 1)
      fail(ErrorCode::invalid_argument, "image name '", image_name,
           "': the part before '@' must be a 1-based image index");
    loc.index = index - 1;
    file = image_name.substr(at + 1);
  }
  if (file.empty()) fail(ErrorCode::invalid_argument, "image name '", image_name, "': no file name after '@'");
  const fs::path fp(file);
  loc.path = (directory.empty() || fp.is_absolute()) ? file : (fs::path(directory) / fp).string();
  return loc;
}

std::string format_image_name(std::int64_t index0, const std::string& path) {
  THON_CHECK(index0 >= 0, "format_image_name: negative index ", index0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06lld@", (long long)(index0 + 1));
  return buf + path;
}

std::int64_t check_particle_images(const ParticleTable& table) {
  std::map<std::string, std::int64_t> stacks;
  const StarBlock* src = nullptr;
  for (const auto& b : table.star.blocks())
    if (b.is_loop() && b.has_column("rlnImageName") && (b.name() == "particles" || !src)) src = &b;
  for (const auto& p : table.particles) {
    auto where = [&]() {
      std::string w = table.star.path().empty() ? std::string("particles") : table.star.path();
      if (src && p.source_row >= 0 && p.source_row < src->n_rows())
        w = src->where(p.source_row, src->column_index("rlnImageName"));
      return w;
    };
    ImageLocation loc;
    try {
      loc = parse_image_name(p.image_name, table.directory);
    } catch (const Error& e) {
      fail(ErrorCode::invalid_argument, where(), ": ", e.what());
    }
    auto it = stacks.find(loc.path);
    if (it == stacks.end()) {
      std::error_code ec;
      if (!fs::is_regular_file(loc.path, ec))
        fail(ErrorCode::io, where(), ": image '", p.image_name, "': file ", loc.path, " does not exist");
      it = stacks.emplace(loc.path, read_mrc_header(loc.path).nz).first;
    }
    if (loc.index >= it->second)
      fail(ErrorCode::io, where(), ": image '", p.image_name, "': index ", loc.index + 1, " is past the end of ",
           loc.path, " (", it->second, " images)");
  }
  return std::int64_t(stacks.size());
}

}  // namespace thon::io
