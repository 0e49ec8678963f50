#include "rqc/vta/Config.h"

#include "rqc/runtime/Error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <vector>

namespace rqc::vta {
namespace {

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

unsigned parseUnsigned(const std::string &text, const std::string &model) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw Error("malformed VTA model string '" + model + "': '" + text + "' is not a number");
  return static_cast<unsigned>(std::stoul(text));
}

// log2 of a power of two, or an error naming what was not one.
unsigned log2Exact(unsigned value, const char *what, const std::string &model) {
  unsigned log = 0;
  while ((1u << log) < value && log < 31)
    ++log;
  if (value == 0 || (1u << log) != value)
    throw Error("malformed VTA model string '" + model + "': " + what + " " + std::to_string(value) +
                " is not a power of two");
  return log;
}

} // namespace

VtaConfig VtaConfig::pynq() { return VtaConfig{}; }

VtaConfig VtaConfig::fromModelString(const std::string &model) {
  // Read from the right: the target name may itself contain '_'.
  std::vector<std::string> parts = split(model, '_');
  if (parts.size() < 7)
    throw Error("malformed VTA model string '" + model +
                "' (expected e.g. pynq_1x16_i8w8a32_15_15_18_17)");
  size_t n = parts.size();
  VtaConfig c;
  c.target = parts[0];
  for (size_t i = 1; i + 6 < n; ++i)
    c.target += "_" + parts[i];

  const std::string &shape = parts[n - 6]; // "1x16"
  size_t x = shape.find('x');
  if (x == std::string::npos)
    throw Error("malformed VTA model string '" + model + "': expected <batch>x<block>, got '" + shape + "'");
  c.logBatch = log2Exact(parseUnsigned(shape.substr(0, x), model), "batch", model);
  c.logBlockIn = c.logBlockOut = log2Exact(parseUnsigned(shape.substr(x + 1), model), "block", model);

  const std::string &widths = parts[n - 5]; // "i8w8a32"
  size_t w = widths.find('w'), a = widths.find('a');
  if (widths.empty() || widths[0] != 'i' || w == std::string::npos || a == std::string::npos || !(w < a))
    throw Error("malformed VTA model string '" + model + "': expected i<bits>w<bits>a<bits>, got '" +
                widths + "'");
  c.logInpWidth = log2Exact(parseUnsigned(widths.substr(1, w - 1), model), "input width", model);
  c.logWgtWidth = log2Exact(parseUnsigned(widths.substr(w + 1, a - w - 1), model), "weight width", model);
  c.logAccWidth = log2Exact(parseUnsigned(widths.substr(a + 1), model), "accumulator width", model);

  c.logUopBuffSize = parseUnsigned(parts[n - 4], model);
  c.logInpBuffSize = parseUnsigned(parts[n - 3], model);
  c.logWgtBuffSize = parseUnsigned(parts[n - 2], model);
  c.logAccBuffSize = parseUnsigned(parts[n - 1], model);
  c.validate();
  return c;
}

VtaConfig VtaConfig::fromJsonText(const std::string &text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception &e) {
    throw Error(std::string("malformed VTA configuration JSON: ") + e.what());
  }
  if (!j.is_object())
    throw Error("malformed VTA configuration JSON: expected an object");
  VtaConfig c;
  auto getUnsigned = [&](const char *key, unsigned &out, bool required) {
    if (!j.contains(key)) {
      if (required)
        throw Error(std::string("VTA configuration JSON lacks the key ") + key);
      return;
    }
    if (!j[key].is_number_unsigned())
      throw Error(std::string("VTA configuration JSON: ") + key + " must be a non-negative integer");
    out = j[key].get<unsigned>();
  };
  if (j.contains("TARGET")) {
    if (!j["TARGET"].is_string())
      throw Error("VTA configuration JSON: TARGET must be a string");
    c.target = j["TARGET"].get<std::string>();
  }
  getUnsigned("LOG_INP_WIDTH", c.logInpWidth, true);
  getUnsigned("LOG_WGT_WIDTH", c.logWgtWidth, true);
  getUnsigned("LOG_ACC_WIDTH", c.logAccWidth, true);
  getUnsigned("LOG_BATCH", c.logBatch, true);
  if (j.contains("LOG_BLOCK")) {
    getUnsigned("LOG_BLOCK", c.logBlockIn, true);
    c.logBlockOut = c.logBlockIn;
  } else {
    getUnsigned("LOG_BLOCK_IN", c.logBlockIn, true);
    getUnsigned("LOG_BLOCK_OUT", c.logBlockOut, true);
  }
  getUnsigned("LOG_UOP_BUFF_SIZE", c.logUopBuffSize, true);
  getUnsigned("LOG_INP_BUFF_SIZE", c.logInpBuffSize, true);
  getUnsigned("LOG_WGT_BUFF_SIZE", c.logWgtBuffSize, true);
  getUnsigned("LOG_ACC_BUFF_SIZE", c.logAccBuffSize, true);
  getUnsigned("LOG_BUS_WIDTH", c.logBusWidth, false);
  if (j.contains("CLOCK_MHZ")) {
    if (!j["CLOCK_MHZ"].is_number() || j["CLOCK_MHZ"].get<double>() <= 0)
      throw Error("VTA configuration JSON: CLOCK_MHZ must be a positive number");
    c.clockMHz = j["CLOCK_MHZ"].get<double>();
  }
  c.validate();
  return c;
}

VtaConfig VtaConfig::fromSpec(const std::string &spec) {
  const std::string suffix = ".json";
  if (spec.size() >= suffix.size() && spec.compare(spec.size() - suffix.size(), suffix.size(), suffix) == 0) {
    std::ifstream in(spec);
    if (!in)
      throw Error("cannot open VTA configuration file " + spec);
    std::stringstream ss;
    ss << in.rdbuf();
    return fromJsonText(ss.str());
  }
  return fromModelString(spec);
}

void VtaConfig::validate() const {
  auto fail = [&](const std::string &why) { throw Error("invalid VTA configuration " + modelString() + ": " + why); };
  if (logInpWidth > 5 || logWgtWidth > 5 || logAccWidth > 5)
    fail("data widths above 32 bits are not supported");
  if (logBatch > 8 || logBlockIn > 8 || logBlockOut > 8)
    fail("batch and block must be at most 256");
  if (logUopBuffSize > 24 || logInpBuffSize > 24 || logWgtBuffSize > 24 || logAccBuffSize > 24)
    fail("buffers above 16 MiB are not supported");
  if (logBusWidth < 3 || logBusWidth > 10)
    fail("the bus width must be between 8 and 1024 bits");
  if (logAccWidth < logOutWidth())
    fail("the accumulator must be at least as wide as the output");
  if (inpBits() * batch() * blockIn() % 8 != 0 || wgtBits() * blockIn() * blockOut() % 8 != 0 ||
      accBits() * batch() * blockOut() % 8 != 0)
    fail("buffer elements must be whole bytes");
  // Each buffer must hold at least two elements (an index field of >= 1 bit).
  auto depthBits = [](int buffLog, int elemBitsLog) { return buffLog + 3 - elemBitsLog; };
  if (logUopBuffSize < 3 ||
      depthBits(int(logInpBuffSize), int(logBatch + logBlockIn + logInpWidth)) < 1 ||
      depthBits(int(logWgtBuffSize), int(logBlockOut + logBlockIn + logWgtWidth)) < 1 ||
      depthBits(int(logAccBuffSize), int(logBatch + logBlockOut + logAccWidth)) < 1)
    fail("a buffer is smaller than two elements");
  // The micro-op is a 32-bit word: dst (acc index), src (max of acc/inp index), wgt index.
  unsigned srcBits = logAccDepth() > logInpDepth() ? logAccDepth() : logInpDepth();
  if (logAccDepth() + srcBits + logWgtDepth() > 32)
    fail("the micro-op fields (" + std::to_string(logAccDepth()) + "+" + std::to_string(srcBits) + "+" +
         std::to_string(logWgtDepth()) + " bits) do not fit in 32 bits");
}

std::string VtaConfig::modelString() const {
  std::ostringstream s;
  s << target << "_" << batch() << "x" << blockIn();
  if (logBlockIn != logBlockOut)
    s << "x" << blockOut(); // not a standard model string; only for messages
  s << "_i" << inpBits() << "w" << wgtBits() << "a" << accBits() << "_" << logUopBuffSize << "_"
    << logInpBuffSize << "_" << logWgtBuffSize << "_" << logAccBuffSize;
  return s.str();
}

bool operator==(const VtaConfig &a, const VtaConfig &b) {
  return a.target == b.target && a.logInpWidth == b.logInpWidth && a.logWgtWidth == b.logWgtWidth &&
         a.logAccWidth == b.logAccWidth && a.logBatch == b.logBatch && a.logBlockIn == b.logBlockIn &&
         a.logBlockOut == b.logBlockOut && a.logUopBuffSize == b.logUopBuffSize &&
         a.logInpBuffSize == b.logInpBuffSize && a.logWgtBuffSize == b.logWgtBuffSize &&
         a.logAccBuffSize == b.logAccBuffSize && a.logBusWidth == b.logBusWidth && a.clockMHz == b.clockMHz;
}

} // namespace rqc::vta
