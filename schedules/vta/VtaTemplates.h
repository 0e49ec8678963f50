// The VTA templates (target key "vta"): the knob spaces and fallbacks of TVM's
// vta/python/vta/top/vta_conv2d.py, with TVM's names, so that the lines of TVM's tophub
// vta_v0.10.log name the same points here. A template's schedule is data (pack, tile,
// virtual_thread steps); the stream emitter (targets/vta, rqc/vta/Conv2dPacked.h) reads
// it back with conv2dTilingOf. Capacities come from the target's -model= string
// (TargetDesc::model, a VTA configuration such as pynq_1x16_i8w8a32_15_15_18_17).
#pragma once

#include "schedules/Template.h"

#include "rqc/vta/Conv2dPacked.h"

#include <optional>
#include <string>

namespace rqc::schedule::vta {

// conv2d_packed.vta: int8 x int8 -> int32 convolution on NCHW1n16c / OIHW16o16i.
std::unique_ptr<Template> makeConv2dPacked();

// dense_packed.vta: int8 x int8 -> int32 dense on NC1n16c data, weights in 16x16 blocks.
std::unique_ptr<Template> makeDensePacked();

// The VTA configuration a target describes: its -model= string, Pynq-Z1's when unset.
rqc::vta::VtaConfig vtaConfigOf(const TargetDesc &t);
// The convolution of a conv2d workload (NCHW/OIHW shapes, as workloads keep them).
rqc::vta::Conv2dShape conv2dShapeOf(const Workload &w);
// The workload of conv2d_packed.vta task args as TVM writes them (packed shapes
// [N/b, C/c, H, W, b, c] and [O/c, I/c, KH, KW, c, c], strides, pads, dilation, layout,
// out dtype; schedules/Workload.h prints them back the same way), or nullopt with the
// reason in `why`.
std::optional<Workload> conv2dWorkloadFromArgs(const nlohmann::json &args, std::string *why);
// The tiling a conv2d_packed.vta schedule's steps spell (the inverse of its schedule());
// throws rqc::Error naming a missing or malformed step.
rqc::vta::Conv2dTiling conv2dTilingOf(const Schedule &s, const rqc::vta::VtaConfig &config);

// A dense workload ([M, K] data, [N, K] weights) as the 1x1 convolution of a 1x1 image
// with batch M, and the tiling a dense_packed.vta schedule spells.
rqc::vta::Conv2dShape denseShapeOf(const Workload &w);
rqc::vta::Conv2dTiling denseTilingOf(const Schedule &s, const rqc::vta::VtaConfig &config);

// ---- shared by the VTA templates (VtaTemplates.cpp) ----
// The tiling a config of conv2d_packed.vta or dense_packed.vta names (knobs a template
// lacks, like dense's tile_h, are 1).
rqc::vta::Conv2dTiling tilingOfConfig(const Config &c);
// The untuned config: among the points whose tiling fits `shape` on the target's VTA, two
// virtual threads (loads hidden behind compute), then the largest output tile (each
// loaded input and weight reused by more outputs), then the largest input-channel group
// (fewer, longer DMAs); the lowest index on a tie. `maxThreads` 1 leaves virtual threading
// out (to measure what it gains). Throws InvalidConfig when none fits.
Config bestFittingConfig(const ConfigSpace &space, const rqc::vta::Conv2dShape &shape, const TargetDesc &t,
                         const std::string &templateName, int64_t maxThreads = 4);
// The schedule's step `primitive op` with `sizes` integer arguments; throws rqc::Error
// naming the template and the missing or malformed step.
const Step &scheduleStep(const Schedule &s, const std::string &primitive, const std::string &op, size_t sizes);

} // namespace rqc::schedule::vta
