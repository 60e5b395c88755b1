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
  // Summary for `thon info`.
  int n_models = 0, n_chains = 0, n_residues = 0;
};

/// Reads a PDB or mmCIF file (by content, gz allowed). Alternate locations: the highest occupancy
/// conformer is kept. Throws thon::Error naming the file for no atoms or unknown elements.
AtomicModel read_model(const std::string& path, const ModelReadOptions& options = {});

/// Element symbol of atomic number z ("C"), and the reverse (case-insensitive; 0 when unknown).
const char* element_symbol(int z);
int element_z(const std::string& symbol);

/// Axis-aligned bounding box of the atoms.
void bounding_box(const std::vector<Atom>& atoms, Vec3<double>* lo, Vec3<double>* hi);
/// Mass-weighted centre (atomic masses from the element).
Vec3<double> centre_of_mass(const std::vector<Atom>& atoms);
/// Translates the atoms so the centre of mass is at `target`.
void centre_atoms(std::vector<Atom>& atoms, const Vec3<double>& target);

}  // namespace thon::io
