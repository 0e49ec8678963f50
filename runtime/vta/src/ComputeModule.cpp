// GEMM and ALU: the micro-op loop nest
//   for i_out < iter_out, i_in < iter_in, u in [uop_bgn, uop_end):
//     dst = uop[u].dst + i_out * dst_factor_out + i_in * dst_factor_in   (ACC)
//     src = uop[u].src + i_out * src_factor_out + i_in * src_factor_in   (INP for GEMM, ACC for ALU)
//     wgt = uop[u].wgt + i_out * wgt_factor_out + i_in * wgt_factor_in   (GEMM only)
// GEMM: ACC[dst][b][o] += sum_k INP[src][b][k] * WGT[wgt][o][k] (int8 x int8, int32 wrap-around),
//       or ACC[dst] = 0 with reset_reg.
// ALU:  ACC[dst] = op(ACC[dst], use_imm ? imm : ACC[src]) lane by lane.
// Both also write the low 8 bits of each new ACC value to OUT[dst]: on Pynq the store
// module reads OUT, never ACC, so that is where the int8 narrowing (truncation) happens.
//
// The Pynq HLS design disables the accumulator's dependence check to pipeline at one
// micro-op per cycle, so a micro-op must not touch an ACC entry that one of the two
// micro-ops before it (in loop-expansion order, within the instruction) wrote.
#include "rqc/vta/Executor.h"

#include "rqc/vta/StaticChecker.h"

#include <algorithm>
#include <vector>

namespace rqc::vta {
namespace {

std::string position(uint32_t uop, uint32_t iOut, uint32_t iIn) {
  return "micro-op " + std::to_string(uop) + " at i_out=" + std::to_string(iOut) + ", i_in=" + std::to_string(iIn);
}

} // namespace

uint32_t Executor::checkedIndex(size_t index, Buffer buffer, uint64_t value, uint32_t uop, uint32_t iOut,
                                uint32_t iIn, const char *field) {
  if (value >= mem_.depth(buffer))
    failAt(index, program_[index],
           position(uop, iOut, iIn) + " gives " + bufferName(buffer) + " index " + std::to_string(value) + " (" +
               field + "), beyond the " + std::to_string(mem_.depth(buffer)) + "-entry " + bufferName(buffer) +
               " buffer");
  return uint32_t(value);
}

void Executor::checkAccHazard(size_t index, RecentWrites &recent, uint64_t entry, bool isWrite, uint32_t uop,
                              uint32_t iOut, uint32_t iIn) {
  for (int k = 0; k < 2; ++k) {
    if (recent.entry[k] != int64_t(entry))
      continue;
    failAt(index, program_[index],
           std::string("accumulator hazard: ") + position(uop, iOut, iIn) + (isWrite ? " writes" : " reads") +
               " ACC entry " + std::to_string(entry) + " that " +
               position(recent.uop[k], recent.iOut[k], recent.iIn[k]) + " wrote " + (k == 0 ? "1" : "2") +
               " micro-op(s) earlier; Pynq's pipeline does not forward accumulator writes, so two other "
               "micro-ops must separate them");
  }
  if (isWrite) {
    recent.entry[1] = recent.entry[0], recent.uop[1] = recent.uop[0];
    recent.iOut[1] = recent.iOut[0], recent.iIn[1] = recent.iIn[0];
    recent.entry[0] = int64_t(entry), recent.uop[0] = uop, recent.iOut[0] = iOut, recent.iIn[0] = iIn;
  }
}

void Executor::gemm(size_t index, const GemmInsn &g) {
  const VtaConfig &c = isa_.config();
  const unsigned batch = c.batch(), blockIn = c.blockIn(), blockOut = c.blockOut();
  RecentWrites recent;
  for (uint32_t iOut = 0; iOut < g.iterOut; ++iOut) {
    for (uint32_t iIn = 0; iIn < g.iterIn; ++iIn) {
      for (uint32_t u = g.uopBgn; u < g.uopEnd; ++u) {
        tracker_.read(Buffer::Uop, u, index);
        const Uop &op = mem_.uop[u];
        uint32_t dst = checkedIndex(index, Buffer::Acc,
                                    op.dstIdx + uint64_t(iOut) * g.dstFactorOut + uint64_t(iIn) * g.dstFactorIn, u,
                                    iOut, iIn, "dst");
        int32_t *acc = mem_.accElem(dst);
        int8_t *out = mem_.outElem(dst);
        if (g.resetReg) {
          checkAccHazard(index, recent, dst, true, u, iOut, iIn);
          std::fill(acc, acc + mem_.accLanes, 0);
          std::fill(out, out + mem_.accLanes, int8_t(0));
          counters_.gemmResetUops++;
        } else {
          uint32_t src = checkedIndex(index, Buffer::Inp,
                                      op.srcIdx + uint64_t(iOut) * g.srcFactorOut + uint64_t(iIn) * g.srcFactorIn,
                                      u, iOut, iIn, "src");
          uint32_t wgt = checkedIndex(index, Buffer::Wgt,
                                      op.wgtIdx + uint64_t(iOut) * g.wgtFactorOut + uint64_t(iIn) * g.wgtFactorIn,
                                      u, iOut, iIn, "wgt");
          checkAccHazard(index, recent, dst, true, u, iOut, iIn);
          tracker_.read(Buffer::Inp, src, index);
          tracker_.read(Buffer::Wgt, wgt, index);
          tracker_.read(Buffer::Acc, dst, index);
          const int8_t *in = mem_.inpElem(src);
          const int8_t *w = mem_.wgtElem(wgt);
          for (unsigned b = 0; b < batch; ++b) {
            for (unsigned o = 0; o < blockOut; ++o) {
              int32_t sum = 0; // 16 int8 x int8 products fit easily
              for (unsigned k = 0; k < blockIn; ++k)
                sum += int32_t(in[b * blockIn + k]) * int32_t(w[o * blockIn + k]);
              int32_t &a = acc[b * blockOut + o];
              a = int32_t(uint32_t(a) + uint32_t(sum));
            }
          }
          for (size_t lane = 0; lane < mem_.accLanes; ++lane)
            out[lane] = int8_t(uint8_t(uint32_t(acc[lane]) & 0xff));
          counters_.gemmUops++;
        }
        tracker_.write(Buffer::Acc, dst, index);
        tracker_.write(Buffer::Out, dst, index);
      }
    }
  }
}

void Executor::alu(size_t index, const AluInsn &a) {
  RecentWrites recent;
  std::vector<int32_t> operand(mem_.accLanes);
  for (uint32_t iOut = 0; iOut < a.iterOut; ++iOut) {
    for (uint32_t iIn = 0; iIn < a.iterIn; ++iIn) {
      for (uint32_t u = a.uopBgn; u < a.uopEnd; ++u) {
        tracker_.read(Buffer::Uop, u, index);
        const Uop &op = mem_.uop[u];
        uint32_t dst = checkedIndex(index, Buffer::Acc,
                                    op.dstIdx + uint64_t(iOut) * a.dstFactorOut + uint64_t(iIn) * a.dstFactorIn, u,
                                    iOut, iIn, "dst");
        if (a.useImm) {
          std::fill(operand.begin(), operand.end(), a.imm);
        } else {
          uint32_t src = checkedIndex(index, Buffer::Acc,
                                      op.srcIdx + uint64_t(iOut) * a.srcFactorOut + uint64_t(iIn) * a.srcFactorIn,
                                      u, iOut, iIn, "src");
          checkAccHazard(index, recent, src, false, u, iOut, iIn);
          tracker_.read(Buffer::Acc, src, index);
          const int32_t *s = mem_.accElem(src);
          std::copy(s, s + mem_.accLanes, operand.begin());
        }
        checkAccHazard(index, recent, dst, true, u, iOut, iIn);
        tracker_.read(Buffer::Acc, dst, index);
        int32_t *acc = mem_.accElem(dst);
        int8_t *out = mem_.outElem(dst);
        for (size_t lane = 0; lane < mem_.accLanes; ++lane) {
          int32_t x = acc[lane], y = operand[lane];
          int32_t r = x;
          switch (a.aluOpcode) {
          case AluOpcode::Min: r = std::min(x, y); break;
          case AluOpcode::Max: r = std::max(x, y); break;
          case AluOpcode::Add: r = int32_t(uint32_t(x) + uint32_t(y)); break;
          case AluOpcode::Shr:
            if (y < kMinShift || y > kMaxShift)
              failAt(index, program_[index],
                     position(u, iOut, iIn) + ": shift amount " + std::to_string(y) + " (lane " +
                         std::to_string(lane) + ") outside [" + std::to_string(kMinShift) + ", " +
                         std::to_string(kMaxShift) + "]; the Pynq ALU uses only its low 5 bits");
            r = y >= 0 ? (x >> y) : int32_t(uint32_t(x) << -y);
            break;
          case AluOpcode::Mul:
            failAt(index, program_[index], "the Pynq ALU has no MUL"); // the checker rejects it earlier
          }
          acc[lane] = r;
          out[lane] = int8_t(uint8_t(uint32_t(r) & 0xff));
        }
        counters_.aluUops++;
        tracker_.write(Buffer::Acc, dst, index);
        tracker_.write(Buffer::Out, dst, index);
      }
    }
  }
}

} // namespace rqc::vta
