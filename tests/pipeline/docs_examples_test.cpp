// The documentation's examples run: every sub-command in `thon --help` has a page
// (docs/cmd_<name>.md, see docs/cli.md), the example block of each page runs as written (from a
// directory that has the repository's data/ fixtures, as the repository root has), and the
// pictures a page shows are written by its example and committed under docs/img/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace thon {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const std::string kDocs = std::string(THON_SOURCE_DIR) + "/docs";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The shell lines between <!-- example --> and <!-- end example --> (code fences dropped).
std::string example_of(const std::string& page) {
  std::istringstream in(slurp(page));
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.find("<!-- end example -->") != std::string::npos) inside = false;
    if (inside && line.rfind("```", 0) != 0) block += line + "\n";
    if (line.find("<!-- example -->") != std::string::npos) inside = true;
  }
  return block;
}

std::vector<std::string> sub_commands() {
  std::string out;
  EXPECT_EQ(test::run_thon("--help", &out), 0) << out;
  std::vector<std::string> names;
  std::istringstream in(out.substr(std::min(out.size(), out.find("Subcommands:"))));
  std::string line;
  const std::regex row(R"(^  ([a-z0-9]+) .*)");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, row)) names.push_back(m[1]);
  return names;
}

TEST(DocsExamples, EverySubCommandHasAPage) {
  const std::vector<std::string> commands = sub_commands();
  ASSERT_GE(commands.size(), 8u);
  const std::string index = slurp(kDocs + "/cli.md");
  for (const std::string& c : commands) {
    const bool page = fs::exists(kDocs + "/cmd_" + c + ".md") || fs::exists(kDocs + "/" + c + ".md");
    EXPECT_TRUE(page) << "thon " << c << " has no page docs/cmd_" << c << ".md (docs/cli.md says what it holds)";
    EXPECT_NE(index.find("`thon " + c + "`"), std::string::npos) << "docs/cli.md does not list thon " << c;
  }
}

TEST(DocsExamples, EveryPageExampleRunsAndWritesItsPictures) {
  int pages = 0;
  for (const auto& e : fs::directory_iterator(kDocs)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("cmd_", 0) != 0 || e.path().extension() != ".md") continue;
    ++pages;
    SCOPED_TRACE(name);
    const std::string block = example_of(e.path().string());
    ASSERT_FALSE(block.empty()) << name << " has no <!-- example --> block";
    TempDir dir;
    fs::create_directory_symlink(std::string(THON_SOURCE_DIR) + "/data", dir.path() / "data");
    std::ofstream(dir.file("example.sh")) << "set -euo pipefail\nthon() { \"" << THON_EXE << "\" \"$@\"; }\n" << block;
    std::string out;
    ASSERT_EQ(test::run_command("cd " + dir.path().string() + " && THON_FFTW_PLANNER=estimate bash example.sh", &out), 0)
        << name << ":\n" << block << "\n" << out;
    EXPECT_EQ(out.find("thon: error"), std::string::npos) << out;
    // <!-- picture FROM TO -->: the example wrote FROM, and docs/TO is committed.
    const std::string text = slurp(e.path().string());
    const std::regex picture(R"(<!-- picture (\S+) (\S+) -->)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), picture); it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(fs::exists(dir.path() / (*it)[1].str())) << "the example did not write " << (*it)[1];
      EXPECT_TRUE(fs::exists(kDocs + "/" + (*it)[2].str())) << "docs/" << (*it)[2] << " is not committed";
      EXPECT_NE(text.find("](" + (*it)[2].str() + ")"), std::string::npos) << name << " does not show " << (*it)[2];
    }
  }
  EXPECT_GE(pages, 8);
}

}  // namespace
}  // namespace thon
