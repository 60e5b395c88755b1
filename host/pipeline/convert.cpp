// `thon convert`: STAR (+ MRC stacks) <-> thon HDF5, cryoSPARC .cs -> STAR / HDF5, STAR -> STAR.
#include "pipeline/convert.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <vector>

#include "core/progress.hpp"
#include "io/atomic_file.hpp"
#include "thon/core/error.hpp"
#include "thon/io/cryosparc.hpp"
#include "thon/io/hdf5.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"

namespace thon::pipeline {

namespace fs = std::filesystem;

namespace {

enum class Kind { star, cs, hdf5 };

Kind kind_of(const std::string& path, const char* option) {
  std::string ext = fs::path(path).extension().string();
  for (auto& c : ext) c = char(std::tolower((unsigned char)c));
  if (ext == ".star") return Kind::star;
  if (ext == ".cs" || ext == ".npy") return Kind::cs;
  if (ext == ".h5" || ext == ".hdf5" || ext == ".hdf") return Kind::hdf5;
  fail(ErrorCode::invalid_argument, option, " ", path, ": unknown format (expected .star, .cs or .h5)");
}

/// Image names of `t` rewritten so they resolve from `out_dir` (relative when possible).
void rebase_image_names(io::ParticleTable& t, const std::string& out_dir) {
  const fs::path target = fs::absolute(out_dir.empty() ? fs::path(".") : fs::path(out_dir)).lexically_normal();
  const fs::path source = fs::absolute(t.directory.empty() ? fs::path(".") : fs::path(t.directory)).lexically_normal();
  if (target == source) return;
  for (auto& p : t.particles) {
    const io::ImageLocation loc = io::parse_image_name(p.image_name, t.directory);
    fs::path abs = fs::absolute(loc.path).lexically_normal();
    fs::path rel = abs.lexically_relative(target);
    p.image_name = io::format_image_name(loc.index, (rel.empty() ? abs : rel).string());
  }
  t.directory = out_dir;
}

io::ParticleTable read_table(const ConvertOptions& o, Kind in) {
  if (in == Kind::star) return io::read_particles(o.input);
  io::CryosparcOptions co;
  co.image_directory = o.image_directory;
  io::ParticleTable t = io::read_cryosparc_particles(o.input, co);
  // Image paths are relative to the project directory (--image-dir), not to the .cs file.
  t.directory = "";
  return t;
}

/// Streams every image of `t` (STAR/.cs table) into an HDF5 dataset.
ConvertSummary table_to_hdf5(const ConvertOptions& o, io::ParticleTable t) {
  THON_CHECK(!t.particles.empty(), o.input, ": no particles to convert");
  io::check_particle_images(t);  // every stack exists and holds its index: before any output
  // Headers of the stacks; every image must have the same size.
  std::map<std::string, io::MrcHeader> headers;
  std::vector<io::ImageLocation> locs(t.particles.size());
  int nx = 0, ny = 0;
  for (std::size_t i = 0; i < t.particles.size(); ++i) {
    locs[i] = io::parse_image_name(t.particles[i].image_name, t.directory);
    auto it = headers.find(locs[i].path);
    if (it == headers.end()) it = headers.emplace(locs[i].path, io::read_mrc_header(locs[i].path)).first;
    const io::MrcHeader& h = it->second;
    if (i == 0) {
      nx = h.nx;
      ny = h.ny;
    } else if (h.nx != nx || h.ny != ny) {
      fail(ErrorCode::invalid_argument, o.input, ": particle ", i + 1, " (", t.particles[i].image_name, ") is ", h.nx,
           " x ", h.ny, " pixels, the first is ", nx, " x ", ny, ": one dataset holds one image size");
    }
  }
  // Pixel size from the stack header when the metadata has none (RELION 3.0 without magnification).
  for (auto& g : t.optics) {
    if (g.pixel_size_A <= 0) g.pixel_size_A = headers.begin()->second.pixel_size_A();
    THON_CHECK(g.pixel_size_A > 0, o.input, ": no pixel size in the metadata nor in the image header");
    if (g.image_size == 0) g.image_size = nx;
  }
  t.present.pixel_size = true;
  io::DatasetAttributes attrs;
  attrs.generator = "thon convert";
  attrs.command_line = o.command_line;
  io::DatasetWriteOptions wo;
  wo.deflate_level = o.deflate_level;
  io::DatasetWriter w(o.output, nx, ny, t.optics, t.present, attrs, wo);
  if (!t.star.blocks().empty()) w.set_star_source(t.star);
  const std::int64_t n = std::int64_t(t.particles.size());
  const std::int64_t batch = std::max<std::int64_t>(1, o.batch);
  std::vector<float> buf(std::size_t(batch) * std::size_t(nx) * std::size_t(ny));
  Progress progress("convert", n, "images", o.progress);
  for (std::int64_t at = 0; at < n; at += batch) {
    const std::int64_t m = std::min(batch, n - at);
    // Consecutive images of one stack are read with one seek.
    for (std::int64_t i = 0; i < m;) {
      const io::ImageLocation& first = locs[std::size_t(at + i)];
      std::int64_t run = 1;
      while (i + run < m && locs[std::size_t(at + i + run)].path == first.path &&
             locs[std::size_t(at + i + run)].index == first.index + run)
        ++run;
      io::read_mrc_images(first.path, headers.at(first.path), first.index, run,
                          buf.data() + std::size_t(i) * std::size_t(nx) * std::size_t(ny));
      i += run;
    }
    w.append(buf.data(), t.particles.data() + at, m);
    progress.advance(m);
  }
  w.commit();
  progress.finish();
  return {n, n, o.output};
}

/// HDF5 dataset -> STAR + <stem>.mrcs.
ConvertSummary hdf5_to_star(const ConvertOptions& o) {
  const io::DatasetReader r(o.input);
  const std::int64_t n = r.count();
  const fs::path out(o.output);
  const std::string stack_name = out.stem().string() + ".mrcs";
  const std::string stack_path = (out.parent_path() / stack_name).string();
  io::ParticleTable t;
  t.optics = r.optics();
  t.present = r.present();
  if (r.has_star_source()) t.star = r.star_source();
  t.particles = r.read_particles(0, n);
  for (std::int64_t i = 0; i < n; ++i) t.particles[std::size_t(i)].image_name = io::format_image_name(i, stack_name);
  t.directory = out.parent_path().string();
  double pixel = r.attributes().pixel_size_A;
  if (!(pixel > 0)) pixel = t.optics.front().pixel_size_A;
  io::check_writable_path(o.output, "--o");
  {
    io::MrcStackWriter stack(stack_path, r.nx(), r.ny(), pixel);
    const std::int64_t batch = std::max<std::int64_t>(1, o.batch);
    std::vector<float> buf(std::size_t(batch) * std::size_t(r.nx()) * std::size_t(r.ny()));
    Progress progress("convert", n, "images", o.progress);
    for (std::int64_t at = 0; at < n; at += batch) {
      const std::int64_t m = std::min(batch, n - at);
      r.read_images(at, m, buf.data());
      stack.append(buf.data(), m);
      progress.advance(m);
    }
    stack.commit();
    progress.finish();
  }
  try {
    io::write_particles(o.output, t);
  } catch (...) {
    std::error_code ec;
    fs::remove(stack_path, ec);  // both outputs or neither
    throw;
  }
  return {n, n, o.output + ", " + stack_path};
}

}  // namespace

ConvertSummary convert(const ConvertOptions& o) {
  THON_CHECK(!o.input.empty() && !o.output.empty(), "convert: --i and --o are required");
  std::error_code ec;
  if (!fs::exists(o.input, ec)) fail(ErrorCode::io, "--i ", o.input, ": no such file");
  const Kind in = kind_of(o.input, "--i");
  const Kind out = kind_of(o.output, "--o");
  THON_CHECK(out != Kind::cs, "--o ", o.output, ": writing cryoSPARC .cs files is not supported (write .star or .h5)");
  THON_CHECK(o.deflate_level >= 0 && o.deflate_level <= 9, "--compress must be 0-9, got ", o.deflate_level);
  THON_CHECK(o.batch > 0, "--batch must be positive, got ", o.batch);
  if (fs::exists(o.output, ec) && fs::equivalent(o.input, o.output, ec))
    fail(ErrorCode::invalid_argument, "--o ", o.output, ": is the input file");
  io::check_writable_path(o.output, "--o");
  if (in == Kind::hdf5) {
    THON_CHECK(out == Kind::star, "--o ", o.output, ": HDF5 to HDF5 is a copy: use cp");
    return hdf5_to_star(o);
  }
  io::ParticleTable t = read_table(o, in);
  if (out == Kind::hdf5) return table_to_hdf5(o, std::move(t));
  // Metadata only: STAR or .cs -> STAR, image names rebased to the output's directory.
  const std::int64_t n = std::int64_t(t.particles.size());
  if (in == Kind::star || !o.image_directory.empty()) rebase_image_names(t, fs::path(o.output).parent_path().string());
  io::write_particles(o.output, t);
  return {n, 0, o.output};
}

}  // namespace thon::pipeline
