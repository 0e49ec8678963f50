// Small builders shared by the graph -> linalg patterns.
#pragma once

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace rqc::lowering {

using BodyBuilder = std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

// A ranked tensor type with ui8 replaced by signless i8 (arith works on signless integers;
// the unsigned meaning is carried by the ops the patterns choose).
mlir::Type signlessType(mlir::Type type);

// Scalar constant of `type` (float or integer).
mlir::Value scalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type, double value);

// tensor.empty of `type` filled with `value`.
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type, double value);

// tensor.pad with a constant; no-op when every pad is zero.
mlir::Value padded(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, llvm::ArrayRef<int64_t> low,
                   llvm::ArrayRef<int64_t> high, double value);

// An all-parallel linalg.generic producing `outType` from `inputs`, which broadcast to it
// NumPy-style (trailing alignment, size-1 dimensions repeat). `body` gets the input
// elements and returns the output element.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType outType,
                        mlir::ValueRange inputs, const BodyBuilder &body);

// `v` with its dimensions permuted (linalg.transpose): result dim i is input dim perm[i].
mlir::Value transposed(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, llvm::ArrayRef<int64_t> perm);

// Broadcasts a per-channel vector [C] along `axis` of `outType`.
mlir::Value broadcastAlong(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vec,
                           mlir::RankedTensorType outType, int64_t axis);

// Broadcasts a per-channel vector [C] over a channel-blocked `outType` whose channel c is
// at (outer, inner) = (c / block, c % block): NCHW{x}c has outer 1, inner 4.
mlir::Value broadcastBlocked(mlir::OpBuilder &b, mlir::Location loc, mlir::Value vec, mlir::RankedTensorType outType,
                             int64_t outer, int64_t inner);

// Marks the op defining `v` as its kernel's root (the op schedules are built around:
// the `root` role of schedules/Schedule.h); returns `v`.
mlir::Value markRoot(mlir::Value v);

// A dense constant tensor (for per-channel scales, divisors).
mlir::Value constantTensor(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<float> values,
                           llvm::ArrayRef<int64_t> shape);
mlir::Value constantTensor(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<int32_t> values,
                           llvm::ArrayRef<int64_t> shape);

// Pattern families (LowerConv.cpp, LowerPool.cpp, LowerElementwise.cpp, LowerData.cpp,
// LowerQuant.cpp).
void populateConvPatterns(mlir::TypeConverter &tc, mlir::RewritePatternSet &patterns);
void populatePoolPatterns(mlir::TypeConverter &tc, mlir::RewritePatternSet &patterns);
void populateElementwisePatterns(mlir::TypeConverter &tc, mlir::RewritePatternSet &patterns);
void populateDataPatterns(mlir::TypeConverter &tc, mlir::RewritePatternSet &patterns);
void populateQuantPatterns(mlir::TypeConverter &tc, mlir::RewritePatternSet &patterns);

} // namespace rqc::lowering
