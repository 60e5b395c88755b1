// The CLI convention (docs/cli.md): every option has a kebab-case spelling, a multi-word option
// also takes the underscore spelling (RELION's), one concept has one set of names in every
// sub-command, and the spellings are interchangeable: the same run with either gives the same
// files, byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace thon {
namespace {

using test::run_thon;
using test::TempDir;

/// Sub-command names listed by `thon --help`.
std::vector<std::string> sub_commands() {
  std::string out;
  EXPECT_EQ(run_thon("--help", &out), 0) << out;
  std::vector<std::string> names;
  std::istringstream in(out.substr(std::min(out.size(), out.find("Subcommands:"))));
  std::string line;
  const std::regex row(R"(^  ([a-z0-9]+) .*)");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, row)) names.push_back(m[1]);
  return names;
}

/// The option groups of `thon <command> --help`: each row's comma-separated names ("--a-b",
/// "--a_b", ...), defaults like "{false}" removed.
std::vector<std::vector<std::string>> option_groups(const std::string& command) {
  std::string out;
  EXPECT_EQ(run_thon(command + " --help", &out), 0) << out;
  std::vector<std::vector<std::string>> groups;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t b = line.find_first_not_of(' ');
    if (b == std::string::npos || line[b] != '-') continue;
    std::string first = line.substr(b, line.find(' ', b) - b);
    first = std::regex_replace(first, std::regex(R"(\{[^}]*\})"), "");
    std::vector<std::string> names;
    std::stringstream ss(first);
    std::string n;
    while (std::getline(ss, n, ','))
      if (n.rfind("--", 0) == 0) names.push_back(n);
    if (!names.empty()) groups.push_back(names);
  }
  return groups;
}

TEST(CliConvention, EveryMultiWordOptionHasBothSpellingsInHelp) {
  const std::vector<std::string> commands = sub_commands();
  // The sub-commands of this build (at least these; others added later are checked too).
  for (const char* c : {"convert", "ctf", "filter", "fsc", "info", "project", "reconstruct", "simulate"})
    EXPECT_NE(std::find(commands.begin(), commands.end(), c), commands.end()) << c << " not in thon --help";
  int checked = 0;
  for (const std::string& command : commands) {
    for (const auto& group : option_groups(command)) {
      for (const std::string& name : group) {
        const std::string words = name.substr(2);
        if (words.find_first_of("-_") == std::string::npos) continue;
        std::string kebab = words, underscored = words;
        std::replace(kebab.begin(), kebab.end(), '_', '-');
        std::replace(underscored.begin(), underscored.end(), '-', '_');
        EXPECT_NE(std::find(group.begin(), group.end(), "--" + kebab), group.end())
            << "thon " << command << ": " << name << " has no kebab-case spelling --" << kebab;
        EXPECT_NE(std::find(group.begin(), group.end(), "--" + underscored), group.end())
            << "thon " << command << ": " << name << " has no underscore spelling --" << underscored;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 60) << "too few multi-word options found: is the --help format parsed?";
}

TEST(CliConvention, OneConceptHasTheSameNamesInEverySubCommand) {
  // Each set: the names of one concept; a sub-command that has one of them has all of them, in
  // one option. (thon's kebab name first, then RELION's or other programs' names.)
  const std::vector<std::vector<std::string>> concepts = {
      {"--apix", "--angpix"},                         // pixel size, Å
      {"--poses", "--ang", "--star"},                 // a particle file read for its poses only
      {"--quiet", "--no-progress"},                   // no progress bar
      {"--threads", "--j"},                           // CPU threads
      {"--image-dir", "--img"},                       // directory of the image files
      {"--amplitude-contrast", "--ac", "--q0"},       // amplitude contrast Q
      {"--device"}, {"--seed"}, {"--box"}, {"--o"}, {"--batch"}, {"--bfactor"},
  };
  std::map<std::string, int> uses;
  for (const std::string& command : sub_commands()) {
    const auto groups = option_groups(command);
    for (const auto& concept_names : concepts) {
      for (const auto& group : groups) {
        const bool has_any = std::any_of(concept_names.begin(), concept_names.end(), [&](const std::string& n) {
          return std::find(group.begin(), group.end(), n) != group.end();
        });
        if (!has_any) continue;
        ++uses[concept_names.front()];
        for (const std::string& n : concept_names)
          EXPECT_NE(std::find(group.begin(), group.end(), n), group.end())
              << "thon " << command << ": the option " << group.front() << " lacks the name " << n;
      }
    }
  }
  // Pixel size, threads, device, seed, output are in several sub-commands: the check is not empty.
  for (const char* c : {"--apix", "--threads", "--device", "--seed", "--o", "--quiet"})
    EXPECT_GE(uses[c], 2) << c;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_same_files(const TempDir& dir, const std::vector<std::string>& a, const std::vector<std::string>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string x = slurp(dir.file(a[i])), y = slurp(dir.file(b[i]));
    EXPECT_GT(x.size(), 0u) << a[i];
    EXPECT_TRUE(x == y) << a[i] << " and " << b[i] << " differ";
  }
}

TEST(CliConvention, UnderscoreAndAliasSpellingsGiveTheSameCtf) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(run_thon("ctf --box 48 --apix 1.5 --defocus-u 12000 --defocus-v 10000 --defocus-angle 30 "
                     "--phase-shift 20 --amplitude-contrast 0.07 --focal-spread 40 --o " + dir.file("kebab"), &out), 0)
      << out;
  ASSERT_EQ(run_thon("ctf --box 48 --angpix 1.5 --defocus_u 12000 --defocus_v 10000 --defocus_angle 30 "
                     "--phase_shift 20 --q0 0.07 --focal_spread 40 --o " + dir.file("relion"), &out), 0)
      << out;
  // A different value must give different files, or the comparison below proves nothing.
  ASSERT_EQ(run_thon("ctf --box 48 --angpix 1.5 --defocus_u 12500 --defocus_v 10000 --defocus_angle 30 "
                     "--phase_shift 20 --ac 0.07 --focal_spread 40 --o " + dir.file("other"), &out), 0)
      << out;
  expect_same_files(dir, {"kebab_ctf.mrc", "kebab_thon.mrc", "kebab_profile.csv"},
                    {"relion_ctf.mrc", "relion_thon.mrc", "relion_profile.csv"});
  EXPECT_NE(slurp(dir.file("kebab_ctf.mrc")), slurp(dir.file("other_ctf.mrc")));
}

TEST(CliConvention, UnderscoreSpellingsGiveTheSameReconstruction) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(run_thon("simulate --quiet --n 80 --box 32 --angpix 4 --no-noise --astig 300 --max-shift 4 --seed 3 "
                     "--device cpu --no-hdf5 --o " + dir.file("p"), &out), 0)
      << out;
  const std::string in = " --quiet --device cpu --i " + dir.file("p.star");
  ASSERT_EQ(run_thon("reconstruct" + in + " --threads 1 --no-ctf --mask-diameter 96 --mask-edge 4 --tau2-fudge 2 "
                     "--no-edge-mask --o " + dir.file("kebab.mrc"), &out), 0)
      << out;
  ASSERT_EQ(run_thon("reconstruct" + in + " --j 1 --no_ctf --mask_diameter 96 --width_mask_edge 4 --tau2_fudge 2 "
                     "--no_edge_mask --o " + dir.file("relion.mrc"), &out), 0)
      << out;
  expect_same_files(dir, {"kebab.mrc", "kebab_half1.mrc", "kebab_fsc.star"},
                    {"relion.mrc", "relion_half1.mrc", "relion_fsc.star"});
}

TEST(CliConvention, UnknownSpellingIsRejected) {
  // Only the two spellings are accepted: a mixed or misspelt name is an error (exit 1).
  TempDir dir;
  std::string out;
  EXPECT_EQ(run_thon("ctf --box 32 --defocusu 12000 --o " + dir.file("x"), &out), 1) << out;
  EXPECT_NE(out.find("defocusu"), std::string::npos) << out;
}

}  // namespace
}  // namespace thon
