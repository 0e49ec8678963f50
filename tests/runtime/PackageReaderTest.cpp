// The tar reader: round trips with the writer, archives made by GNU tar, and refusal of
// truncated or corrupt archives.
#include "TestUtil.h"

#include "rqc/runtime/PackageReader.h"
#include "rqc/runtime/PackageWriter.h"

#include <fstream>
#include <random>

using namespace rqc;
using rqc::test::TempDir;

namespace {

PackageMembers sampleMembers() {
  std::string big(70000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  return {{"module.json", "{\"a\": 1}"}, {"empty.bin", ""}, {"exact.bin", std::string(512, 'x')}, {"big.bin", big}};
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

} // namespace

TEST(PackageReader, RoundTripsTheWriter) {
  PackageMembers members = sampleMembers();
  PackageReader reader = PackageReader::fromBytes(makeTar(members), "mem.rqc");
  ASSERT_EQ(reader.members().size(), members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    EXPECT_EQ(reader.members()[i].name, members[i].first);
    EXPECT_EQ(reader.members()[i].offset % 512, 0u); // tar data starts on a block
    EXPECT_EQ(reader.read(members[i].first), members[i].second);
  }
  EXPECT_EQ(reader.find("nothing"), nullptr);
  EXPECT_RQC_ERROR(reader.read("nothing"), "mem.rqc: the package has no nothing");
  EXPECT_RQC_ERROR(reader.read("big.bin", 100), "big.bin is implausibly large");
}

TEST(PackageReader, WritesAtomicallyAndReadsFiles) {
  TempDir dir;
  std::string path = dir.file("p.rqc");
  writePackage(path, sampleMembers());
  EXPECT_EQ(readPackage(path), sampleMembers());
  // No temporary file left next to the package.
  EXPECT_EQ(std::system(("test $(ls -A '" + dir.path() + "' | wc -l) -eq 1").c_str()), 0);
  EXPECT_RQC_ERROR(writePackage(dir.file("missing/dir/p.rqc"), sampleMembers()), "cannot create file");
}

TEST(PackageReader, ReadsArchivesMadeByTar) {
  if (std::system("tar --version >/dev/null 2>&1") != 0) FAIL() << "no tar (GNU tar is needed to make the reference archives)";
  TempDir dir;
  std::string longName(120, 'n'); // beyond ustar's 100-byte name field
  writeFile(dir.file("module.json"), "{}");
  writeFile(dir.file(longName), "long");
  for (const char *format : {"gnu", "pax", "ustar"}) {
    std::string archive = dir.file(std::string(format) + ".tar");
    std::string names = std::string(format) == "ustar" ? "./module.json" : "./module.json " + longName;
    std::string cmd = "cd '" + dir.path() + "' && tar --format=" + format + " -cf '" + archive + "' " + names;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    PackageReader reader = PackageReader::openFile(archive);
    EXPECT_EQ(reader.read("module.json"), "{}") << format; // "./" dropped
    if (std::string(format) != "ustar") {
      EXPECT_EQ(reader.read(longName), "long") << format;
    }
  }
}

TEST(PackageReader, RefusesMissingEmptyAndForeignFiles) {
  TempDir dir;
  EXPECT_RQC_ERROR(PackageReader::openFile(dir.file("none.rqc")), "none.rqc: cannot open package");
  EXPECT_RQC_ERROR(PackageReader::openFile(dir.path()), "not a regular file");
  writeFile(dir.file("empty.rqc"), "");
  EXPECT_RQC_ERROR(PackageReader::openFile(dir.file("empty.rqc")), "the file is empty");
  EXPECT_RQC_ERROR(PackageReader::fromBytes("hello", "h.rqc"), "h.rqc: not an rqc package");
  EXPECT_RQC_ERROR(PackageReader::fromBytes(std::string(2048, 'z'), "z.rqc"), "z.rqc: not an rqc package (not a tar archive)");
}

TEST(PackageReader, RefusesEveryTruncation) {
  std::string tar = makeTar(sampleMembers());
  for (size_t size = 1; size < tar.size() - 512; size += (size < 2048 ? 1 : 97)) {
    // Cutting into the final zero blocks still leaves one: a valid end of archive.
    SCOPED_TRACE(size);
    try {
      PackageReader::fromBytes(tar.substr(0, size), "t.rqc");
      ADD_FAILURE() << "accepted a package truncated to " << size << " bytes";
    } catch (const Error &e) {
      std::string m = e.what();
      EXPECT_TRUE(m.find("truncated package") != std::string::npos || m.find("not an rqc package") != std::string::npos)
          << m;
    }
  }
}

TEST(PackageReader, RefusesCorruptHeaders) {
  std::string tar = makeTar(sampleMembers());
  std::string bad = tar;
  bad[512 + 20 + 512] ^= 1; // a byte of the second member's header name: checksum mismatch
  // (the first member's data is 8 bytes, one block)
  EXPECT_RQC_ERROR(PackageReader::fromBytes(bad, "c.rqc"), "c.rqc: corrupt package: bad tar header at byte 1024");

  PackageMembers twice = {{"a", "1"}, {"a", "2"}};
  EXPECT_RQC_ERROR(PackageReader::fromBytes(makeTar(twice), "d.rqc"), "member 'a' appears twice");

  // Random corruption anywhere: an error or a valid index, never a crash or an
  // out-of-bounds member.
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string fuzzed = tar;
    for (int j = 0; j < 3; ++j) fuzzed[rng() % fuzzed.size()] = static_cast<char>(rng());
    try {
      PackageReader r = PackageReader::fromBytes(fuzzed, "f.rqc");
      for (const PackageMemberInfo &m : r.members()) EXPECT_LE(m.offset + m.size, fuzzed.size());
    } catch (const Error &) {
    }
  }
}
