// Atomic models through gemmi: real PDB/mmCIF files checked against an independent column parse of
// the PDB text and against PROVENANCE.md's counts; altlocs, waters, hydrogens, models, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/io/model.hpp"

namespace {

using namespace thon::io;
using thon::test::data_path;
using thon::Vec3;

struct PdbAtom {
  double x, y, z;
  std::string element;
  bool water;
};

/// Independent oracle: ATOM/HETATM records of the first model parsed by fixed columns.
std::vector<PdbAtom> parse_pdb_columns(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<PdbAtom> atoms;
  while (std::getline(in, line)) {
    if (line.rfind("ENDMDL", 0) == 0) break;
    if (line.rfind("ATOM  ", 0) != 0 && line.rfind("HETATM", 0) != 0) continue;
    PdbAtom a;
    a.x = std::stod(line.substr(30, 8));
    a.y = std::stod(line.substr(38, 8));
    a.z = std::stod(line.substr(46, 8));
    std::string el = line.size() >= 78 ? line.substr(76, 2) : "";
    el.erase(0, el.find_first_not_of(' '));
    a.element = el;
    a.water = line.substr(17, 3) == "HOH";
    atoms.push_back(a);
  }
  return atoms;
}

/// One PDB ATOM record by its fixed columns.
std::string pdb_atom(int serial, const char* name, char altloc, const char* res, char chain, int seq,
                     double x, double y, double z, double occ, double b, const char* element) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "ATOM  %5d %-4s%c%3s %c%4d    %8.3f%8.3f%8.3f%6.2f%6.2f          %2s\n", serial, name,
                altloc, res, chain, seq, x, y, z, occ, b, element);
  return buf;
}

std::string write_text(const thon::test::TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name)) << text;
  return dir.file(name);
}

TEST(Model, Lysozyme1akiPdbAndCifAgree) {
  THON_REQUIRE_DATA("models/1aki.pdb");
  THON_REQUIRE_DATA("models/1aki.cif");
  const AtomicModel pdb = read_model(data_path("models/1aki.pdb"));
  const AtomicModel cif = read_model(data_path("models/1aki.cif"));
  const auto oracle = parse_pdb_columns(data_path("models/1aki.pdb"));
  ASSERT_EQ(oracle.size(), 1079u);
  ASSERT_EQ(pdb.atoms.size(), 1079u);
  ASSERT_EQ(cif.atoms.size(), 1079u);
  EXPECT_EQ(pdb.n_models, 1);
  EXPECT_EQ(pdb.n_chains, 1);
  EXPECT_EQ(pdb.n_waters, 78);
  EXPECT_EQ(pdb.n_residues, 129 + 78);
  EXPECT_EQ(cif.n_residues, 129 + 78);
  std::map<std::string, int> by_element;
  for (std::size_t i = 0; i < oracle.size(); ++i) {
    // Same atoms, same order, coordinates equal to the PDB text (3 decimals: exact as doubles of
    // the same decimal strings in both files, PROVENANCE.md: max |delta| = 0).
    EXPECT_EQ(pdb.atoms[i].position_A.x, oracle[i].x);
    EXPECT_EQ(pdb.atoms[i].position_A.y, oracle[i].y);
    EXPECT_EQ(pdb.atoms[i].position_A.z, oracle[i].z);
    EXPECT_EQ(cif.atoms[i].position_A.x, pdb.atoms[i].position_A.x);
    EXPECT_EQ(cif.atoms[i].position_A.y, pdb.atoms[i].position_A.y);
    EXPECT_EQ(cif.atoms[i].position_A.z, pdb.atoms[i].position_A.z);
    EXPECT_EQ(pdb.atoms[i].z, element_z(oracle[i].element));
    EXPECT_EQ(cif.atoms[i].z, pdb.atoms[i].z);
    EXPECT_EQ(cif.atoms[i].b_factor_A2, pdb.atoms[i].b_factor_A2);
    ++by_element[oracle[i].element];
  }
  EXPECT_EQ(by_element, (std::map<std::string, int>{{"C", 613}, {"N", 193}, {"O", 263}, {"S", 10}}));
  ModelReadOptions dry;
  dry.remove_waters = true;
  EXPECT_EQ(read_model(data_path("models/1aki.cif"), dry).atoms.size(), 1001u);
  EXPECT_EQ(read_model(data_path("models/1aki.pdb"), dry).atoms.size(), 1001u);
}

TEST(Model, Apoferritin6z6u) {
  THON_REQUIRE_DATA("models/6z6u.pdb");
  const AtomicModel m = read_model(data_path("models/6z6u.pdb"));
  EXPECT_EQ(m.atoms.size(), 32618u);
  EXPECT_EQ(m.n_chains, 24);
  EXPECT_EQ(m.chain_names.size(), 24u);
  EXPECT_EQ(m.chain_names.front(), "A");
  std::map<int, int> by_z;
  for (const auto& a : m.atoms) ++by_z[a.z];
  // PROVENANCE.md: C 20184, N 5784, O 6504, S 120, Na 24, Mg 2.
  EXPECT_EQ(by_z, (std::map<int, int>{{6, 20184}, {7, 5784}, {8, 6504}, {16, 120}, {11, 24}, {12, 2}}));
  Vec3<double> lo, hi;
  bounding_box(m.atoms, &lo, &hi);
  // PROVENANCE.md: the overall extent is 123.5 Å on each axis (one decimal).
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(hi[k] - lo[k], 123.5, 0.05 + 1e-9) << k;
}

TEST(Model, AltlocsKeepHighestOccupancyHydrogensAndModels) {
  thon::test::TempDir dir;
  std::string text = "MODEL        1\n";
  text += pdb_atom(1, "N", ' ', "ALA", 'A', 1, 0, 0, 0, 1.0, 10, "N");
  text += pdb_atom(2, "CA", 'A', "ALA", 'A', 1, 1, 0, 0, 0.3, 11, "C");
  text += pdb_atom(3, "CA", 'B', "ALA", 'A', 1, 2, 0, 0, 0.7, 12, "C");
  text += pdb_atom(4, "H", ' ', "ALA", 'A', 1, 0, 1, 0, 1.0, 13, "H");
  text += pdb_atom(5, "O", ' ', "HOH", 'B', 2, 5, 5, 5, 1.0, 30, "O");
  text += "ENDMDL\nMODEL        2\n";
  text += pdb_atom(1, "N", ' ', "ALA", 'A', 1, 9, 9, 9, 1.0, 10, "N");
  text += "ENDMDL\nEND\n";
  const std::string path = write_text(dir, "alt.pdb", text);
  const AtomicModel m = read_model(path);
  ASSERT_EQ(m.atoms.size(), 4u);  // N, CA (B), H, water O
  EXPECT_EQ(m.atoms[1].position_A.x, 2.0);
  EXPECT_EQ(m.atoms[1].occupancy, 0.7f);  // gemmi stores occupancy as float
  EXPECT_EQ(m.atoms[1].b_factor_A2, 12.0);
  EXPECT_EQ(m.n_altloc_dropped, 1);
  EXPECT_EQ(m.n_models, 1);
  ModelReadOptions o;
  o.remove_hydrogens = true;
  o.remove_waters = true;
  EXPECT_EQ(read_model(path, o).atoms.size(), 2u);
  o = {};
  o.all_models = true;
  const AtomicModel all = read_model(path, o);
  EXPECT_EQ(all.n_models, 2);
  ASSERT_EQ(all.atoms.size(), 5u);
  EXPECT_EQ(all.atoms[4].position_A.z, 9.0);
}

TEST(Model, BadModelsGiveClearErrors) {
  thon::test::TempDir dir;
  auto message = [](const std::string& path) {
    try {
      read_model(path);
    } catch (const thon::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string unknown = write_text(dir, "unk.pdb", pdb_atom(7, "QQ1", ' ', "LIG", 'C', 5, 0, 0, 0, 1, 10, "QQ"));
  std::string e = message(unknown);
  EXPECT_NE(e.find("unk.pdb"), std::string::npos) << e;
  EXPECT_NE(e.find("atom 'QQ1' (serial 7) of residue LIG 5 in chain C has an unknown element"), std::string::npos) << e;
  e = message(write_text(dir, "empty.pdb", "HEADER    NOTHING\nEND\n"));
  EXPECT_NE(e.find("empty.pdb: the model has no atoms"), std::string::npos) << e;
  e = message(dir.file("missing.cif"));
  EXPECT_NE(e.find("no such file"), std::string::npos) << e;
  e = message(write_text(dir, "broken.cif", "data_x\nloop_\n_atom_site.id\n'unterminated\n"));
  EXPECT_NE(e.find("broken.cif"), std::string::npos) << e;
}

TEST(Model, ElementsMassesAndCentring) {
  EXPECT_EQ(element_z("C"), 6);
  EXPECT_EQ(element_z("fe"), 26);
  EXPECT_EQ(element_z(" Zn "), 30);
  EXPECT_EQ(element_z("Xy"), 0);
  EXPECT_EQ(element_z("CAL"), 0);
  EXPECT_EQ(element_z(""), 0);
  EXPECT_STREQ(element_symbol(8), "O");
  EXPECT_STREQ(element_symbol(34), "Se");
  EXPECT_STREQ(element_symbol(0), "X");
  // IUPAC standard atomic weights (conventional values): C 12.011, O 15.999, S 32.06 (gemmi: 32.065 or 32.06).
  EXPECT_NEAR(element_mass(6), 12.011, 1e-3);
  EXPECT_NEAR(element_mass(8), 15.999, 1e-3);
  EXPECT_NEAR(element_mass(16), 32.06, 6e-3);
  EXPECT_EQ(element_mass(0), 0.0);
  // Centre of mass of C at 0 and O at (1, 2, -4): m_O / (m_C + m_O) times the O position.
  std::vector<Atom> atoms(2);
  atoms[0].z = 6;
  atoms[1].z = 8;
  atoms[1].position_A = {1, 2, -4};
  const double w = element_mass(8) / (element_mass(6) + element_mass(8));
  const Vec3<double> com = centre_of_mass(atoms);
  EXPECT_NEAR(com.x, w, 1e-15);
  EXPECT_NEAR(com.y, 2 * w, 1e-15);
  EXPECT_NEAR(com.z, -4 * w, 1e-15);
  centre_atoms(atoms, box_centre_A(64, 1.5));
  const Vec3<double> c2 = centre_of_mass(atoms);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(c2[k], 48.0, 1e-12);
  EXPECT_NEAR(atoms[1].position_A.x - atoms[0].position_A.x, 1.0, 1e-12);  // rigid shift
  Vec3<double> lo, hi;
  bounding_box(atoms, &lo, &hi);
  EXPECT_NEAR(hi.z - lo.z, 4.0, 1e-12);
  EXPECT_THROW(bounding_box({}, &lo, &hi), thon::Error);
}

}  // namespace
