// Atomic models through gemmi (PDB and mmCIF, gzip allowed; format detected from the content).
#include "thon/io/model.hpp"

#include <gemmi/gz.hpp>
#include <gemmi/mmread.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <map>

#include "thon/core/error.hpp"

namespace thon::io {

namespace {

std::string describe_atom(const gemmi::Chain& chain, const gemmi::Residue& res, const gemmi::Atom& a) {
  std::string s = "atom '" + a.name + "'";
  if (a.serial > 0) s += " (serial " + std::to_string(a.serial) + ")";
  s += " of residue " + res.name + " " + res.seqid.str() + " in chain " + chain.name;
  return s;
}

}  // namespace

AtomicModel read_model(const std::string& path, const ModelReadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(ErrorCode::io, path, ": no such file");
  if (std::filesystem::is_directory(path, ec)) fail(ErrorCode::io, path, ": is a directory, not a model file");
  gemmi::Structure st;
  try {
    st = gemmi::read_structure(gemmi::MaybeGzipped(path), gemmi::CoorFormat::Detect);
  } catch (const std::exception& e) {
    fail(ErrorCode::io, path, ": cannot read as PDB or mmCIF: ", e.what());
  }
  AtomicModel model;
  model.name = st.name.empty() ? std::filesystem::path(path).stem().string() : st.name;
  const std::size_t n_models = options.all_models ? st.models.size() : std::min<std::size_t>(1, st.models.size());
  model.n_models = int(n_models);
  for (std::size_t m = 0; m < n_models; ++m) {
    const gemmi::Model& gm = st.models[m];
    // gemmi splits a chain at TER (polymer, then ligands/waters with the same chain id): count
    // chain ids, as the PDB does.
    std::vector<std::string> seen;
    for (const gemmi::Chain& chain : gm.chains) {
      bool chain_has_atoms = false;
      for (const gemmi::Residue& res : chain.residues) {
        const bool water = res.is_water();
        if (water && options.remove_waters) continue;
        bool res_has_atoms = false;
        // Alternate locations: among atoms of the same name in a residue keep the one with the
        // highest occupancy (the first on a tie); atoms without altloc are always kept.
        for (std::size_t i = 0; i < res.atoms.size(); ++i) {
          const gemmi::Atom& a = res.atoms[i];
          if (a.altloc != '\0') {
            bool best = true;
            for (std::size_t j = 0; j < res.atoms.size() && best; ++j) {
              const gemmi::Atom& b = res.atoms[j];
              if (j == i || b.name != a.name || b.altloc == '\0') continue;
              if (b.occ > a.occ || (b.occ == a.occ && j < i)) best = false;
            }
            if (!best) {
              ++model.n_altloc_dropped;
              continue;
            }
          }
          if (options.remove_hydrogens && a.is_hydrogen()) continue;
          const int z = a.element.atomic_number();
          if (z <= 0)
            fail(ErrorCode::invalid_argument, path, ": ", describe_atom(chain, res, a),
                 " has an unknown element ('", a.element.name(), "')");
          Atom out;
          out.z = z;
          out.position_A = {a.pos.x, a.pos.y, a.pos.z};
          out.b_factor_A2 = a.b_iso;
          out.occupancy = a.occ;
          out.charge = a.charge;
          model.atoms.push_back(out);
          res_has_atoms = true;
        }
        if (res_has_atoms) {
          ++model.n_residues;
          model.n_waters += water;
          chain_has_atoms = true;
        }
      }
      if (chain_has_atoms && std::find(seen.begin(), seen.end(), chain.name) == seen.end()) {
        seen.push_back(chain.name);
        ++model.n_chains;
        if (m == 0) model.chain_names.push_back(chain.name);
      }
    }
  }
  if (model.atoms.empty()) fail(ErrorCode::invalid_argument, path, ": the model has no atoms", (options.remove_waters || options.remove_hydrogens) ? " (after removing waters/hydrogens)" : "");
  return model;
}

const char* element_symbol(int z) {
  if (z < 1 || z > 118) return "X";
  return gemmi::Element(z).name();
}

int element_z(const std::string& symbol) {
  std::string s;
  for (char c : symbol)
    if (!std::isspace((unsigned char)c)) s.push_back(c);
  if (s.empty() || s.size() > 2 || !std::isalpha((unsigned char)s[0]) ||
      (s.size() == 2 && !std::isalpha((unsigned char)s[1])))
    return 0;
  const gemmi::Element e(s);
  return e.atomic_number();
}

double element_mass(int z) {
  if (z < 1 || z > 118) return 0;
  return gemmi::Element(z).weight();
}

void bounding_box(const std::vector<Atom>& atoms, Vec3<double>* lo, Vec3<double>* hi) {
  THON_CHECK(!atoms.empty(), "bounding_box: no atoms");
  const double inf = std::numeric_limits<double>::infinity();
  Vec3<double> a{inf, inf, inf}, b{-inf, -inf, -inf};
  for (const auto& at : atoms)
    for (int k = 0; k < 3; ++k) {
      a[k] = std::min(a[k], at.position_A[k]);
      b[k] = std::max(b[k], at.position_A[k]);
    }
  if (lo) *lo = a;
  if (hi) *hi = b;
}

Vec3<double> centre_of_mass(const std::vector<Atom>& atoms) {
  THON_CHECK(!atoms.empty(), "centre_of_mass: no atoms");
  long double sx = 0, sy = 0, sz = 0, sm = 0;
  for (const auto& a : atoms) {
    const double m = element_mass(a.z);
    THON_CHECK(m > 0, "centre_of_mass: atom with unknown element z = ", a.z);
    sx += m * a.position_A.x;
    sy += m * a.position_A.y;
    sz += m * a.position_A.z;
    sm += m;
  }
  return {double(sx / sm), double(sy / sm), double(sz / sm)};
}

void centre_atoms(std::vector<Atom>& atoms, const Vec3<double>& target) {
  const Vec3<double> shift = target - centre_of_mass(atoms);
  for (auto& a : atoms) a.position_A = a.position_A + shift;
}

}  // namespace thon::io
