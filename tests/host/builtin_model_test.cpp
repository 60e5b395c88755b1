// The built-in helix bundle: size, ideal geometry (bond lengths, helix hydrogen bond), determinism,
// asymmetry, and the PDB writer read back by gemmi.
#include <gtest/gtest.h>

#include <gemmi/pdb.hpp>

#include <cmath>
#include <vector>

#include "test_util.hpp"
#include "thon/ops/builtin_model.hpp"

namespace ops = thon::ops;

namespace {
double dist(const thon::io::Atom& a, const thon::io::Atom& b) { return thon::length(a.position_A - b.position_A); }
}  // namespace

TEST(BuiltinModel, SizeAndDeterminism) {
  const auto a = ops::builtin_helix_bundle();
  const auto b = ops::builtin_helix_bundle();
  ASSERT_EQ(a.size(), b.size());
  EXPECT_GT(a.size(), 2000u);
  EXPECT_LT(a.size(), 5000u);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(thon::length(a[i].position_A - b[i].position_A), 0.0);
  int n_s = 0;
  thon::Vec3<double> c{0, 0, 0};
  for (const auto& x : a) {
    n_s += x.z == 16;
    c = c + x.position_A;
  }
  EXPECT_GE(n_s, 5);
  c = (1.0 / a.size()) * c;
  EXPECT_LT(thon::length(c), 5.0);  // centred near the origin
}

// Engh & Huber bond lengths within 0.02 Å along every chain of the central helix (residues of 5
// atoms: N CA C O CB), and the i -> i+4 hydrogen-bond distance O...N = 2.94 Å (Pauling 1951: 2.8-3.0).
TEST(BuiltinModel, IdealHelixGeometry) {
  ops::BuiltinModelOptions o;
  o.n_outer = 0;
  o.base_residues = 20;
  auto atoms = ops::builtin_helix_bundle(o);
  std::vector<std::vector<thon::io::Atom>> res;
  for (std::size_t i = 0; i < atoms.size();) {
    std::vector<thon::io::Atom> r(atoms.begin() + i, atoms.begin() + i + 5);
    i += 5;
    if (i < atoms.size() && atoms[i].z == 16) ++i;  // SG of a cysteine
    res.push_back(r);
  }
  ASSERT_EQ(res.size(), 20u);
  for (std::size_t i = 0; i < res.size(); ++i) {
    EXPECT_NEAR(dist(res[i][0], res[i][1]), 1.458, 0.02);  // N-CA
    EXPECT_NEAR(dist(res[i][1], res[i][2]), 1.525, 0.02);  // CA-C
    EXPECT_NEAR(dist(res[i][2], res[i][3]), 1.231, 0.02);  // C=O
    EXPECT_NEAR(dist(res[i][1], res[i][4]), 1.53, 0.02);   // CA-CB
    if (i + 1 < res.size()) {
      EXPECT_NEAR(dist(res[i][2], res[i + 1][0]), 1.329, 0.02);  // peptide C-N
    }
    if (i + 4 < res.size()) {
      EXPECT_NEAR(dist(res[i][3], res[i + 4][0]), 2.94, 0.05);
    }
  }
}

TEST(BuiltinModel, PdbReadBackByGemmi) {
  thon::test::TempDir dir;
  const std::string path = dir.file("bundle.pdb");
  ops::write_builtin_model_pdb(path);
  const auto atoms = ops::builtin_helix_bundle();
  gemmi::Structure st = gemmi::read_pdb_file(path);
  ASSERT_FALSE(st.models.empty());
  std::vector<const gemmi::Atom*> read;
  int n_chains = 0;
  for (const gemmi::Chain& ch : st.models[0].chains) {
    ++n_chains;
    for (const gemmi::Residue& r : ch.residues)
      for (const gemmi::Atom& at : r.atoms) read.push_back(&at);
  }
  EXPECT_EQ(n_chains, 7);
  ASSERT_EQ(read.size(), atoms.size());
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    ASSERT_EQ(read[i]->element.atomic_number(), atoms[i].z) << i;
    ASSERT_NEAR(read[i]->pos.x, atoms[i].position_A.x, 6e-4);
    ASSERT_NEAR(read[i]->pos.z, atoms[i].position_A.z, 6e-4);
  }
  const std::string generic = dir.file("generic.pdb");
  ops::write_pdb(generic, atoms);
  std::size_t n_generic = 0;
  const gemmi::Structure st2 = gemmi::read_pdb_file(generic);
  for (const gemmi::Chain& ch : st2.models[0].chains)
    for (const gemmi::Residue& r : ch.residues) n_generic += r.atoms.size();
  EXPECT_EQ(n_generic, atoms.size());
}
