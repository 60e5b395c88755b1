// STAR parser and writer: syntax, storage edits against a plain oracle, errors, round trips.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/io/star.hpp"

namespace {

using thon::io::StarBlock;
using thon::io::StarFile;

const char* kSample = R"(# a comment line
data_general

_rlnFinalResolution    16.363636   # trailing comment
_rlnMaskName           'mask with spaces.mrc'
_rlnEmptyValue         ""

# version 30001
data_

loop_
_rlnImageName #1
_rlnDefocusU #2
_rlnComment #3
1@a.mrcs  10000.5  "two words"
2@a.mrcs  -2e3     x#y
   3@a.mrcs   +7   'it''s'

data_empty

loop_
_rlnA
)";

TEST(Star, ParsesKeyValueLoopsQuotesAndComments) {
  const StarFile f = StarFile::parse(kSample, "sample.star");
  ASSERT_EQ(f.blocks().size(), 3u);
  const StarBlock& g = f.blocks()[0];
  EXPECT_EQ(g.name(), "general");
  EXPECT_FALSE(g.is_loop());
  EXPECT_EQ(g.n_rows(), 1);
  ASSERT_EQ(g.n_columns(), 3);
  EXPECT_DOUBLE_EQ(g.number(0, g.require_column("rlnFinalResolution")), 16.363636);
  EXPECT_EQ(g.text(0, g.column_index("_rlnMaskName")), "mask with spaces.mrc");
  EXPECT_EQ(g.text(0, 2), "");
  EXPECT_EQ(g.line(0, 0), 4);

  const StarBlock& p = f.blocks()[1];
  EXPECT_EQ(p.name(), "");  // RELION 3.0 files may have an empty block name
  EXPECT_TRUE(p.is_loop());
  ASSERT_EQ(p.n_rows(), 3);
  ASSERT_EQ(p.n_columns(), 3);
  EXPECT_EQ(p.columns()[1], "rlnDefocusU");  // "#2" suffix stripped
  EXPECT_EQ(p.text(0, 0), "1@a.mrcs");
  EXPECT_DOUBLE_EQ(p.number(0, 1), 10000.5);
  EXPECT_DOUBLE_EQ(p.number(1, 1), -2000.0);
  EXPECT_DOUBLE_EQ(p.number(2, 1), 7.0);
  EXPECT_EQ(p.integer(2, 1), 7);
  EXPECT_EQ(p.text(0, 2), "two words");
  EXPECT_EQ(p.text(1, 2), "x#y");       // '#' inside a value is not a comment
  EXPECT_EQ(p.text(2, 2), "it''s");     // a quote not followed by a space does not close
  EXPECT_EQ(p.line(2), 17);

  const StarBlock& e = f.blocks()[2];
  EXPECT_EQ(e.n_rows(), 0);
  EXPECT_EQ(e.n_columns(), 1);
  EXPECT_EQ(f.find("general"), &f.blocks()[0]);
  EXPECT_EQ(f.find("data_empty"), &f.blocks()[2]);
  EXPECT_EQ(f.find("optics"), nullptr);
}

// Every error names the source and line (and column or field).
void expect_error(const std::string& text, const std::string& needle1, const std::string& needle2) {
  try {
    const StarFile f = StarFile::parse(text, "bad.star");
    FAIL() << "no error for:\n" << text;
  } catch (const thon::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.star:"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle1), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle2), std::string::npos) << msg;
  }
}

TEST(Star, SyntaxErrorsNameFileLineAndColumn) {
  expect_error("data_x\nloop_\n_rlnA\n_rlnB\n1 2\n3\n", "bad.star:6:1", "has 1 value, expected 2");
  expect_error("data_x\nloop_\n_rlnA\n_rlnB\n1 2 3\n", "bad.star:5:", "has 3 values");
  expect_error("data_x\nloop_\n_rlnA\n_rlnA\n", "bad.star:4:1", "duplicated column _rlnA");
  expect_error("data_x\n_rlnA 1\n_rlnA 2\n", "bad.star:3:", "duplicated key");
  expect_error("data_x\nloop_\n_rlnA\n'open\n", "bad.star:4:1", "unterminated");
  expect_error("_rlnA 1\n", "bad.star:1:1", "before the first data_");
  expect_error("data_x\n_rlnA\n", "bad.star:2:", "has no value");
  expect_error("data_x\nloop_\n_rlnA\n1\n_rlnB\n", "bad.star:5:", "after the rows");
  expect_error("data_x\nloop_\n1 2\n", "bad.star:3:", "loop_ without columns");
}

TEST(Star, NumberErrorsNameLineAndColumn) {
  const StarFile f = StarFile::parse("data_p\nloop_\n_rlnImageName\n_rlnDefocusU\n1@a 12.5\n2@a abc\n3@a 1e999\n", "p.star");
  const StarBlock& b = f.blocks()[0];
  EXPECT_DOUBLE_EQ(b.number(0, 1), 12.5);
  for (int row : {1, 2}) {
    try {
      (void)b.number(row, 1);
      FAIL();
    } catch (const thon::Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("p.star, block data_p, line " + std::to_string(row + 5) + ", column _rlnDefocusU"),
                std::string::npos) << msg;
      EXPECT_NE(msg.find("is not a number"), std::string::npos) << msg;
    }
  }
  EXPECT_THROW((void)b.integer(0, 1), thon::Error);  // 12.5 is not an integer
  EXPECT_THROW((void)b.require_column("rlnAngleRot"), thon::Error);
  try {
    (void)b.require_column("rlnAngleRot");
  } catch (const thon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.star, block data_p: required column _rlnAngleRot is missing"),
              std::string::npos) << e.what();
  }
}

// The storage (one buffer, rows moved on edit, compaction) against a vector<vector<string>> oracle
// under random edits, column additions and removals.
TEST(Star, EditsMatchAPlainOracle) {
  std::mt19937 rng(1234);
  StarBlock b("t", true);
  std::vector<std::string> cols;
  std::vector<std::vector<std::string>> oracle;
  auto random_value = [&]() {
    std::string s;
    const int n = int(rng() % 12);
    for (int i = 0; i < n; ++i) s.push_back(char('a' + rng() % 26));
    return s;
  };
  for (int c = 0; c < 4; ++c) {
    cols.push_back("c" + std::to_string(c));
    b.add_column(cols.back(), "f");
  }
  for (int step = 0; step < 20000; ++step) {
    const int op = int(rng() % 100);
    if (op < 10 || oracle.empty()) {
      b.add_row();
      oracle.emplace_back(cols.size(), "");
    } else if (op < 98) {
      const std::int64_t r = std::int64_t(rng() % oracle.size());
      const int c = int(rng() % cols.size());
      const std::string v = random_value();
      b.set_text(r, c, v);
      oracle[std::size_t(r)][std::size_t(c)] = v;
    } else if (op < 99) {
      const std::string name = "n" + std::to_string(step);
      EXPECT_EQ(b.add_column(name, "zz"), int(cols.size()));
      cols.push_back(name);
      for (auto& row : oracle) row.push_back("zz");
    } else if (cols.size() > 1) {
      const int c = int(rng() % cols.size());
      b.remove_column(c);
      cols.erase(cols.begin() + c);
      for (auto& row : oracle) row.erase(row.begin() + c);
    }
  }
  ASSERT_EQ(b.n_rows(), std::int64_t(oracle.size()));
  ASSERT_EQ(b.columns(), cols);
  for (std::size_t r = 0; r < oracle.size(); ++r)
    for (std::size_t c = 0; c < cols.size(); ++c) ASSERT_EQ(b.text(std::int64_t(r), int(c)), oracle[r][c]) << r << "," << c;
  // The buffer stays within 2x of the live text plus fixed per-cell costs (compaction works).
  std::size_t live = 0;
  for (const auto& row : oracle)
    for (const auto& v : row) live += v.size();
  const std::size_t cells = oracle.size() * cols.size();
  EXPECT_LT(b.memory_bytes(), 2 * live + 4 * cells + 16 * oracle.size() + (1u << 18));
}

TEST(Star, WriteThenParseKeepsEveryValue) {
  StarFile f = StarFile::parse(kSample, "sample.star");
  // Values that need quoting on output.
  StarBlock& p = f.blocks()[1];
  const std::int64_t r = p.add_row();
  p.set_text(r, 0, "data_like");
  p.set_number(r, 1, 0.1 + 0.2);
  p.set_text(r, 2, "_underscore");
  const StarFile g = StarFile::parse(f.to_string(), "written.star");
  ASSERT_EQ(g.blocks().size(), f.blocks().size());
  for (std::size_t i = 0; i < f.blocks().size(); ++i) {
    const StarBlock& a = f.blocks()[i];
    const StarBlock& b = g.blocks()[i];
    EXPECT_EQ(a.name(), b.name());
    EXPECT_EQ(a.is_loop(), b.is_loop());
    ASSERT_EQ(a.columns(), b.columns());
    ASSERT_EQ(a.n_rows(), b.n_rows());
    for (std::int64_t row = 0; row < a.n_rows(); ++row)
      for (int c = 0; c < a.n_columns(); ++c) EXPECT_EQ(a.text(row, c), b.text(row, c));
  }
  EXPECT_EQ(g.blocks()[1].number(3, 1), 0.1 + 0.2);  // shortest round-trip formatting is exact
  EXPECT_NE(f.to_string().find("_rlnDefocusU #2"), std::string::npos);
  EXPECT_NE(f.to_string().find("# version 30001"), std::string::npos);
}

TEST(Star, FileReadWriteAndBadPaths) {
  thon::test::TempDir dir;
  const StarFile f = StarFile::parse(kSample, "sample.star");
  f.write(dir.file("a.star"));
  const StarFile g = StarFile::read(dir.file("a.star"));
  EXPECT_EQ(g.path(), dir.file("a.star"));
  EXPECT_EQ(g.blocks()[1].text(0, 2), "two words");
  EXPECT_THROW(StarFile::read(dir.file("missing.star")), thon::Error);
  EXPECT_THROW(StarFile::read(dir.path().string()), thon::Error);
  EXPECT_THROW(f.write(dir.file("no/such/dir/a.star")), thon::Error);
  // Nothing but the written file in the directory (no temporary left behind).
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) n += e.is_regular_file();
  EXPECT_EQ(n, 1);
}

TEST(Star, ReadsEveryRealStarFile) {
  for (const char* name : {"metadata/relion31.6opticsgroups.star", "metadata/FinalRefinement-OriginalParticles-PfCRT.star",
                           "particles/relion31.star", "particles/empiar_10076_7.star", "reference/postprocess.star"}) {
    if (!std::filesystem::exists(thon::test::data_path(name))) continue;
    const StarFile f = StarFile::read(thon::test::data_path(name));
    EXPECT_FALSE(f.blocks().empty()) << name;
  }
  THON_REQUIRE_DATA("reference/postprocess.star");
  const StarFile f = StarFile::read(thon::test::data_path("reference/postprocess.star"));
  const StarBlock* general = f.find("general");
  ASSERT_NE(general, nullptr);
  EXPECT_FALSE(general->is_loop());
  // RELION 3.0.8 relion_postprocess output: _rlnFinalResolution 16.363636 (PROVENANCE.md section 5).
  EXPECT_DOUBLE_EQ(general->number(0, general->require_column("rlnFinalResolution")), 16.363636);
  const StarBlock* fsc = f.find("fsc");
  ASSERT_NE(fsc, nullptr);
  EXPECT_EQ(fsc->n_rows(), 49);
}

}  // namespace
