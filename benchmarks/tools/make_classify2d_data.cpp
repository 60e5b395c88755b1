// Writes a synthetic 2D classification dataset with known answers (tests/classify2d_fixtures.hpp):
//   make_classify2d_data <dir> <box> <n> <K> <snr> [max_offset_px] [seed]
// -> <dir>/particles.mrcs, <dir>/particles.star (CTF columns), <dir>/truth.txt
//    (per particle: class (1-based), psi (deg), origin x, y (px)).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "classify2d_fixtures.hpp"

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s <dir> <box> <n> <K> <snr> [max_offset_px] [seed]\n", argv[0]);
    return 2;
  }
  const int box = std::atoi(argv[2]), n = std::atoi(argv[3]), K = std::atoi(argv[4]);
  const double snr = std::atof(argv[5]), off = argc > 6 ? std::atof(argv[6]) : 2.0;
  const unsigned long long seed = argc > 7 ? std::strtoull(argv[7], nullptr, 10) : 3;
  const auto d = thon::test::make_classify2d_synthetic(box, n, K, snr, true, seed, off);
  thon::test::write_classify2d_dataset(d, argv[1]);
  FILE* f = std::fopen((std::string(argv[1]) + "/truth.txt").c_str(), "w");
  if (!f) return 1;
  for (int i = 0; i < n; ++i)
    std::fprintf(f, "%d %.3f %.3f %.3f\n", d.truth_class[std::size_t(i)] + 1, d.psi_deg[std::size_t(i)],
                 d.origin_x_px[std::size_t(i)], d.origin_y_px[std::size_t(i)]);
  std::fclose(f);
  return 0;
}
