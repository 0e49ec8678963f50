// One place that lists the dialects rqc's tools load (kept out of headers included
// elsewhere: dialect registration pulls in heavy MLIR headers).
#pragma once

namespace mlir {
class DialectRegistry;
}

namespace rqc {
void registerRqcDialects(mlir::DialectRegistry &registry);
}
