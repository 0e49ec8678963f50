#include "compiler/support/JsonAttr.h"

#include "rqc/runtime/Error.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace rqc {

Attribute jsonToAttr(MLIRContext *ctx, const nlohmann::json &j) {
  Builder b(ctx);
  if (j.is_object()) {
    SmallVector<NamedAttribute> items;
    for (auto it = j.begin(); it != j.end(); ++it) items.push_back(b.getNamedAttr(it.key(), jsonToAttr(ctx, it.value())));
    return b.getDictionaryAttr(items);
  }
  if (j.is_array()) {
    SmallVector<Attribute> items;
    for (const nlohmann::json &v : j) items.push_back(jsonToAttr(ctx, v));
    return b.getArrayAttr(items);
  }
  if (j.is_boolean()) return b.getBoolAttr(j.get<bool>());
  if (j.is_number_integer()) return b.getI64IntegerAttr(j.get<int64_t>());
  if (j.is_number()) return b.getF64FloatAttr(j.get<double>());
  if (j.is_string()) return b.getStringAttr(j.get<std::string>());
  return b.getUnitAttr();
}

nlohmann::json attrToJson(Attribute a) {
  if (auto d = llvm::dyn_cast<DictionaryAttr>(a)) {
    nlohmann::json o = nlohmann::json::object();
    for (NamedAttribute n : d) o[n.getName().str()] = attrToJson(n.getValue());
    return o;
  }
  if (auto arr = llvm::dyn_cast<ArrayAttr>(a)) {
    nlohmann::json o = nlohmann::json::array();
    for (Attribute v : arr) o.push_back(attrToJson(v));
    return o;
  }
  if (auto bo = llvm::dyn_cast<BoolAttr>(a)) return bo.getValue();
  if (auto i = llvm::dyn_cast<IntegerAttr>(a)) return i.getInt();
  if (auto f = llvm::dyn_cast<FloatAttr>(a)) return f.getValueAsDouble();
  if (auto s = llvm::dyn_cast<StringAttr>(a)) return s.str();
  if (llvm::isa<UnitAttr>(a)) return nullptr;
  throw Error("unexpected attribute in JSON data");
}

} // namespace rqc
