// The options of the multislice method, shared by `thon multislice` and `thon simulate --method
// multislice` so both spell them alike (docs/multislice.md).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "pipeline/simulate.hpp"

namespace thon::cli {

inline void add_multislice_options(CLI::App& app, pipeline::MultisliceOptions& m) {
  app.add_option(thon::cli::names("slice-thickness"), m.slice_thickness_A, "Multislice: slab thickness dz in Å")->capture_default_str();
  app.add_option(thon::cli::names("ice-thickness"), m.ice_thickness_A, "Multislice: vitreous ice thickness in Å (0: no ice)")
      ->capture_default_str();
  app.add_option(thon::cli::names("depth"), m.depth_A, "Multislice: particle centre below the ice's top surface in Å (default: mid-ice)");
  app.add_option(thon::cli::names("ice"), m.ice, "Multislice: ice model, constant (mean inner potential) or random (amorphous phase screen)")
      ->capture_default_str();
  app.add_option(thon::cli::names("ice-potential"), m.ice_potential_V, "Multislice: mean inner potential of the ice in V")
      ->capture_default_str();
  app.add_option(thon::cli::names("field"), m.field, "Multislice: wave field in pixels, >= --box (0: the box)")->capture_default_str();
  app.add_option(thon::cli::names("absorption-ratio"), m.absorption_ratio, "Multislice: absorptive potential as a fraction of the potential")
      ->capture_default_str();
  app.add_option(thon::cli::names("mean-free-path"), m.mean_free_path_A, "Multislice: inelastic mean free path in Å (0: off)")
      ->capture_default_str();
  app.add_option(thon::cli::names("beam-tilt-x"), m.beam_tilt_x_mrad, "Multislice: beam tilt along x in mrad")->capture_default_str();
  app.add_option(thon::cli::names("beam-tilt-y"), m.beam_tilt_y_mrad, "Multislice: beam tilt along y in mrad")->capture_default_str();
  app.add_option(thon::cli::names("aperture"), m.aperture_mrad, "Multislice: objective aperture semi-angle in mrad (0: none)")
      ->capture_default_str();
  app.add_option(thon::cli::names("source-alpha"), m.source_alpha_mrad, "Multislice: illumination semi-angle in mrad (spatial envelope)")
      ->capture_default_str();
  app.add_option(thon::cli::names("focal-spread"), m.focal_spread_A, "Multislice: focal spread (1/e half-width) in Å (temporal envelope)")
      ->capture_default_str();
}

}  // namespace thon::cli
