// Device residency of `--device cuda`: the stage report (thon/core/stages.hpp) of simulate,
// reconstruct and project runs on the GPU must list every stage as run on the device, and the
// particle images must cross to the device once. A stage that silently falls back to the host
// records itself as a host stage and fails this test. Skips without a device (label gpu).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "pipeline/project.hpp"
#include "pipeline/reconstruct.hpp"
#include "pipeline/simulate.hpp"
#include "test_util.hpp"
#include "thon/core/stages.hpp"

namespace thon {
namespace {

class Residency : public test::GpuTest {};

/// Fails for every host stage; returns the names of the device stages.
std::set<std::string> device_stages(const char* run) {
  std::set<std::string> names;
  for (const StageRecord& r : stage_report()) {
    EXPECT_EQ(r.site, StageSite::device) << run << ": stage " << r.name << " ran on the host\n"
                                         << format_stage_report();
    names.insert(r.name);
  }
  return names;
}

const StageRecord* find(const std::string& name) {
  static std::vector<StageRecord> keep;
  keep = stage_report();
  for (const StageRecord& r : keep)
    if (r.name == name) return &r;
  return nullptr;
}

TEST_F(Residency, SimulateReconstructAndProjectRunOnTheDevice) {
  test::TempDir dir;
  const int box = 32, n = 96;
  pipeline::SimulateOptions s;
  s.n_images = n;
  s.box = box;
  s.pixel_size_A = 2.0;
  s.detector = "counting";
  s.max_shift_A = 3;
  s.device = Device::cuda;
  s.batch = 40;  // three batches, the last one short
  s.output_prefix = dir.file("sim");
  s.write_hdf5 = false;
  s.progress = false;
  stage_report_reset();
  pipeline::simulate(s);
  const auto sim = device_stages("simulate");
  for (const char* st : {"potential.map", "project.prepare", "project.extract", "simulate.form"})
    EXPECT_TRUE(sim.count(st)) << "simulate: no device stage " << st << "\n" << format_stage_report();

  pipeline::ReconstructJob r;
  r.input_star = dir.file("sim.star");
  r.output_map = dir.file("map.mrc");
  r.device = Device::cuda;
  r.batch = 32;
  r.progress = false;
  stage_report_reset();
  const auto rep = pipeline::run_reconstruct(r);
  EXPECT_EQ(rep.n_inserted, n);
  const auto rec = device_stages("reconstruct");
  for (const char* st : {"reconstruct.upload", "reconstruct.fft2d", "reconstruct.ctf", "reconstruct.prepare",
                         "reconstruct.insert", "reconstruct.hermitian", "reconstruct.divide", "reconstruct.fft3d",
                         "reconstruct.gridding", "reconstruct.edge_mask", "reconstruct.mask", "reconstruct.fsc",
                         "reconstruct.maps"})
    EXPECT_TRUE(rec.count(st)) << "reconstruct: no device stage " << st << "\n" << format_stage_report();
  // The images cross once: the upload is the images plus small per-image tables (< 1.5x).
  const StageRecord* up = find("reconstruct.upload");
  ASSERT_NE(up, nullptr);
  const double image_bytes = double(n) * box * box * sizeof(float);
  EXPECT_GE(double(up->h2d_bytes), image_bytes);
  EXPECT_LT(double(up->h2d_bytes), 1.5 * image_bytes);
  // Only results come back: three maps, FSC sums and shell statistics (no accumulator copy).
  EXPECT_EQ(find("reconstruct.accumulator"), nullptr);
  const StageRecord* maps = find("reconstruct.maps");
  ASSERT_NE(maps, nullptr);
  EXPECT_EQ(maps->d2h_bytes, 3 * std::uint64_t(box) * box * box * sizeof(float));
  EXPECT_TRUE(std::isfinite(rep.resolution_masked_A));

  pipeline::ProjectJob p;
  p.map_path = dir.file("sim_truth.mrc");
  p.n_random = 20;
  p.out_prefix = dir.file("proj");
  p.device = Device::cuda;
  p.progress = false;
  stage_report_reset();
  pipeline::run_project(p);
  const auto pro = device_stages("project");
  for (const char* st : {"project.prepare", "project.extract", "project.images"})
    EXPECT_TRUE(pro.count(st)) << "project: no device stage " << st << "\n" << format_stage_report();
}

}  // namespace
}  // namespace thon
