#include "rqc/vta/OnChipMemory.h"

namespace rqc::vta {

const char *bufferName(Buffer b) {
  switch (b) {
  case Buffer::Uop: return "UOP";
  case Buffer::Inp: return "INP";
  case Buffer::Wgt: return "WGT";
  case Buffer::Acc: return "ACC";
  case Buffer::Out: return "OUT";
  }
  return "?";
}

OnChipMemory::OnChipMemory(const VtaConfig &c)
    : inpLanes(size_t(c.batch()) * c.blockIn()), wgtLanes(size_t(c.blockOut()) * c.blockIn()),
      accLanes(size_t(c.batch()) * c.blockOut()),
      depths{c.uopDepth(), c.inpDepth(), c.wgtDepth(), c.accDepth(), c.outDepth()}, uop(c.uopDepth()),
      inp(size_t(c.inpDepth()) * inpLanes), wgt(size_t(c.wgtDepth()) * wgtLanes),
      out(size_t(c.outDepth()) * accLanes), acc(size_t(c.accDepth()) * accLanes) {}

} // namespace rqc::vta
