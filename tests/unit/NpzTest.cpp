#include "rqc/runtime/Error.h"
#include "rqc/runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace rqc;

TEST(Npz, RoundTripsEveryDtype) {
  NamedTensors in;
  Tensor f(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i) f.data<float>()[i] = i * 0.5f;
  Tensor u(DType::U8, {4});
  for (int i = 0; i < 4; ++i) u.data<uint8_t>()[i] = static_cast<uint8_t>(250 + i);
  Tensor s(DType::I64, {});
  s.data<int64_t>()[0] = -7;
  in.emplace_back("x", f);
  in.emplace_back("bytes", u);
  in.emplace_back("scalar", s);
  std::string path = ::testing::TempDir() + "/roundtrip.npz";
  saveNpz(path, in);
  NamedTensors out = loadNpz(path);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].first, "x");
  EXPECT_EQ(out[0].second.shape(), (Shape{2, 3}));
  EXPECT_FLOAT_EQ(out[0].second.data<float>()[5], 2.5f);
  EXPECT_EQ(out[1].second.data<uint8_t>()[3], 253);
  EXPECT_EQ(out[2].second.shape(), Shape{});
  EXPECT_EQ(out[2].second.data<int64_t>()[0], -7);
  std::remove(path.c_str());
}

TEST(Npz, MissingAndCorruptFilesGiveClearErrors) {
  EXPECT_THROW(loadNpz("/nonexistent/in.npz"), Error);
  std::string path = ::testing::TempDir() + "/garbage.npz";
  std::ofstream(path) << "not a zip file";
  try {
    loadNpz(path);
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("cannot open .npz"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(Npy, TruncatedDataIsRefused) {
  Tensor t(DType::F32, {16});
  std::string bytes = serializeNpy(t);
  EXPECT_THROW(parseNpy(bytes.substr(0, bytes.size() - 4), "x"), Error);
  EXPECT_THROW(parseNpy("garbage", "x"), Error);
}

// An array with a zero dimension anywhere (numpy writes shape (2, 0) with no data) is
// valid and empty; a zero in a later dimension once made the size check refuse it.
TEST(Npy, EmptyArraysWithAZeroDimensionAnywhere) {
  for (Shape shape : {Shape{0}, Shape{2, 0}, Shape{3, 0, 5}, Shape{0, 4}}) {
    Tensor t(DType::F32, shape);
    Tensor back = parseNpy(serializeNpy(t), "x");
    EXPECT_EQ(back.shape(), shape);
    EXPECT_EQ(back.numel(), 0);
  }
}
