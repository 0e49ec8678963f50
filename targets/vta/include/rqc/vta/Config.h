// VtaConfig: the parameters a VTA bitstream was built with (the "model" in
// pynq_1x16_i8w8a32_15_15_18_17) and every size derived from them. The ISA field
// widths, the buffer depths and the simulator's element layouts all come from here, so
// other VTA configurations work by changing this struct alone.
#pragma once

#include <cstdint>
#include <string>

namespace rqc::vta {

struct VtaConfig {
  std::string target = "pynq";
  // Data widths as log2(bits): int8 input/weight, int32 accumulator.
  unsigned logInpWidth = 3;
  unsigned logWgtWidth = 3;
  unsigned logAccWidth = 5;
  // GEMM shape as log2: BATCH x BLOCK_IN times BLOCK_IN x BLOCK_OUT.
  unsigned logBatch = 0;
  unsigned logBlockIn = 4;
  unsigned logBlockOut = 4;
  // On-chip buffer sizes as log2(bytes).
  unsigned logUopBuffSize = 15;
  unsigned logInpBuffSize = 15;
  unsigned logWgtBuffSize = 18;
  unsigned logAccBuffSize = 17;
  // AXI data bus width as log2(bits): 64 bit on the Pynq-Z1.
  unsigned logBusWidth = 6;
  double clockMHz = 100.0;

  // The Pynq-Z1 configuration: pynq_1x16_i8w8a32_15_15_18_17.
  static VtaConfig pynq();
  // Parses a model string "<target>_<B>x<BLOCK>_i<I>w<W>a<A>_<uop>_<inp>_<wgt>_<acc>".
  static VtaConfig fromModelString(const std::string &model);
  // Parses the text of a vta_config.json (TARGET, LOG_* keys; LOG_BLOCK or
  // LOG_BLOCK_IN/LOG_BLOCK_OUT; optional LOG_BUS_WIDTH, CLOCK_MHZ).
  static VtaConfig fromJsonText(const std::string &text);
  // A model string, or the path of a JSON file (anything ending in .json).
  static VtaConfig fromSpec(const std::string &spec);

  // Throws rqc::Error if the configuration cannot describe a VTA (e.g. a micro-op that
  // no longer fits in 32 bits, or an instruction wider than 128 bits).
  void validate() const;
  // "pynq_1x16_i8w8a32_15_15_18_17"
  std::string modelString() const;

  // ---- derived sizes ----
  unsigned logOutWidth() const { return logInpWidth; }
  unsigned logOutBuffSize() const { return logAccBuffSize + logOutWidth() - logAccWidth; }
  unsigned batch() const { return 1u << logBatch; }
  unsigned blockIn() const { return 1u << logBlockIn; }
  unsigned blockOut() const { return 1u << logBlockOut; }
  unsigned inpBits() const { return 1u << logInpWidth; }
  unsigned wgtBits() const { return 1u << logWgtWidth; }
  unsigned accBits() const { return 1u << logAccWidth; }
  unsigned outBits() const { return 1u << logOutWidth(); }

  // Bytes of one buffer element (the unit of SRAM indices and of dram_base).
  unsigned uopElemBytes() const { return 4; }
  unsigned inpElemBytes() const { return batch() * blockIn() * inpBits() / 8; }
  unsigned wgtElemBytes() const { return blockOut() * blockIn() * wgtBits() / 8; }
  unsigned accElemBytes() const { return batch() * blockOut() * accBits() / 8; }
  unsigned outElemBytes() const { return batch() * blockOut() * outBits() / 8; }

  // log2 of each buffer's depth in elements = width of the index fields.
  unsigned logUopDepth() const { return logUopBuffSize - 2; }
  unsigned logInpDepth() const { return logInpBuffSize - logBatch - logBlockIn - logInpWidth + 3; }
  unsigned logWgtDepth() const { return logWgtBuffSize - logBlockOut - logBlockIn - logWgtWidth + 3; }
  unsigned logAccDepth() const { return logAccBuffSize - logBatch - logBlockOut - logAccWidth + 3; }
  unsigned logOutDepth() const { return logOutBuffSize() - logBatch - logBlockOut - logOutWidth() + 3; }
  uint32_t uopDepth() const { return 1u << logUopDepth(); }
  uint32_t inpDepth() const { return 1u << logInpDepth(); }
  uint32_t wgtDepth() const { return 1u << logWgtDepth(); }
  uint32_t accDepth() const { return 1u << logAccDepth(); }
  uint32_t outDepth() const { return 1u << logOutDepth(); }

  unsigned busBytes() const { return (1u << logBusWidth) / 8; }
  // Multiply-accumulates of one (non-reset) GEMM micro-op: BATCH x BLOCK_IN x BLOCK_OUT.
  uint64_t macsPerGemmUop() const { return uint64_t(batch()) * blockIn() * blockOut(); }
  // Peak int8 throughput: 2 ops per MAC, one GEMM micro-op per cycle (51.2 on Pynq).
  double peakGops() const { return 2.0 * double(macsPerGemmUop()) * clockMHz / 1000.0; }
};

bool operator==(const VtaConfig &a, const VtaConfig &b);
inline bool operator!=(const VtaConfig &a, const VtaConfig &b) { return !(a == b); }

} // namespace rqc::vta
