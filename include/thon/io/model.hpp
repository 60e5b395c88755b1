// Atomic models: atoms with element, position (Å), B-factor (Å^2), occupancy and charge.
// Reading PDB/mmCIF goes through gemmi (host/io/model.cpp).
#pragma once

#include <string>
#include <vector>

#include "thon/core/vec.hpp"

namespace thon::io {

struct Atom {
  int z = 6;                    ///< atomic number (element)
  Vec3<double> position_A{0, 0, 0};
  double b_factor_A2 = 0;
  double occupancy = 1;
  int charge = 0;
};

struct ModelReadOptions {
  bool remove_waters = false;
  bool remove_hydrogens = false;
  bool all_models = false;      ///< false: first model only
};

struct AtomicModel {
  std::string name;             ///< entry id or file stem
  std::vector<Atom> atoms;
  // Summary for `thon info` (over the models read).
  int n_models = 0, n_chains = 0, n_residues = 0;
  int n_waters = 0;             ///< water residues kept
  int n_altloc_dropped = 0;     ///< atoms dropped as lower-occupancy alternate locations
  std::vector<std::string> chain_names;  ///< chains of the first model read, in file order
};

/// Reads a PDB or mmCIF file (by content, gz allowed). Alternate locations: the highest occupancy
/// conformer is kept. Throws thon::Error naming the file for no atoms or unknown elements.
AtomicModel read_model(const std::string& path, const ModelReadOptions& options = {});

/// Element symbol of atomic number z ("C"), and the reverse (case-insensitive; 0 when unknown).
const char* element_symbol(int z);
int element_z(const std::string& symbol);
/// Standard atomic weight of element z in g/mol (Da), from gemmi's table; 0 for unknown z.
double element_mass(int z);

/// Axis-aligned bounding box of the atoms.
void bounding_box(const std::vector<Atom>& atoms, Vec3<double>* lo, Vec3<double>* hi);
/// Mass-weighted centre (atomic masses from the element).
Vec3<double> centre_of_mass(const std::vector<Atom>& atoms);
/// Translates the atoms so the centre of mass is at `target`.
void centre_atoms(std::vector<Atom>& atoms, const Vec3<double>& target);
/// Centre of a cubic box of side n voxels of `pixel_size_A` in the model's frame, with the box's
/// origin (voxel 0) at 0: the centre is voxel n/2 (DESIGN.md section 3), at (n/2) * pixel_size_A.
inline Vec3<double> box_centre_A(int n, double pixel_size_A) {
  const double c = double(n / 2) * pixel_size_A;
  return {c, c, c};
}

}  // namespace thon::io
