// The Mali GPU templates (OpenCL, --target=mali), with TVM's names, knobs and task args so
// that TVM's mali tophub records apply to the same workloads. Each one tiles its op's
// output into per-work-item register blocks (register_tile), groups the blocks into
// work-groups (bind_threads), orders a block's elements (reorder_tile) and unrolls the
// reduction (unroll_reduce); the OpenCL emitter applies the steps (targets/opencl).
//
// Partial (issue 12): TVM's spatial-pack data and kernel packing, vector types for "vec"
// annotations (those axes are unrolled as scalars) and local-memory tiles are not done.
#pragma once

#include "schedules/Template.h"

namespace rqc::schedule::mali {

// conv2d_nchw_spatial_pack.mali (TVM topi/mali/conv2d.py, num_tile=3): tile_co, tile_oh,
// tile_ow (3-way splits: block, thread, register), reorder_0, ann_reduce, ann_spatial.
std::unique_ptr<Template> makeConv2dNCHWSpatialPack();
// depthwise_conv2d_nchw.mali (topi/mali/depthwise_conv2d.py): tile_c, tile_y, tile_x
// (3-way), ann_spatial.
std::unique_ptr<Template> makeDepthwiseConv2dNCHW();
// dense.mali (topi/mali/dense.py): tile_y, tile_x (3-way), c_unroll (2-way, inner <= 64).
std::unique_ptr<Template> makeDense();

// AutoTVM's fallback_split: from the innermost size outward, the largest factor of what is
// left of `extent` that is <= the constraint (-1: no limit, takes the rest).
std::vector<int64_t> fallbackSplit(int64_t extent, const std::vector<int64_t> &constraints);

// TVM's mali limits: unrolled axes at most 16 long, vectorized ones 1/2/4/8/16 lanes, work-
// groups at most 256 work-items; and rqc's: at most 256 outputs per work-item (its block is
// unrolled into straight-line code; TVM's rk3399 records go up to 112). Throws InvalidConfig.
void checkAnnotation(const std::string &knob, const std::string &annotation, int64_t extent);
void checkWorkItem(int64_t workGroupSize, int64_t accumulators);

} // namespace rqc::schedule::mali
