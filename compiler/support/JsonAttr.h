// JSON <-> MLIR attributes, for data the passes attach to ops (rqc.task, rqc.config,
// rqc.schedule): stored as structured attributes they print readably in dumps and lit
// tests ({template = "conv2d_NCHWc.x86", steps = [["tile", "output", [1, 1, 1, 14, 0]]]}).
// Objects become dictionaries, arrays arrays, integers i64, floats f64, strings strings,
// booleans bools, null a unit attribute.
#pragma once

#include "mlir/IR/Attributes.h"
#include "mlir/IR/MLIRContext.h"

#include <nlohmann/json.hpp>

namespace rqc {

mlir::Attribute jsonToAttr(mlir::MLIRContext *ctx, const nlohmann::json &j);
// The JSON form of an attribute made by jsonToAttr; throws rqc::Error for other attributes.
nlohmann::json attrToJson(mlir::Attribute a);

} // namespace rqc
