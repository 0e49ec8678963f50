#include "rqc/vta/Config.h"

#include "rqc/runtime/Error.h"

#include <gtest/gtest.h>

using namespace rqc::vta;

TEST(VtaConfig, PynqDerivedSizes) {
  VtaConfig c = VtaConfig::pynq();
  EXPECT_EQ(c.modelString(), "pynq_1x16_i8w8a32_15_15_18_17");
  EXPECT_EQ(c.inpElemBytes(), 16u);
  EXPECT_EQ(c.wgtElemBytes(), 256u);
  EXPECT_EQ(c.accElemBytes(), 64u);
  EXPECT_EQ(c.outElemBytes(), 16u);
  EXPECT_EQ(c.uopDepth(), 8192u);
  EXPECT_EQ(c.inpDepth(), 2048u);
  EXPECT_EQ(c.wgtDepth(), 1024u);
  EXPECT_EQ(c.accDepth(), 2048u);
  EXPECT_EQ(c.outDepth(), 2048u);
  EXPECT_EQ(c.logOutBuffSize(), 15u);
  EXPECT_EQ(c.busBytes(), 8u);
  EXPECT_DOUBLE_EQ(c.peakGops(), 51.2);
}

TEST(VtaConfig, ModelStringRoundTrip) {
  VtaConfig c = VtaConfig::fromModelString("pynq_1x16_i8w8a32_15_15_18_17");
  EXPECT_EQ(c, VtaConfig::pynq());
  VtaConfig wide = VtaConfig::fromModelString("pynq_4x8_i8w8a32_15_16_16_18");
  EXPECT_EQ(wide.batch(), 4u);
  EXPECT_EQ(wide.blockIn(), 8u);
  EXPECT_EQ(wide.inpElemBytes(), 32u);
  EXPECT_EQ(wide.inpDepth(), 2048u);
  EXPECT_EQ(wide.wgtDepth(), 1024u);
  EXPECT_EQ(wide.accDepth(), 2048u);
  EXPECT_EQ(wide.modelString(), "pynq_4x8_i8w8a32_15_16_16_18");
  // A target name with an underscore.
  EXPECT_EQ(VtaConfig::fromModelString("my_board_1x16_i8w8a32_15_15_18_17").target, "my_board");
}

TEST(VtaConfig, MalformedModelStringsAreRefused) {
  EXPECT_THROW(VtaConfig::fromModelString("pynq"), rqc::Error);
  EXPECT_THROW(VtaConfig::fromModelString("pynq_1x15_i8w8a32_15_15_18_17"), rqc::Error); // not a power of 2
  EXPECT_THROW(VtaConfig::fromModelString("pynq_1x16_x8w8a32_15_15_18_17"), rqc::Error);
  EXPECT_THROW(VtaConfig::fromModelString("pynq_1x16_i8w8a32_15_15_18_zz"), rqc::Error);
  // Micro-op fields beyond 32 bits.
  try {
    VtaConfig::fromModelString("pynq_1x16_i8w8a32_15_15_22_17");
    FAIL() << "expected an error";
  } catch (const rqc::Error &e) {
    EXPECT_NE(std::string(e.what()).find("micro-op"), std::string::npos) << e.what();
  }
}

TEST(VtaConfig, FromJson) {
  VtaConfig c = VtaConfig::fromJsonText(R"({"TARGET": "pynq", "HW_VER": "0.0.2", "LOG_INP_WIDTH": 3,
      "LOG_WGT_WIDTH": 3, "LOG_ACC_WIDTH": 5, "LOG_BATCH": 0, "LOG_BLOCK": 4, "LOG_UOP_BUFF_SIZE": 15,
      "LOG_INP_BUFF_SIZE": 15, "LOG_WGT_BUFF_SIZE": 18, "LOG_ACC_BUFF_SIZE": 17})");
  EXPECT_EQ(c, VtaConfig::pynq());
  EXPECT_THROW(VtaConfig::fromJsonText(R"({"TARGET": "pynq"})"), rqc::Error);
  EXPECT_THROW(VtaConfig::fromJsonText("not json"), rqc::Error);
}
