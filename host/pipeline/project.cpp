// `thon project`: read the map, prepare the Fourier projector once, project the poses in batches
// (central slices -> real-space images), stream them to <prefix>.mrcs, write <prefix>.star.
#include "pipeline/project.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <vector>

#include "core/progress.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particle_source.hpp"
#include "thon/io/particles.hpp"
#include "thon/ops/project.hpp"
#include "thon/ops/sampling.hpp"

namespace thon::pipeline {

void uniform_random_euler(std::int64_t n, std::uint64_t seed, std::vector<double>& rot_deg,
                          std::vector<double>& tilt_deg, std::vector<double>& psi_deg) {
  const std::vector<EulerAnglesD> poses = random_orientations(n, seed);
  rot_deg.resize(poses.size());
  tilt_deg.resize(poses.size());
  psi_deg.resize(poses.size());
  for (std::size_t i = 0; i < poses.size(); ++i) {
    rot_deg[i] = poses[i].rot_deg;
    tilt_deg[i] = poses[i].tilt_deg;
    psi_deg[i] = poses[i].psi_deg;
  }
}

ProjectResult run_project(const ProjectJob& job) {
  const auto t0 = std::chrono::steady_clock::now();
  THON_CHECK(!job.out_prefix.empty(), "project: --o (output prefix) is required");
  THON_CHECK(std::isfinite(job.padding) && job.padding >= 1.0,
             "project: --pad must be a finite number >= 1, got ", job.padding);
  THON_CHECK(job.batch > 0, "project: --batch must be positive, got ", job.batch);

  // Poses first: a bad STAR file fails before the map is read.
  std::vector<double> rot, tilt, psi;
  if (!job.poses_path.empty()) {
    const io::ParticleTable table = io::read_particle_table(job.poses_path);
    THON_CHECK(table.present.angles, job.poses_path,
               ": no rlnAngleRot / rlnAngleTilt / rlnAnglePsi columns: cannot project without poses");
    THON_CHECK(!table.particles.empty(), job.poses_path, ": no particles");
    for (const auto& p : table.particles) {
      rot.push_back(p.rot_deg);
      tilt.push_back(p.tilt_deg);
      psi.push_back(p.psi_deg);
    }
  } else {
    THON_CHECK(job.n_random > 0, "project: give --poses poses.star or --n N (> 0) random poses");
    uniform_random_euler(job.n_random, job.seed, rot, tilt, psi);
  }
  std::vector<Mat3<double>> poses;
  try {
    poses = ops::poses_from_euler(rot, tilt, psi);
  } catch (const Error& e) {
    fail(ErrorCode::invalid_argument, job.poses_path.empty() ? "random poses" : job.poses_path,
         ": ", e.what());
  }

  const Volume<float> map = io::read_mrc_volume(job.map_path);
  THON_CHECK(map.nx() == map.ny() && map.nx() == map.nz(), job.map_path,
             ": the map must be cubic, got ", map.nx(), " x ", map.ny(), " x ", map.nz());
  for (index_t i = 0; i < map.size(); ++i)
    THON_CHECK(std::isfinite(map[i]), job.map_path, ": voxel ", i, " is not finite");
  double pixel_size_A = map.pixel_size_A();
  if (!(pixel_size_A > 0)) pixel_size_A = 1.0;  // header without a pixel size: RELION uses 1 Å too

  ops::ProjectorOptions options;
  options.padding = job.padding;
  options.interp = job.interp;
  const ops::FourierProjector<float> projector(job.device, map, options);
  const int n = map.nx();
  const std::int64_t count = std::int64_t(poses.size());

  ProjectResult result;
  result.n_images = count;
  result.box = n;
  result.pixel_size_A = pixel_size_A;
  result.mrcs_path = job.out_prefix + ".mrcs";
  result.star_path = job.out_prefix + ".star";

  {
    io::MrcStackWriter writer(result.mrcs_path, n, n, pixel_size_A);
    Progress progress("project", count, "images", job.progress);
    // Two image buffers: batch k is written by a background thread while batch k + 1 is
    // projected into the other buffer (the writer sees one batch at a time, in order).
    const std::int64_t batch = std::min<std::int64_t>(job.batch, count);
    std::vector<float> images[2];
    for (auto& buf : images) buf.resize(std::size_t(batch) * n * n);
    std::future<void> writing;
    int which = 0;
    for (std::int64_t first = 0; first < count; first += batch, which ^= 1) {
      const std::int64_t m = std::min<std::int64_t>(batch, count - first);
      projector.project_images(poses.data() + first, m, images[which].data());
      if (writing.valid()) writing.get();  // rethrows a write error
      writing = std::async(std::launch::async, [&writer, &images, which, m] {
        writer.append(images[which].data(), m);
      });
      progress.advance(m);
    }
    if (writing.valid()) writing.get();
    progress.finish();

    io::ParticleTable table;
    io::OpticsGroup optics;
    optics.pixel_size_A = pixel_size_A;
    optics.image_size = n;
    optics.image_dimensionality = 2;
    table.optics.push_back(optics);
    table.present.angles = true;
    table.present.origins = true;
    const std::string stack_name = std::filesystem::path(result.mrcs_path).filename().string();
    table.particles.reserve(std::size_t(count));
    for (std::int64_t i = 0; i < count; ++i) {
      io::Particle p;
      p.image_name = io::format_image_name(i, stack_name);
      p.rot_deg = rot[std::size_t(i)];
      p.tilt_deg = tilt[std::size_t(i)];
      p.psi_deg = psi[std::size_t(i)];
      table.particles.push_back(p);
    }
    // The stack is committed first, then the STAR file; if the STAR write fails the stack is
    // removed again, so either both appear or neither.
    writer.commit();
    try {
      io::write_particles(result.star_path, table);
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(result.mrcs_path, ec);
      throw;
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace thon::pipeline
