// The `thon simulate` driver: a particle data set from an atomic model or a map (docs/simulate.md).
//
//   model (PDB/mmCIF, or the built-in helix bundle) -> potential map [V] at the particle box and
//   pixel size (exact voxel integrals, ops/potential.hpp)  |  or a map read from MRC
//   -> Fourier projector (padding 2, ops/project.hpp)
//   -> per batch: poses (uniform random from the seed, or a STAR file), origin shifts, CTF per particle
//      -> central slices -> ops::form_images (CTF, detector, noise) on the chosen device
//      -> appended to prefix.mrcs (streamed: the stack is never held)
//   -> prefix.star (RELION 3.1, true poses, shifts, CTF), prefix_truth.mrc (the map), prefix.h5.
// Every output appears complete or not at all (temporary names, renamed at the end).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/core/device.hpp"
#include "thon/io/model.hpp"

namespace thon::pipeline {

/// `--method multislice` (docs/multislice.md): the options of host/pipeline/multislice.hpp.
struct MultisliceOptions {
  double slice_thickness_A = 2;    ///< dz
  double ice_thickness_A = 0;      ///< 0: no ice (the specimen is the particle's own slab)
  double depth_A = -1;             ///< particle centre below the ice's entrance surface; < 0: mid-ice
  std::string ice = "constant";    ///< with ice: constant | random (mean inner potential ice_potential_V)
  double ice_potential_V = 4.58;
  int field = 0;                   ///< wave field [pixels]; 0: the box
  double absorption_ratio = 0;     ///< v_im = ratio v
  double mean_free_path_A = 0;     ///< inelastic mean free path [Å]; 0: off
  double beam_tilt_x_mrad = 0, beam_tilt_y_mrad = 0;
  double aperture_mrad = 0;        ///< objective aperture semi-angle; 0: none
  double source_alpha_mrad = 0;    ///< spatial-coherence envelope (illumination semi-angle)
  double focal_spread_A = 0;       ///< temporal-coherence envelope (1/e half-width)
  bool save_exit_wave = false;     ///< PREFIX_exit_re.mrcs + PREFIX_exit_im.mrcs (field x field)
  bool has_angles = false;         ///< one pose for every particle (rot, tilt, psi) instead of random
  double rot_deg = 0, tilt_deg = 0, psi_deg = 0;
};

struct SimulateOptions {
  // Input: exactly one of model_path / map_path, or neither for the built-in model.
  std::string model_path;          ///< PDB or mmCIF; "builtin" = the built-in helix bundle
  std::string map_path;            ///< MRC map [V or any density unit], used as the potential
  std::int64_t n_images = 1000;    ///< ignored (taken from the file) with poses_path and n_images <= 0
  int box = 128;                   ///< particle box [pixels]; map input: 0 = the map's size
  double pixel_size_A = 1.0;       ///< map input: 0 = from the map header
  std::string poses_path;          ///< STAR file with rlnAngleRot/Tilt/Psi (origins, CTF used if present)
  // CTF.
  bool apply_ctf = true;
  double defocus_min_A = 10000, defocus_max_A = 25000;  ///< mean defocus, uniform per particle
  double astig_A = 0;              ///< |U - V| uniform in [0, astig], angle uniform in [0, 180)
  double voltage_kV = 300, cs_mm = 2.7, amplitude_contrast = 0.1;
  double phase_shift_deg = 0, bfactor_A2 = 0;
  // Tilted specimen (0 = untilted).
  double tilt_angle_deg = 0, tilt_axis_deg = 0;
  int tilt_handedness = +1;
  double tilt_strip_width_A = 20;  ///< strips of constant defocus parallel to the axis
  // Detector and noise.
  std::string detector = "ideal";  ///< ideal | counting | counting:DQE0 | table:MTF_FILE[,DQE_FILE]
  enum class Noise { none, dose, snr } noise = Noise::dose;
  double dose_e_per_A2 = 40;
  double snr = 0.1;
  // Geometry and bookkeeping.
  double max_shift_A = 0;          ///< origin shifts uniform in a disc of this radius
  std::string subsets = "alternating";  ///< rlnRandomSubset: alternating | random
  std::uint64_t seed = 1;
  Device device = Device::cpu;
  int batch = 0;                   ///< images per batch; 0 = automatic (memory-sized)
  std::string output_prefix;       ///< writes prefix.mrcs, prefix.star, prefix.h5, prefix_truth.mrc
  bool write_hdf5 = true;          ///< prefix.h5: thon's dataset container (io/hdf5.hpp)
  std::string command_line;        ///< recorded in the HDF5 provenance
  bool progress = true;
  enum class Method { projection, multislice } method = Method::projection;
  MultisliceOptions multislice;    ///< method == multislice
};

struct SimulateSummary {
  std::int64_t n_images = 0;
  int box = 0;
  double pixel_size_A = 0;
  std::int64_t n_atoms = 0;        ///< 0 for map input
  std::vector<std::string> outputs;
  double potential_s = 0, projector_s = 0, images_s = 0, total_s = 0;
  /// Parts of images_s: slices, image formation, and disk (on a second thread, overlapping the others).
  double project_s = 0, form_s = 0, write_s = 0;
  int batch = 0;
  // method == multislice.
  int n_slabs = 0, field = 0;
  double max_propagator_phase_rad = 0;
  std::int64_t fft_count = 0;      ///< field^2 c2c transforms per image
  double slices_per_s = 0;
};

/// Runs the simulation. Validates everything before writing anything; throws thon::Error (naming the
/// option, file or field) for bad input. Nothing is left at the output paths on error.
SimulateSummary simulate(const SimulateOptions& options);

/// Checks the options alone (no files read): the CLI calls it before anything else.
void validate(const SimulateOptions& options);

/// The atoms of the input model: the built-in helix bundle for "builtin" or an empty path.
io::AtomicModel load_model(const std::string& model_path);

}  // namespace thon::pipeline
