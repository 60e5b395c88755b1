// The built-in alpha-helix bundle (see thon/ops/builtin_model.hpp) and a fixed-column PDB writer.
#include "thon/ops/builtin_model.hpp"

#include <cmath>
#include <cstdio>

#include "io/atomic_file.hpp"
#include "thon/core/error.hpp"
#include "thon/math/scattering.hpp"

namespace thon::ops {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Cylindrical offsets (radius Å, azimuth rad relative to the CA, height Å relative to the CA) of the
// backbone atoms of residue i in an ideal alpha helix with CA at radius 2.3 Å, solved for the bond
// lengths and angles listed in builtin_model.hpp (residual < 0.01 Å, 0.5°).
struct Cyl {
  const char* name;
  int z;
  double r, phi, h;
};
constexpr Cyl kBackbone[] = {
    {"N", 7, 1.55610, -0.47327, -0.90315}, {"CA", 6, 2.3, 0.0, 0.0},
    {"C", 6, 1.73229, 0.49238, 1.04272},   {"O", 8, 2.05836, 0.43000, 2.22389},
    {"CB", 6, 3.31764, 0.28829, -0.82189},
};

struct Record {
  io::Atom atom;
  const char* atom_name;
  const char* residue;
  char chain;
  int residue_number;
};

Vec3<double> rotate_about(const Vec3<double>& v, const Vec3<double>& axis, double angle) {
  // Rodrigues' formula, axis of unit length.
  const double c = std::cos(angle), s = std::sin(angle);
  const Vec3<double> k_cross_v = cross(axis, v);
  return c * v + s * k_cross_v + ((1 - c) * dot(axis, v)) * axis;
}

std::vector<Record> generate(const BuiltinModelOptions& o) {
  THON_CHECK(o.n_outer >= 0 && o.n_outer <= 20, "builtin model: n_outer must be in [0, 20], got ", o.n_outer);
  THON_CHECK(o.base_residues >= 4 && o.base_residues <= 1000, "builtin model: base_residues must be in [4, 1000], got ",
             o.base_residues);
  THON_CHECK(o.ring_radius_A > 0 && o.b_factor_A2 >= 0, "builtin model: ring radius must be > 0 and B >= 0");
  std::vector<Record> out;
  const int n_helices = o.n_outer + 1;
  for (int h = 0; h < n_helices; ++h) {
    const int n_res = o.base_residues + 4 * h;
    const double helix_len = 1.5 * (n_res - 1);
    const double ring_angle = h == 0 ? 0.0 : 2 * kPi * (h - 1) / o.n_outer;
    const Vec3<double> axis_pos = h == 0 ? Vec3<double>{0, 0, 0}
                                         : Vec3<double>{o.ring_radius_A * std::cos(ring_angle),
                                                        o.ring_radius_A * std::sin(ring_angle), 0};
    const Vec3<double> radial{std::cos(ring_angle), std::sin(ring_angle), 0};
    const bool down = h % 2 == 1;  // antiparallel neighbours
    const double tilt = h == 0 ? 0.0 : o.crossing_deg * kPi / 180;
    const double phase0 = 0.7 * h;  // different starting azimuth per helix
    for (int i = 0; i < n_res; ++i) {
      const bool cys = (h == 0 && i % 17 == 5) || (h == 1 && i == 9) || (h == 3 && (i == 20 || i == 41));
      for (const Cyl& a : kBackbone) {
        const double phi = phase0 + i * 100.0 * kPi / 180 + a.phi;
        Vec3<double> p{a.r * std::cos(phi), a.r * std::sin(phi), 1.5 * i + a.h - 0.5 * helix_len};
        Vec3<double> sg{0, 0, 0};
        if (cys && a.z == 6 && a.name[1] == 'B') {  // SG: 1.81 Å from CB, away from the helix axis
          const double phi_ca = phase0 + i * 100.0 * kPi / 180;
          const Vec3<double> ca{2.3 * std::cos(phi_ca), 2.3 * std::sin(phi_ca), 1.5 * i - 0.5 * helix_len};
          Vec3<double> d = p - ca;
          d = (1.0 / thon::length(d)) * d;
          const Vec3<double> out_dir{std::cos(phi), std::sin(phi), 0};
          Vec3<double> dir = d + out_dir;
          dir = (1.0 / thon::length(dir)) * dir;
          sg = p + 1.81 * dir;
        }
        auto place = [&](Vec3<double> q) {
          if (down) q = Vec3<double>{q.x, -q.y, -q.z};  // 180° about x: reverses the chain direction
          if (tilt != 0) q = rotate_about(q, radial, tilt);
          return q + axis_pos;
        };
        Record r{};
        r.atom.z = a.z;
        r.atom.position_A = place(p);
        r.atom.b_factor_A2 = o.b_factor_A2;
        r.atom.occupancy = 1;
        r.atom_name = a.name;
        r.residue = cys ? "CYS" : "ALA";
        r.chain = char('A' + h);
        r.residue_number = i + 1;
        out.push_back(r);
        if (cys && a.name[1] == 'B') {
          Record s = r;
          s.atom.z = 16;
          s.atom.position_A = place(sg);
          s.atom_name = "SG";
          out.push_back(s);
        }
      }
    }
  }
  return out;
}

const char* symbol(int z) {
  static const char* const kSymbols[] = {"",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg",
                                         "Al", "Si", "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn",
                                         "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr"};
  THON_CHECK(z >= 1 && z <= math::kPengMaxZ, "write_pdb: unsupported atomic number ", z);
  return kSymbols[z];
}

void write_records(const std::string& path, const std::vector<Record>& records, bool hetatm) {
  io::AtomicOutput out(path);
  FILE* f = std::fopen(out.temp_path().c_str(), "w");
  THON_CHECK_CODE(f, io, "cannot write PDB file '", path, "'");
  std::fprintf(f, "REMARK   1 WRITTEN BY THON\n");
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    const io::Atom& a = r.atom;
    THON_CHECK(std::fabs(a.position_A.x) < 9999 && std::fabs(a.position_A.y) < 9999 && std::fabs(a.position_A.z) < 9999,
               "write_pdb: atom ", i, " outside the PDB coordinate range");
    const char* el = symbol(a.z);
    // Atom name: 4 columns, element-aligned (one-letter elements start in column 14).
    char name[8];
    if (std::string(r.atom_name).size() < 4 && std::string(el).size() == 1) std::snprintf(name, sizeof name, " %-3s", r.atom_name);
    else std::snprintf(name, sizeof name, "%-4s", r.atom_name);
    std::fprintf(f, "%-6s%5d %4s %3s %c%4d    %8.3f%8.3f%8.3f%6.2f%6.2f          %2s\n", hetatm ? "HETATM" : "ATOM",
                 int(i % 100000) + 1, name, r.residue, r.chain, r.residue_number % 10000, a.position_A.x,
                 a.position_A.y, a.position_A.z, a.occupancy, a.b_factor_A2, el);
  }
  std::fprintf(f, "END\n");
  const bool ok = std::fclose(f) == 0;
  THON_CHECK_CODE(ok, io, "error writing PDB file '", path, "'");
  out.commit();
}

}  // namespace

std::vector<io::Atom> builtin_helix_bundle(const BuiltinModelOptions& options) {
  std::vector<io::Atom> atoms;
  for (const Record& r : generate(options)) atoms.push_back(r.atom);
  return atoms;
}

void write_builtin_model_pdb(const std::string& path, const BuiltinModelOptions& options) {
  write_records(path, generate(options), false);
}

void write_pdb(const std::string& path, const std::vector<io::Atom>& atoms) {
  std::vector<Record> records;
  records.reserve(atoms.size());
  for (std::size_t i = 0; i < atoms.size(); ++i)
    records.push_back(Record{atoms[i], symbol(atoms[i].z), "UNK", 'A', int(i % 9999) + 1});
  write_records(path, records, true);
}

}  // namespace thon::ops
