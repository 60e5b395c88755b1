// `thon fsc --a A.mrc --b B.mrc [--apix P] --o fsc.star`: Fourier shell correlation of two maps
// (ring correlation of two images), the resolution at FSC 0.143 and 0.5 (RELION's rule), and the
// curve as a RELION-style STAR table.
#include <cmath>
#include <cstdio>
#include <string>

#include "cli/command.hpp"
#include "io/atomic_file.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/ops/fsc.hpp"

namespace {

struct Options {
  std::string a, b, out, device = "auto";
  double apix = 0;
};

double resolve_pixel_size(const Options& o, const thon::io::MrcHeader& ha, const thon::io::MrcHeader& hb) {
  if (o.apix > 0) return o.apix;
  const double pa = ha.pixel_size_A(), pb = hb.pixel_size_A();
  THON_CHECK(pa > 0, o.a, ": the header has no pixel size (cell / sampling is 0); give --apix");
  if (pb > 0 && std::abs(pa - pb) > 1e-3 * pa)
    std::fprintf(stderr, "thon fsc: warning: pixel sizes differ (%s: %g Å, %s: %g Å); using %g Å\n", o.a.c_str(),
                 pa, o.b.c_str(), pb, pa);
  return pa;
}

void run(const Options& o) {
  const thon::Device device = thon::cli::resolve_device(o.device);
  THON_CHECK(!(o.apix < 0) && std::isfinite(o.apix), "--apix must be positive, got ", o.apix);
  thon::io::check_writable_path(o.out, "--o");
  const thon::io::MrcHeader ha = thon::io::read_mrc_header(o.a), hb = thon::io::read_mrc_header(o.b);
  const double pixel_size_A = resolve_pixel_size(o, ha, hb);
  const thon::Volume<float> a = thon::io::read_mrc_volume(o.a), b = thon::io::read_mrc_volume(o.b);
  THON_CHECK(a.nx() == b.nx() && a.ny() == b.ny() && a.nz() == b.nz(), "--a ", o.a, " is ", a.nx(), " x ",
             a.ny(), " x ", a.nz(), " but --b ", o.b, " is ", b.nx(), " x ", b.ny(), " x ", b.nz());
  THON_CHECK(a.nx() == a.ny() && (a.nz() == 1 || a.nz() == a.nx()), o.a,
             ": FSC needs a cubic volume or a square image, got ", a.nx(), " x ", a.ny(), " x ", a.nz());
  const thon::FscCurve curve = thon::ops::fsc(device, a.data(), b.data(), a.shape(), pixel_size_A);
  thon::write_fsc_star(o.out, curve);
  for (double threshold : {0.143, 0.5}) {
    const thon::FscResolution r = thon::fsc_resolution(curve.fsc, threshold, curve.box, pixel_size_A);
    if (std::isfinite(r.resolution_A))
      std::printf("resolution_%s_A: %.4f\n", threshold == 0.143 ? "0.143" : "0.5", r.resolution_A);
    else
      std::printf("resolution_%s_A: inf\n", threshold == 0.143 ? "0.143" : "0.5");
  }
  std::printf("wrote %s (%zu shells, box %d, %.4f Å/px)\n", o.out.c_str(), curve.fsc.size(), curve.box,
              pixel_size_A);
}

void setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option(thon::cli::names("a"), o->a, "First map or image (MRC)")->required()->check(CLI::ExistingFile);
  app.add_option(thon::cli::names("b"), o->b, "Second map or image (MRC), same size")->required()->check(CLI::ExistingFile);
  app.add_option(thon::cli::names("apix", {"angpix"}), o->apix, "Pixel size in Å (default: from the header of --a)");
  app.add_option(thon::cli::names("o"), o->out, "Output STAR file with the FSC curve")->required();
  thon::cli::add_device_option(app, o->device);
  thon::cli::add_threads_option(app);
  app.callback([o] { run(*o); });
}

const bool registered = thon::cli::register_command(
    {"fsc", "Fourier shell correlation of two maps; resolution at FSC 0.143 and 0.5", setup});

}  // namespace
