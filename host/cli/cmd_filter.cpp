// `thon filter --i in.mrc --o out.mrc --lowpass A | --highpass A | --bfactor B`: Fourier filtering
// of an image, a stack (each image on its own) or a volume. --lowpass with --highpass is a
// band-pass; --bfactor is applied first when combined with them.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "io/atomic_file.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/ops/filter.hpp"

namespace {

struct Options {
  std::string in, out, device = "auto";
  double lowpass_A = 0, highpass_A = 0, bfactor_A2 = 0, edge_px = 2, apix = 0;
  bool has_bfactor = false;
};

template <class Grid>
void filter_grid(Grid& g, const Options& o, thon::Device device) {
  const int box = g.nx();
  if (o.has_bfactor) thon::ops::apply_filter(device, g, thon::make_bfactor(o.bfactor_A2));
  const double width = thon::edge_width_per_A(o.edge_px, box, g.pixel_size_A());
  if (o.lowpass_A > 0 && o.highpass_A > 0)
    thon::ops::apply_filter(device, g, thon::make_bandpass(o.highpass_A, o.lowpass_A, width));
  else if (o.lowpass_A > 0)
    thon::ops::apply_filter(device, g, thon::make_lowpass(o.lowpass_A, width));
  else if (o.highpass_A > 0)
    thon::ops::apply_filter(device, g, thon::make_highpass(o.highpass_A, width));
}

void run(const Options& o) {
  const thon::Device device = thon::cli::resolve_device(o.device);
  THON_CHECK(o.lowpass_A > 0 || o.highpass_A > 0 || o.has_bfactor,
             "give at least one of --lowpass, --highpass, --bfactor");
  THON_CHECK(o.edge_px >= 0, "--edge-px must be >= 0, got ", o.edge_px);
  THON_CHECK(!(o.apix < 0), "--apix must be positive, got ", o.apix);
  THON_CHECK(!o.has_bfactor || std::isfinite(o.bfactor_A2), "--bfactor must be finite");
  thon::io::check_writable_path(o.out, "--o");
  const thon::io::MrcHeader h = thon::io::read_mrc_header(o.in);
  const double pixel_size_A = o.apix > 0 ? o.apix : h.pixel_size_A();
  THON_CHECK(pixel_size_A > 0, o.in, ": the header has no pixel size (cell / sampling is 0); give --apix");
  if (o.lowpass_A > 0 && o.lowpass_A < 2 * pixel_size_A)
    std::fprintf(stderr, "thon filter: warning: --lowpass %g Å is finer than Nyquist (%g Å)\n", o.lowpass_A,
                 2 * pixel_size_A);
  if (h.is_stack() || h.nz == 1) {
    thon::ImageStack<float> s = thon::io::read_mrc_stack(o.in);
    s.set_pixel_size_A(pixel_size_A);
    filter_grid(s, o, device);
    if (s.n() == 1 && !h.is_stack()) {
      thon::Image<float> img(s.nx(), s.ny(), pixel_size_A);
      std::copy(s.begin(), s.end(), img.begin());
      thon::io::write_mrc(o.out, img);
    } else {
      thon::io::write_mrc(o.out, s);
    }
    std::printf("filtered %d image(s) of %d x %d at %.4f Å/px -> %s\n", s.n(), s.nx(), s.ny(), pixel_size_A,
                o.out.c_str());
  } else {
    thon::Volume<float> v = thon::io::read_mrc_volume(o.in);
    v.set_pixel_size_A(pixel_size_A);
    filter_grid(v, o, device);
    thon::io::write_mrc(o.out, v);
    std::printf("filtered volume %d x %d x %d at %.4f Å/px -> %s\n", v.nx(), v.ny(), v.nz(), pixel_size_A,
                o.out.c_str());
  }
}

void setup(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option(thon::cli::names("i"), o->in, "Input image, stack (.mrcs) or volume (MRC)")->required()->check(CLI::ExistingFile);
  app.add_option(thon::cli::names("o"), o->out, "Output MRC file")->required();
  app.add_option(thon::cli::names("lowpass"), o->lowpass_A, "Low-pass: keep resolutions coarser than this (Å)");
  app.add_option(thon::cli::names("highpass"), o->highpass_A, "High-pass: remove resolutions coarser than this (Å)");
  app.add_option_function<double>(thon::cli::names("bfactor"), [o](double b) { o->bfactor_A2 = b, o->has_bfactor = true; },
      "B-factor in Å^2: exp(-B s^2/4); > 0 blurs, < 0 sharpens");
  app.add_option(thon::cli::names("edge-px"), o->edge_px, "Width of the raised-cosine edge in Fourier pixels (default 2)");
  app.add_option(thon::cli::names("apix", {"angpix"}), o->apix, "Pixel size in Å (default: from the header)");
  thon::cli::add_device_option(app, o->device);
  thon::cli::add_threads_option(app);
  app.callback([o] { run(*o); });
}

const bool registered =
    thon::cli::register_command({"filter", "Low-pass, high-pass, band-pass or B-factor filter an MRC file", setup});

}  // namespace
