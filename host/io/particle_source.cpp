// One particle source over RELION STAR + MRC, cryoSPARC .cs + MRC and thon HDF5
// (include/thon/io/particle_source.hpp).
#include "thon/io/particle_source.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "thon/core/error.hpp"
#include "thon/io/cryosparc.hpp"
#include "thon/io/hdf5.hpp"
#include "thon/io/mrc.hpp"

namespace thon::io {

namespace fs = std::filesystem;

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

/// The .cs table with its image directory chosen (see ParticleSourceOptions::image_directory).
ParticleTable read_cs_table(const std::string& path, const ParticleSourceOptions& options) {
  CryosparcOptions co;
  co.image_directory = options.image_directory;
  ParticleTable t = read_cryosparc_particles(path, co);
  if (!options.image_directory.empty()) {
    t.directory = "";  // blob paths are already prefixed with the directory
    return t;
  }
  const fs::path here = fs::path(path).parent_path();
  t.directory = here.string();
  if (!t.particles.empty()) {
    std::error_code ec;
    const auto exists_from = [&](const fs::path& dir) {
      return fs::is_regular_file(parse_image_name(t.particles.front().image_name, dir.string()).path, ec);
    };
    const fs::path project = fs::weakly_canonical(here.empty() ? fs::current_path() : here, ec).parent_path();
    if (!exists_from(here) && exists_from(project)) t.directory = project.string();
  }
  return t;
}

/// The particle table of an HDF5 dataset; image names are "index@<file name>" beside it.
ParticleTable hdf5_table(const DatasetReader& r, const std::string& path) {
  ParticleTable t;
  t.optics = r.optics();
  t.present = r.present();
  t.particles = r.read_particles(0, r.count());
  t.directory = fs::path(path).parent_path().string();
  // A dataset's optics table always holds the pixel size (the writer requires it).
  t.present.pixel_size =
      std::all_of(t.optics.begin(), t.optics.end(), [](const OpticsGroup& g) { return g.pixel_size_A > 0; });
  return t;
}

bool is_nonfinite_error(const Error& e) { return std::strstr(e.what(), "must be finite") != nullptr; }

}  // namespace

const char* to_string(ParticleFormat format) {
  switch (format) {
    case ParticleFormat::star: return "RELION STAR";
    case ParticleFormat::cryosparc: return "cryoSPARC .cs";
    case ParticleFormat::hdf5: return "thon HDF5";
  }
  return "?";
}

ParticleFormat detect_particle_format(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(ErrorCode::io, path, ": no such file");
  if (fs::is_directory(path, ec)) fail(ErrorCode::io, path, ": is a directory");
  const std::string ext = lower_extension(path);
  if (ext == ".star") return ParticleFormat::star;
  if (ext == ".cs" || ext == ".npy") return ParticleFormat::cryosparc;
  if (ext == ".h5" || ext == ".hdf5" || ext == ".hdf") return ParticleFormat::hdf5;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::io, path, ": cannot open");
  char magic[8] = {};
  in.read(magic, sizeof magic);
  if (in.gcount() == 8 && std::memcmp(magic, "\x89HDF\r\n\x1a\n", 8) == 0) return ParticleFormat::hdf5;
  if (in.gcount() >= 6 && std::memcmp(magic, "\x93NUMPY", 6) == 0) return ParticleFormat::cryosparc;
  return ParticleFormat::star;
}

ParticleTable read_particle_table(const std::string& path, const ParticleSourceOptions& options) {
  switch (detect_particle_format(path)) {
    case ParticleFormat::star: return read_particles(path);
    case ParticleFormat::cryosparc: return read_cs_table(path, options);
    case ParticleFormat::hdf5: return hdf5_table(DatasetReader(path), path);
  }
  fail(ErrorCode::internal, path, ": unknown particle format");
}

struct ParticleSource::Impl {
  ParticleFormat format = ParticleFormat::star;
  std::string path;
  ParticleTable table;
  std::vector<ParticleImageFile> files;
  // STAR and .cs: where each particle's image is, and the header of each stack.
  std::vector<ImageLocation> locations;
  std::vector<int> file_of;  ///< index into `files` per particle
  std::vector<MrcHeader> headers;
  // HDF5: the dataset (particle i is image i).
  std::optional<DatasetReader> dataset;

  void read_stack_run(std::int64_t first, std::int64_t run, float* out, unsigned char* finite) const {
    const ImageLocation& a = locations[std::size_t(first)];
    const MrcHeader& h = headers[std::size_t(file_of[std::size_t(first)])];
    const std::size_t npix = std::size_t(h.nx) * std::size_t(h.ny);
    try {
      read_mrc_images(a.path, h, a.index, run, out);
      if (finite) std::fill(finite, finite + run, static_cast<unsigned char>(1));
    } catch (const Error& e) {
      if (!finite || !is_nonfinite_error(e)) throw;
      for (std::int64_t j = 0; j < run; ++j) {  // find the images with NaN/Inf one by one
        try {
          read_mrc_images(a.path, h, a.index + j, 1, out + std::size_t(j) * npix);
          finite[j] = 1;
        } catch (const Error& e2) {
          if (!is_nonfinite_error(e2)) throw;
          finite[j] = 0;
        }
      }
    }
  }
};

ParticleSource::ParticleSource(const std::string& path, const ParticleSourceOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  m.format = detect_particle_format(path);
  if (m.format == ParticleFormat::hdf5) {
    m.dataset.emplace(path);
    m.table = hdf5_table(*m.dataset, path);
    m.files.push_back({path, m.dataset->nx(), m.dataset->ny(), m.dataset->attributes().pixel_size_A});
    return;
  }
  m.table = m.format == ParticleFormat::star ? read_particles(path) : read_cs_table(path, options);
  check_particle_images(m.table);  // every stack exists and holds its index: before any pixel
  std::map<std::string, int> index_of;
  m.locations.reserve(m.table.particles.size());
  m.file_of.reserve(m.table.particles.size());
  for (const Particle& p : m.table.particles) {
    ImageLocation loc = parse_image_name(p.image_name, m.table.directory);
    auto it = index_of.find(loc.path);
    if (it == index_of.end()) {
      const MrcHeader h = read_mrc_header(loc.path);
      it = index_of.emplace(loc.path, int(m.files.size())).first;
      m.headers.push_back(h);
      m.files.push_back({loc.path, h.nx, h.ny, h.pixel_size_A()});
    }
    m.file_of.push_back(it->second);
    m.locations.push_back(std::move(loc));
  }
}

ParticleSource::~ParticleSource() = default;
ParticleSource::ParticleSource(ParticleSource&&) noexcept = default;
ParticleSource& ParticleSource::operator=(ParticleSource&&) noexcept = default;

ParticleFormat ParticleSource::format() const { return impl_->format; }
const std::string& ParticleSource::path() const { return impl_->path; }
const ParticleTable& ParticleSource::table() const { return impl_->table; }
std::int64_t ParticleSource::size() const { return std::int64_t(impl_->table.particles.size()); }
const std::vector<ParticleImageFile>& ParticleSource::image_files() const { return impl_->files; }

void ParticleSource::read_images(std::int64_t first, std::int64_t count, float* out, unsigned char* finite) const {
  const Impl& m = *impl_;
  THON_CHECK(first >= 0 && count >= 0 && first + count <= size(), m.path, ": particles [", first, ", ", first + count,
             ") out of range (", size(), " particles)");
  if (count == 0) return;
  THON_CHECK(!m.files.empty(), m.path, ": no image files");
  const int nx = m.files.front().nx, ny = m.files.front().ny;
  const std::size_t npix = std::size_t(nx) * std::size_t(ny);
  if (m.dataset) {
    m.dataset->read_images(first, count, out);
    for (std::int64_t i = 0; i < count; ++i) {
      const float* img = out + std::size_t(i) * npix;
      const bool ok = std::all_of(img, img + npix, [](float v) { return std::isfinite(v); });
      if (finite) {
        finite[i] = ok ? 1 : 0;
      } else if (!ok) {
        fail(ErrorCode::invalid_argument, m.path, ": image ", first + i + 1, " has a NaN or infinite pixel");
      }
    }
    return;
  }
  for (std::int64_t i = 0; i < count;) {
    const std::int64_t at = first + i;
    const ParticleImageFile& f = m.files[std::size_t(m.file_of[std::size_t(at)])];
    if (f.nx != nx || f.ny != ny)
      fail(ErrorCode::invalid_argument, m.path, ": particle ", at + 1, " (", m.table.particles[std::size_t(at)].image_name,
           ") is ", f.nx, " x ", f.ny, " pixels, the first is ", nx, " x ", ny);
    const ImageLocation& a = m.locations[std::size_t(at)];
    std::int64_t run = 1;
    while (i + run < count) {
      const ImageLocation& c = m.locations[std::size_t(at + run)];
      if (c.path != a.path || c.index != a.index + run) break;
      ++run;
    }
    m.read_stack_run(at, run, out + std::size_t(i) * npix, finite ? finite + i : nullptr);
    i += run;
  }
}

}  // namespace thon::io
