// `thon ctf`: renders a CTF as a 2D image, its 1D radial profile (CSV and PNG plot) and a simulated
// Thon-ring power spectrum, to MRC and PNG. Conventions: math/ctf.hpp (RELION sign, CTF(0) = +Q).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "io/atomic_file.hpp"
#include "io/png.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/random.hpp"

namespace {

constexpr int kSpeckleAverages = 16;

struct Args {
  std::string out = "ctf";
  int box = 512;
  double pixel_size_A = 1.0;
  double voltage_kV = 300, cs_mm = 2.7, q = 0.1;
  double defocus_u_A = 15000, defocus_v_A = -1, defocus_angle_deg = 0, phase_shift_deg = 0;
  double b_factor_A2 = 0, alpha_mrad = 0, focal_spread_A = 0;
  double background = 0.3;
  unsigned long long seed = 1;
};

void run(const Args& a) {
  THON_CHECK(a.box >= 16 && a.box <= 8192, "thon ctf: --box must be in [16, 8192], got ", a.box);
  THON_CHECK(a.pixel_size_A > 0, "thon ctf: --apix/--angpix must be positive, got ", a.pixel_size_A);
  THON_CHECK(a.background >= 0, "thon ctf: --background must be >= 0, got ", a.background);
  thon::math::CtfParams p;
  p.voltage_kV = a.voltage_kV;
  p.cs_mm = a.cs_mm;
  p.amplitude_contrast = a.q;
  p.defocus_u_A = a.defocus_u_A;
  p.defocus_v_A = a.defocus_v_A < 0 ? a.defocus_u_A : a.defocus_v_A;
  p.defocus_angle_deg = a.defocus_angle_deg;
  p.phase_shift_deg = a.phase_shift_deg;
  p.b_factor_A2 = a.b_factor_A2;
  p.source_alpha_mrad = a.alpha_mrad;
  p.focal_spread_A = a.focal_spread_A;
  p.prepare();
  THON_CHECK(a.voltage_kV > 0, "thon ctf: --voltage must be positive, got ", a.voltage_kV);
  THON_CHECK(a.q >= 0 && a.q < 1, "thon ctf: --amplitude-contrast/--q0 must be in [0, 1), got ", a.q);
  THON_CHECK(a.alpha_mrad >= 0 && a.focal_spread_A >= 0, "thon ctf: --alpha and --focal-spread must be >= 0");
  const int n = a.box;

  // Centred full image: pixel (y, x) holds frequency ((x - n/2), (y - n/2)) / (n p), evaluated directly
  // (double) with math::ctf_value, the formula every backend shares.
  thon::Image<float> ctf(n, n, a.pixel_size_A), ps(n, n, a.pixel_size_A);
  thon::math::RandomStream rng(a.seed, 0);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      const double kx = (x - n / 2) / (n * a.pixel_size_A), ky = (y - n / 2) / (n * a.pixel_size_A);
      const float v = float(thon::math::ctf_value(p, kx, ky));
      ctf(y, x) = v;
      // Thon rings: (CTF^2 + background) times the speckle of a power spectrum averaged over
      // kSpeckleAverages periodograms (mean of exponential variables, |Gaussian complex|^2).
      double speckle = 0;
      for (int k = 0; k < kSpeckleAverages; ++k) speckle -= std::log(rng.uniform());
      ps(y, x) = float((double(v) * v + a.background) * speckle / kSpeckleAverages);
    }
  // Display of the power spectrum: log, as usual for Thon rings.
  std::vector<float> ps_log(ps.begin(), ps.end());
  for (float& v : ps_log) v = std::log(v + 1e-6f);

  // Radial profile along the U direction (defocus angle) and the rotational average of CTF^2.
  const double ang = p.angle_rad;
  std::vector<double> s_list, res_list, ctf_u, ctf_v, ctf2_avg;
  std::vector<double> sum2(n / 2 + 1, 0.0), cnt(n / 2 + 1, 0.0);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      const int r = int(std::lround(std::hypot(x - n / 2, y - n / 2)));
      if (r <= n / 2) {
        sum2[r] += double(ctf(y, x)) * ctf(y, x);
        cnt[r] += 1;
      }
    }
  for (int j = 0; j <= n / 2; ++j) {
    const double s = j / (n * a.pixel_size_A);
    s_list.push_back(s);
    res_list.push_back(j == 0 ? INFINITY : 1.0 / s);
    ctf_u.push_back(thon::math::ctf_value(p, s * std::cos(ang), s * std::sin(ang)));
    ctf_v.push_back(thon::math::ctf_value(p, -s * std::sin(ang), s * std::cos(ang)));
    ctf2_avg.push_back(cnt[j] > 0 ? sum2[j] / cnt[j] : 0.0);
  }

  const std::string o = a.out;
  thon::io::write_mrc(o + "_ctf.mrc", ctf);
  thon::io::write_mrc(o + "_thon.mrc", ps);
  thon::io::write_png_gray(o + "_ctf.png", n, n, ctf.data(), true);
  thon::io::write_png_gray(o + "_thon.png", n, n, ps_log.data(), true);
  {
    thon::io::AtomicOutput csv(o + "_profile.csv");
    FILE* f = std::fopen(csv.temp_path().c_str(), "w");
    THON_CHECK_CODE(f, io, "cannot write '", o, "_profile.csv'");
    std::fprintf(f, "# thon ctf: %g kV, Cs %g mm, Q %g, defocus U %g V %g A, angle %g deg, phase shift %g deg, B %g A^2\n",
                 p.voltage_kV, p.cs_mm, p.amplitude_contrast, p.defocus_u_A, p.defocus_v_A, p.defocus_angle_deg,
                 p.phase_shift_deg, p.b_factor_A2);
    std::fprintf(f, "s_per_A,resolution_A,ctf_along_u,ctf_along_v,ctf2_rotational_average\n");
    for (std::size_t i = 0; i < s_list.size(); ++i)
      std::fprintf(f, "%.8g,%.6g,%.8g,%.8g,%.8g\n", s_list[i], res_list[i], ctf_u[i], ctf_v[i], ctf2_avg[i]);
    const bool ok = std::fclose(f) == 0;
    THON_CHECK_CODE(ok, io, "error writing '", o, "_profile.csv'");
    csv.commit();
  }
  thon::io::PlotOptions po;
  po.title = "CTF (RELION sign)";
  po.x_label = "spatial frequency (1/A)";
  po.y_label = "CTF";
  po.auto_y = false;
  po.y_min = -1.05;
  po.y_max = 1.05;
  po.horizontal_lines = {0.0};
  std::vector<thon::io::PlotSeries> series{{s_list, ctf_u, "along U"}};
  if (p.defocus_u_A != p.defocus_v_A) series.push_back({s_list, ctf_v, "along V"});
  series.push_back({s_list, ctf2_avg, "<CTF^2>"});
  thon::io::write_line_plot_png(o + "_profile.png", series, po);
  std::printf("wrote %s_ctf.{mrc,png}, %s_thon.{mrc,png}, %s_profile.{csv,png} (box %d, %.4g A/px, lambda %.6f A)\n",
              o.c_str(), o.c_str(), o.c_str(), n, a.pixel_size_A, p.lambda_A);
}

void setup(CLI::App& app) {
  static Args a;
  app.add_option("-o," + thon::cli::names("o"), a.out, "Output prefix: <o>_ctf.mrc/.png, <o>_thon.mrc/.png, <o>_profile.csv/.png")
      ->capture_default_str();
  app.add_option(thon::cli::names("box"), a.box, "Image size in pixels")->capture_default_str();
  app.add_option(thon::cli::names("apix", {"angpix"}), a.pixel_size_A, "Pixel size (Å)")->capture_default_str();
  app.add_option(thon::cli::names("voltage"), a.voltage_kV, "Acceleration voltage (kV)")->capture_default_str();
  app.add_option(thon::cli::names("cs"), a.cs_mm, "Spherical aberration (mm)")->capture_default_str();
  app.add_option(thon::cli::names("amplitude-contrast", {"ac", "q0"}), a.q, "Amplitude contrast fraction Q")->capture_default_str();
  app.add_option(thon::cli::names("defocus-u"), a.defocus_u_A, "Defocus U (Å, positive = underfocus)")->capture_default_str();
  app.add_option(thon::cli::names("defocus-v"), a.defocus_v_A, "Defocus V (Å; default = U)");
  app.add_option(thon::cli::names("defocus-angle"), a.defocus_angle_deg, "Astigmatism angle of U from +x (degrees)")->capture_default_str();
  app.add_option(thon::cli::names("phase-shift"), a.phase_shift_deg, "Phase-plate shift (degrees)")->capture_default_str();
  app.add_option(thon::cli::names("bfactor"), a.b_factor_A2, "B-factor envelope exp(-B s^2/4) (Å^2)")->capture_default_str();
  app.add_option(thon::cli::names("alpha"), a.alpha_mrad, "Illumination semi-angle (mrad), spatial-coherence envelope")
      ->capture_default_str();
  app.add_option(thon::cli::names("focal-spread"), a.focal_spread_A, "Focal spread 1/e half-width (Å), temporal envelope")
      ->capture_default_str();
  app.add_option(thon::cli::names("background"), a.background, "Flat background added to CTF^2 in the power spectrum")
      ->capture_default_str();
  app.add_option(thon::cli::names("seed"), a.seed, "Seed of the power-spectrum speckle")->capture_default_str();
  app.callback([] { run(a); });
}

const bool registered = thon::cli::register_command(
    {"ctf", "Render a CTF: 2D image, radial profile (CSV, PNG) and simulated Thon rings (MRC, PNG)", setup});

}  // namespace
