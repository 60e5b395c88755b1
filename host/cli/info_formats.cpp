// `thon info` for STAR files, HDF5 files and atomic models.
#include "cli/info_formats.hpp"

#include "cli/info_registry.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "thon/core/error.hpp"
#include "thon/io/cryosparc.hpp"
#include "thon/io/hdf5.hpp"
#include "thon/io/model.hpp"
#include "thon/io/particles.hpp"

namespace thon::cli {

namespace {

std::string head_of(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), std::streamsize(n));
  s.resize(std::size_t(in.gcount()));
  return s;
}

const char* yes(bool b) { return b ? "yes" : "no"; }

}  // namespace

void describe_star(const std::string& path) {
  const io::StarFile star = io::StarFile::read(path);
  std::printf("STAR file: %s\n", path.c_str());
  std::printf("blocks: %zu\n", star.blocks().size());
  for (const auto& b : star.blocks()) {
    if (b.is_loop()) {
      std::printf("  data_%s: loop, %lld rows x %d columns\n", b.name().c_str(), (long long)b.n_rows(), b.n_columns());
      std::string cols;
      for (const auto& c : b.columns()) cols += " " + c;
      std::printf("    columns:%s\n", cols.c_str());
    } else {
      std::printf("  data_%s: %d key-value pairs\n", b.name().c_str(), b.n_columns());
      for (int c = 0; c < b.n_columns() && c < 40; ++c)
        std::printf("    %s = %.*s\n", b.columns()[std::size_t(c)].c_str(), int(std::min<std::size_t>(b.text(0, c).size(), 200)),
                    b.text(0, c).data());
    }
  }
  // A particle table, when it is one.
  bool is_particles = false;
  for (const auto& b : star.blocks()) is_particles |= b.is_loop() && b.has_column("rlnImageName");
  if (!is_particles) return;
  const io::ParticleTable t = io::read_particles(path);
  const bool v31 = t.star.find("optics") != nullptr;
  std::printf("RELION %s particles: %zu particles, %zu optics group%s\n", v31 ? "3.1" : "3.0", t.particles.size(),
              t.optics.size(), t.optics.size() == 1 ? "" : "s");
  std::map<int, long long> per_group;
  for (const auto& p : t.particles) ++per_group[p.optics_group];
  for (const auto& g : t.optics) {
    std::printf("  optics group %d \"%s\": ", g.number, g.name.c_str());
    if (g.pixel_size_A > 0) std::printf("%.6g A/px", g.pixel_size_A);
    else std::printf("pixel size unknown");
    if (t.present.optics_ctf) std::printf(", %.6g kV, Cs %.6g mm, amplitude contrast %.6g", g.voltage_kV, g.cs_mm, g.amplitude_contrast);
    if (g.image_size > 0) std::printf(", box %d", g.image_size);
    std::printf(", %lld particles\n", per_group[g.number]);
  }
  std::printf("  columns: angles %s, origins %s, CTF %s, half-sets %s, classes %s\n", yes(t.present.angles),
              yes(t.present.origins), yes(t.present.ctf), yes(t.present.random_subset), yes(t.present.class_number));
  std::map<std::string, long long> stacks;
  for (const auto& p : t.particles) {
    const auto at = p.image_name.find('@');
    ++stacks[at == std::string::npos ? p.image_name : p.image_name.substr(at + 1)];
  }
  std::printf("  image stacks: %zu\n", stacks.size());
}

void describe_hdf5(const std::string& path) {
  const std::string tree = io::describe_hdf5_file(path);
  bool thon_dataset = false;
  try {
    const io::DatasetReader r(path);
    thon_dataset = true;
    const auto& a = r.attributes();
    std::printf("thon dataset: %s\n", path.c_str());
    std::printf("particles: %lld images of %d x %d (float32%s)\n", (long long)r.count(), r.nx(), r.ny(),
                r.deflate_level() > 0 ? (", deflate " + std::to_string(r.deflate_level())).c_str() : "");
    std::printf("pixel size: %.6g A, voltage %.6g kV\n", a.pixel_size_A, a.voltage_kV);
    std::printf("generator: %s\ncommand line: %s\nthon version: %s, created %s", a.generator.c_str(),
                a.command_line.c_str(), a.thon_version.c_str(), a.created.c_str());
    if (a.seed >= 0) std::printf(", seed %lld", (long long)a.seed);
    std::printf("\n");
    const auto& p = r.present();
    std::printf("columns: angles %s, origins %s, CTF %s, half-sets %s, classes %s", yes(p.angles), yes(p.origins),
                yes(p.ctf), yes(p.random_subset), yes(p.class_number));
    for (const auto& e : r.extra_columns()) std::printf(", %s", e.c_str());
    std::printf("\noptics groups: %zu\n", r.optics().size());
    for (const auto& g : r.optics())
      std::printf("  %d \"%s\": %.6g A/px, %.6g kV, Cs %.6g mm, amplitude contrast %.6g, box %d\n", g.number,
                  g.name.c_str(), g.pixel_size_A, g.voltage_kV, g.cs_mm, g.amplitude_contrast, g.image_size);
    std::printf("STAR source kept: %s\n", yes(r.has_star_source()));
  } catch (const Error&) {
    // Not a thon dataset: the generic listing below says what is there.
  }
  std::printf("%sHDF5 contents:\n%s", thon_dataset ? "\n" : ("HDF5 file: " + path + "\n").c_str(), tree.c_str());
}

void describe_model(const std::string& path) {
  io::ModelReadOptions all;
  all.all_models = true;
  const io::AtomicModel every = io::read_model(path, all);
  const io::AtomicModel m = every.n_models > 1 ? io::read_model(path) : every;
  std::printf("atomic model: %s (%s)\n", m.name.c_str(), path.c_str());
  std::string chains;
  for (std::size_t i = 0; i < m.chain_names.size() && i < 64; ++i) chains += (i ? " " : "") + m.chain_names[i];
  if (m.chain_names.size() > 64) chains += " ...";
  std::printf("models: %d%s\n", every.n_models, every.n_models > 1 ? " (statistics below: the first)" : "");
  std::printf("chains: %d (%s)\n", m.n_chains, chains.c_str());
  std::printf("residues: %d (%d waters)\n", m.n_residues, m.n_waters);
  std::printf("atoms: %zu", m.atoms.size());
  if (m.n_altloc_dropped) std::printf(" (%d alternate-location atoms dropped: highest occupancy kept)", m.n_altloc_dropped);
  std::printf("\n");
  std::map<int, long long> by_z;
  for (const auto& a : m.atoms) ++by_z[a.z];
  std::printf("atoms by element:");
  for (const auto& [z, n] : by_z) std::printf(" %s %lld", io::element_symbol(z), n);
  std::printf("\n");
  Vec3<double> lo, hi;
  io::bounding_box(m.atoms, &lo, &hi);
  std::printf("extent: %.2f x %.2f x %.2f A (x %.3f to %.3f, y %.3f to %.3f, z %.3f to %.3f)\n", hi.x - lo.x,
              hi.y - lo.y, hi.z - lo.z, lo.x, hi.x, lo.y, hi.y, lo.z, hi.z);
  const Vec3<double> c = io::centre_of_mass(m.atoms);
  std::printf("centre of mass: (%.3f, %.3f, %.3f) A\n", c.x, c.y, c.z);
}

void describe_cryosparc(const std::string& path) {
  const io::NpyRecords r = io::NpyRecords::read(path);
  std::printf("cryoSPARC / NumPy structured array: %s\n", path.c_str());
  std::printf("records: %lld of %lld bytes, %zu fields\n", (long long)r.n_records(), (long long)r.record_bytes(),
              r.fields().size());
  for (const auto& f : r.fields()) {
    std::string shape;
    for (std::size_t i = 0; i < f.shape.size(); ++i) shape += (i ? ", " : " (") + std::to_string(f.shape[i]);
    if (!shape.empty()) shape += ")";
    std::printf("  %-32s %c%d%s%s\n", f.name.c_str(), f.kind, f.kind == 'U' ? f.item_bytes / 4 : f.item_bytes,
                f.big_endian ? " big-endian" : "", shape.c_str());
  }
  if (!r.find("blob/path")) return;
  const io::ParticleTable t = io::cryosparc_to_particles(r);
  std::printf("as RELION particles: %zu particles, %zu optics group%s; poses %s, shifts %s, CTF %s, half-sets %s\n",
              t.particles.size(), t.optics.size(), t.optics.size() == 1 ? "" : "s", yes(t.present.angles),
              yes(t.present.origins), yes(t.present.ctf), yes(t.present.random_subset));
  for (const auto& g : t.optics)
    std::printf("  optics group %d: %.6g A/px, box %d, %.6g kV, Cs %.6g mm, amplitude contrast %.6g\n", g.number,
                g.pixel_size_A, g.image_size, g.voltage_kV, g.cs_mm, g.amplitude_contrast);
}

bool sniff_cryosparc(const std::string& path) {
  const std::string h = head_of(path, 6);
  return h.size() == 6 && std::memcmp(h.data(), "\x93NUMPY", 6) == 0;
}

bool sniff_star(const std::string& path) {
  const std::string h = head_of(path, 65536);
  if (h.find('\0') != std::string::npos) return false;
  std::istringstream in(h);
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    return line.compare(b, 5, "data_") == 0 && h.find("_rln") != std::string::npos;
  }
  return false;
}

bool sniff_hdf5(const std::string& path) {
  const std::string h = head_of(path, 8);
  return h.size() == 8 && std::memcmp(h.data(), "\x89HDF\r\n\x1a\n", 8) == 0;
}

bool sniff_model(const std::string& path) {
  const std::string h = head_of(path, 65536);
  if (h.find('\0') != std::string::npos) return false;
  return h.find("_atom_site.") != std::string::npos || h.rfind("HEADER", 0) == 0 || h.rfind("CRYST1", 0) == 0 ||
         h.rfind("ATOM  ", 0) == 0 || h.find("\nATOM  ") != std::string::npos || h.find("\nHETATM") != std::string::npos;
}

namespace {
const bool registered_star = register_info_format({"STAR", {".star"}, sniff_star, describe_star});
const bool registered_hdf5 = register_info_format({"HDF5", {".h5", ".hdf5", ".hdf"}, sniff_hdf5, describe_hdf5});
const bool registered_model =
    register_info_format({"atomic model (PDB/mmCIF)", {".pdb", ".ent", ".cif", ".mmcif", ".pdb.gz", ".cif.gz", ".ent.gz"},
                          sniff_model, describe_model});
const bool registered_cs = register_info_format({"cryoSPARC .cs (NumPy)", {".cs", ".npy"}, sniff_cryosparc, describe_cryosparc});
}  // namespace

}  // namespace thon::cli
