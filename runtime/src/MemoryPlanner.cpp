#include "rqc/runtime/MemoryPlan.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>

namespace rqc {

const char *placementName(Placement placement) {
  switch (placement) {
  case Placement::Input: return "input";
  case Placement::Output: return "output";
  case Placement::Param: return "param";
  case Placement::Arena: return "arena";
  case Placement::Unused: return "unused";
  }
  return "?";
}

namespace {

struct Lifetime {
  int first = -1, last = -1;
  bool overlaps(const Lifetime &o) const { return first <= o.last && o.first <= last; }
};

struct ArenaBlock {
  int64_t root;
  uint64_t bytes;
  Lifetime life;
  uint64_t offset = 0;
};

uint64_t alignUp(uint64_t n) { return (n + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment; }

// The offset for `block`: the smallest gap between `placed` blocks live at the same time
// that fits it, or the first offset above them.
uint64_t chooseOffset(const ArenaBlock &block, const std::vector<ArenaBlock> &placed) {
  std::vector<const ArenaBlock *> live;
  for (const ArenaBlock &p : placed)
    if (p.life.overlaps(block.life)) live.push_back(&p);
  std::sort(live.begin(), live.end(), [](const ArenaBlock *a, const ArenaBlock *b) { return a->offset < b->offset; });
  uint64_t cursor = 0, best = 0, bestGap = std::numeric_limits<uint64_t>::max();
  bool found = false;
  for (const ArenaBlock *p : live) {
    if (p->offset >= cursor) {
      uint64_t gap = p->offset - cursor;
      if (gap >= block.bytes && gap < bestGap) {
        best = cursor;
        bestGap = gap;
        found = true;
      }
    }
    cursor = std::max(cursor, p->offset + p->bytes);
  }
  return found ? best : cursor;
}

} // namespace

MemoryPlan planMemory(const ModuleInfo &module) {
  // Lifetimes belong to roots: an alias keeps its root's bytes alive.
  std::unordered_map<int64_t, Lifetime> lifetimes;
  for (size_t k = 0; k < module.kernels.size(); ++k)
    for (int64_t id : module.kernels[k].args) {
      Lifetime &l = lifetimes[module.rootOf(id)];
      if (l.first < 0) l.first = static_cast<int>(k);
      l.last = static_cast<int>(k);
    }
  // Intermediates that a model output aliases must survive the run: they get output storage.
  std::unordered_set<int64_t> outputRoots;
  for (int64_t id : module.outputs) outputRoots.insert(module.rootOf(id));

  MemoryPlan plan;
  plan.buffers.resize(module.buffers.size());
  std::vector<ArenaBlock> blocks;
  for (size_t i = 0; i < module.buffers.size(); ++i) {
    int64_t root = module.rootOf(module.buffers[i].id);
    const BufferInfo &r = module.buffer(root);
    BufferPlacement &p = plan.buffers[i];
    p.root = root;
    if (auto it = lifetimes.find(root); it != lifetimes.end()) {
      p.firstKernel = it->second.first;
      p.lastKernel = it->second.last;
    }
    switch (r.kind) {
    case BufferKind::Input: p.placement = Placement::Input; break;
    case BufferKind::Output: p.placement = Placement::Output; break;
    case BufferKind::Param:
      p.placement = Placement::Param;
      p.offset = r.paramOffset;
      break;
    case BufferKind::Intermediate:
    case BufferKind::Alias: // roots are never aliases
      if (outputRoots.count(root)) p.placement = Placement::Output;
      else if (p.firstKernel < 0) p.placement = Placement::Unused;
      else p.placement = Placement::Arena;
      break;
    }
    if (p.placement == Placement::Arena && root == module.buffers[i].id)
      blocks.push_back({root, alignUp(r.nbytes()), {p.firstKernel, p.lastKernel}});
  }

  std::sort(blocks.begin(), blocks.end(), [](const ArenaBlock &a, const ArenaBlock &b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.life.first != b.life.first) return a.life.first < b.life.first;
    return a.root < b.root;
  });
  std::vector<ArenaBlock> placed;
  std::unordered_map<int64_t, const ArenaBlock *> blockOfRoot;
  for (ArenaBlock &block : blocks) {
    block.offset = chooseOffset(block, placed);
    placed.push_back(block);
    plan.naiveBytes += block.bytes;
    plan.arenaBytes = std::max(plan.arenaBytes, block.offset + block.bytes);
  }
  for (const ArenaBlock &b : placed) blockOfRoot[b.root] = &b;
  for (BufferPlacement &p : plan.buffers)
    if (p.placement == Placement::Arena) {
      const ArenaBlock *b = blockOfRoot.at(p.root);
      p.offset = b->offset;
      p.bytes = b->bytes;
    }
  return plan;
}

} // namespace rqc
