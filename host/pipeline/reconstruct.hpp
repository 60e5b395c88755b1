// The `thon reconstruct` driver: particles (RELION STAR, cryoSPARC .cs or thon HDF5) in, map + half maps + FSC out.
// Streams the images from disk in batches (a reader thread loads batch i+1 while batch i is
// transformed and inserted), so memory is bounded independently of the number of particles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/core/device.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon::pipeline {

enum class CtfMode { automatic, on, off };

struct ReconstructJob {
  std::string input_star;               ///< particles: RELION 3.0/3.1 STAR, cryoSPARC .cs or thon HDF5
  std::string image_directory;          ///< .cs input: the directory image paths are relative to
  std::string output_map = "map.mrc";   ///< also <stem>_half1.mrc, <stem>_half2.mrc, <stem>_fsc.star/.png
  Device device = Device::cpu;
  int pad = 2;
  Interp interp = Interp::linear;
  int pad_images = -1;                  ///< -1: ops::default_pad_images; 0/1: off/on
  std::string symmetry = "C1";
  double maxres_A = 0;                  ///< 0: Nyquist
  CtfMode ctf = CtfMode::automatic;     ///< automatic: on when the STAR has CTF columns
  ops::Regularisation regularisation = ops::Regularisation::fsc;
  double tau2 = 0;                      ///< for Regularisation::tau2 (weight units)
  double wiener = 0;                    ///< for Regularisation::wiener
  double tau2_fudge = 1;
  int batch = 0;                        ///< images per batch; 0: automatic
  std::uint64_t seed = 1;               ///< random half-set split when rlnRandomSubset is absent
  double mask_diameter_A = 0;           ///< soft sphere of the masked FSC; 0: 0.8 box
  double mask_edge_px = 6;
  std::string mask_file;                ///< a mask map instead of the soft sphere
  bool mask_maps = false;               ///< multiply the written maps by the mask
  bool edge_mask = true;                ///< RELION's softMaskOutsideMap at radius box/2 on every map
  bool progress = true;
  std::size_t max_memory_bytes = 0;     ///< CPU accumulators' budget; 0: half of MemAvailable
};

struct ReconstructReport {
  std::int64_t n_particles = 0, n_inserted = 0, n_skipped_nonfinite = 0;
  std::int64_t n_half[2] = {0, 0};
  int box = 0;
  double pixel_size_A = 0;
  bool ctf = false;
  int symmetry_order = 1;
  std::vector<double> fsc_unmasked, fsc_masked, ssnr;  ///< per shell 0 .. box/2
  double resolution_unmasked_A = 0, resolution_masked_A = 0;  ///< at FSC 0.143
  double time_read_s = 0, time_insert_s = 0, time_invert_s = 0, time_fsc_s = 0, time_total_s = 0;
  double images_per_s = 0;
  std::vector<std::string> outputs;
};

/// Runs the whole job and writes the outputs (all or none). Throws thon::Error naming the file and
/// field for bad input: no poses, missing images, images of different sizes, several pixel sizes,
/// --ctf without CTF columns, --maxres finer than Nyquist. Images with NaN/Inf are skipped and
/// counted (warning on stderr); a pixel size in the MRC header that differs from the STAR file's is
/// warned about, and the STAR value is used (as RELION does).
ReconstructReport run_reconstruct(const ReconstructJob& job);

/// Output paths for --o: (map, half1, half2, fsc star, fsc png).
std::vector<std::string> reconstruct_output_paths(const std::string& output_map);

}  // namespace thon::pipeline
