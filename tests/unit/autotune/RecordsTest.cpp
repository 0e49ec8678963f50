// Tuning records: TVM's own tophub lines parse (../shared/reference/autotvm.md section 1.1),
// malformed lines are refused with a reason, logs survive a cut last line, and the database
// picks records as AutoTVM's ApplyHistoryBest does.
#include "autotune/Database.h"
#include "autotune/LogTools.h"
#include "autotune/Records.h"
#include "rqc/runtime/Error.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace rqc::autotune;

namespace {

const char *kArmLine =
    R"({"input": ["llvm -device=arm_cpu -model=bcm2837 -mtriple=armv7l-linux-gnueabihf -mattr=+neon", "conv2d_nchw_spatial_pack.arm_cpu", [["TENSOR", [1, 3, 224, 224], "float32"], ["TENSOR", [64, 3, 7, 7], "float32"], [2, 2], [3, 3, 3, 3], [1, 1], "float32"], {}], "config": {"index": 58242, "code_hash": null, "entity": [["tile_co", "sp", [16, 4]], ["tile_oh", "sp", [112, 1]], ["tile_ow", "sp", [28, 4]], ["reorder_0", "re", [0, 1, 2, 3, 4, 5, 6, 9, 7, 8]], ["ann_reduce", "an", ["none", "unroll"]], ["ann_spatial", "an", ["unroll", "none", "vec"]]]}, "result": [[0.0202839052], 0, 1.0239202976226807, 1535933156.928128], "version": 0.2, "tvm_version": "0.7.dev0"})";
const char *kVtaLine =
    R"({"input": ["ext_dev -device=vta -keys=cpu -model=pynq_1x16_i8w8a32_15_15_18_17", "conv2d_packed.vta", [["TENSOR", [1, 1, 208, 208, 1, 16], "int8"], ["TENSOR", [2, 1, 3, 3, 16, 16], "int8"], [1, 1], [1, 1, 1, 1], [1, 1], "NCHW1n16c", "int32"], {}], "config": {"index": 13, "code_hash": null, "entity": [["tile_b", "sp", [1, 1]], ["tile_h", "sp", [1, 16]], ["tile_w", "sp", [1, 16]], ["tile_ci", "sp", [1, 1]], ["tile_co", "sp", [2, 1]], ["oc_nthread", "ot", 2], ["h_nthread", "ot", 1]]}, "result": [[0.0039937316], 0, 8.405554056167603, 1562808175.4555], "version": 0.2, "tvm_version": "0.7.dev0"})";
const char *kMaliLine =
    R"({"input": ["opencl -model=rk3399 -device=mali", "conv2d_nchw_spatial_pack.mali", [["TENSOR", [1, 992, 7, 7], "float32"], ["TENSOR", [128, 992, 1, 1], "float32"], [1, 1], [0, 0, 0, 0], [1, 1], "float32"], {}], "config": {"index": 36225, "code_hash": null, "entity": [["tile_co", "sp", [32, 2, 2]], ["tile_oh", "sp", [1, 7, 1]], ["tile_ow", "sp", [1, 1, 7]], ["reorder_0", "re", [0, 1, 2, 3, 4, 5, 6, 9, 7, 8]], ["ann_reduce", "an", ["unroll", "unroll"]], ["ann_spatial", "an", ["unroll", "unroll", "vec"]]]}, "result": [[0.0012345162650602409], 0, 1.783360242843628, 1538220265.3881273], "version": 0.2, "tvm_version": "0.7.dev0"})";

TuningRecord record(const std::string &target, const std::string &device, double cost, int error = 0) {
  TuningRecord r;
  r.target = target;
  r.task = "conv2d_NCHWc.x86";
  r.args = nlohmann::json::array({nlohmann::json::array({"TENSOR", {1, 64, 56, 56}, "float32"})});
  r.entity = nlohmann::json::array({nlohmann::json::array({"unroll_kw", "ot", cost < 1e-3})});
  r.costs = {cost};
  r.errorNo = error;
  r.device = device;
  return r;
}

std::string tempPath() {
  char name[] = "/tmp/rqc-records-XXXXXX";
  int fd = mkstemp(name);
  close(fd);
  return name;
}

} // namespace

TEST(Records, TvmTophubLinesParse) {
  for (const char *line : {kArmLine, kVtaLine, kMaliLine}) {
    std::optional<TuningRecord> r = parseRecord(line);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->errorNo, 0);
    EXPECT_FALSE(r->costs.empty());
  }
  TuningRecord arm = *parseRecord(kArmLine);
  EXPECT_EQ(arm.task, "conv2d_nchw_spatial_pack.arm_cpu");
  EXPECT_EQ(arm.index, 58242);
  EXPECT_DOUBLE_EQ(arm.meanCost(), 0.0202839052);
  EXPECT_EQ(arm.tvmVersion, "0.7.dev0");
  EXPECT_TRUE(arm.spaceHash.empty());
  // Comments and blank lines are not records.
  EXPECT_FALSE(parseRecord("# arm_cpu ResNet-18"));
  EXPECT_FALSE(parseRecord("   "));
}

TEST(Records, MalformedLinesAreRefusedWithTheReason) {
  auto reason = [](const std::string &line) {
    try {
      parseRecord(line);
    } catch (const rqc::Error &e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(reason(R"({"input": [)").substr(0, 9), "not JSON ");
  EXPECT_EQ(reason("[1, 2]"), "a record must be a JSON object");
  EXPECT_EQ(reason(R"({"i": ["llvm", "topi_nn_conv2d", [], {}], "r": [[1], 0, 1, 1], "v": 0.1})"),
            "log format version 0.1 is not supported (AutoTVM dropped it too)");
  std::string line = kArmLine;
  auto with = [&](const std::string &from, const std::string &to) {
    std::string s = line;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_EQ(reason(with("\"version\": 0.2", "\"version\": 0.3")), "\"version\" must be 0.2");
  EXPECT_EQ(reason(with("\"index\": 58242", "\"index\": -1")), "negative config index");
  EXPECT_EQ(reason(with("0, 1.0239202976226807", "9, 1.0239202976226807")), "error_no 9 is not AutoTVM's (0-8)");
  // Checked before narrowing to int: 2^32 would otherwise read as 0, a successful record.
  EXPECT_EQ(reason(with("0, 1.0239202976226807", "4294967296, 1.0239202976226807")),
            "error_no 4294967296 is not AutoTVM's (0-8)");
  EXPECT_EQ(reason(with("0, 1.0239202976226807", "-1, 1.0239202976226807")), "error_no -1 is not AutoTVM's (0-8)");
  EXPECT_EQ(reason(with("[[0.0202839052]", "[[-1]")), "a cost is negative or not finite");
  EXPECT_EQ(reason(with("{}], \"config\"", "[]], \"config\"")), "\"input\" must be [target, task, args, kwargs]");
}

TEST(Records, FormatAndParseRoundTrip) {
  TuningRecord r = record("llvm -mcpu=znver3", "x86_64/znver3", 1.5e-4);
  r.rqcVersion = "0.1.0";
  r.spaceHash = "0123456789abcdef";
  r.index = 7;
  std::optional<TuningRecord> back = parseRecord(formatRecord(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->target, r.target);
  EXPECT_EQ(back->workloadKey(), r.workloadKey());
  EXPECT_EQ(back->entity, r.entity);
  EXPECT_EQ(back->index, 7);
  EXPECT_EQ(back->costs, r.costs);
  EXPECT_EQ(back->spaceHash, r.spaceHash);
  EXPECT_EQ(back->device, r.device);
  // An error record keeps AutoTVM's (1e9,) costs.
  TuningRecord e = record("llvm", "", 1.0, 4);
  EXPECT_EQ(parseRecord(formatRecord(e))->costs, std::vector<double>{1e9});
}

TEST(Records, LogsSkipBadLinesAndSurviveACutLastLine) {
  std::string path = tempPath();
  {
    std::ofstream f(path);
    f << "# header\n" << kArmLine << "\nnot a record\n" << formatRecord(record("llvm", "", 2e-4)) << "\n"
      << std::string(formatRecord(record("llvm", "", 3e-4))).substr(0, 40); // killed mid-write
  }
  RecordLog log = readRecords(path);
  EXPECT_EQ(log.records.size(), 2u);
  ASSERT_EQ(log.skipped.size(), 2u);
  EXPECT_EQ(log.skipped[0].origin, path + ":3");
  EXPECT_EQ(log.skipped[1].origin, path + ":5");
  EXPECT_EQ(log.skipped[1].reason.substr(0, 20), "truncated last line ");
  EXPECT_EQ(log.records[1].origin, path + ":4");
  // Appending after a cut line starts a new line: the new record stays readable.
  appendRecord(path, record("llvm", "", 4e-4));
  log = readRecords(path);
  EXPECT_EQ(log.records.size(), 3u);
  EXPECT_EQ(log.skipped.size(), 2u);
  std::remove(path.c_str());
  EXPECT_THROW(readRecords("/nonexistent/log"), rqc::Error);
}

TEST(Database, PrefersUserLogsThenDeviceThenModelThenCost) {
  RecordDatabase db;
  RecordLog tophub, user;
  tophub.records = {record("llvm -mcpu=skylake", "", 1e-5),                      // tophub for another CPU: never
                    record("llvm", "", 2e-5)};                                    // fastest usable, but tophub
  user.records = {record("llvm -mcpu=znver3 -model=epyc", "", 3e-4),             // same model
                  record("llvm -mcpu=znver3", "x86_64/znver3", 4e-4),            // same device
                  record("llvm -mcpu=icelake", "", 2e-4),                        // only the key
                  record("opencl -device=mali", "", 1e-6),                       // no shared key: never
                  record("llvm -mcpu=icelake", "", 1e-7, 7)};                    // an error: never
  db.add(tophub, 1);
  db.add(user, 0);
  auto c = db.candidates("llvm -mcpu=znver3 -model=epyc", "x86_64/znver3", "conv2d_NCHWc.x86", user.records[0].args);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_DOUBLE_EQ(c[0]->meanCost(), 4e-4); // this device
  EXPECT_DOUBLE_EQ(c[1]->meanCost(), 3e-4); // this model
  EXPECT_DOUBLE_EQ(c[2]->meanCost(), 2e-4); // the "cpu" key
  EXPECT_DOUBLE_EQ(c[3]->meanCost(), 2e-5); // tophub last
  // A user's log applies whatever its -mcpu; on skylake the skylake tophub record is first
  // among the tophub ones.
  auto sky = db.candidates("llvm -mcpu=skylake", "", "conv2d_NCHWc.x86", user.records[0].args);
  ASSERT_EQ(sky.size(), 5u);
  EXPECT_DOUBLE_EQ(sky[0]->meanCost(), 2e-4);
  EXPECT_DOUBLE_EQ(sky[3]->meanCost(), 1e-5);
  EXPECT_DOUBLE_EQ(sky[4]->meanCost(), 2e-5);
  EXPECT_TRUE(db.candidates("llvm", "", "conv2d_NCHWc.arm_cpu", user.records[0].args).empty());
}

TEST(Database, TargetKeysFollowAutoTvm) {
  EXPECT_EQ(targetKeys("llvm -mcpu=skylake-avx512").keys, (std::vector<std::string>{"cpu"}));
  EXPECT_EQ(targetKeys("llvm -device=arm_cpu -model=rk3399").keys, (std::vector<std::string>{"arm_cpu", "cpu"}));
  EXPECT_EQ(targetKeys("llvm -device=arm_cpu -model=rk3399").model, "rk3399");
  EXPECT_EQ(targetKeys("opencl -model=rk3399 -device=mali").keys, (std::vector<std::string>{"mali", "opencl", "gpu"}));
  EXPECT_EQ(targetKeys("ext_dev -device=vta -keys=cpu -model=pynq").keys, (std::vector<std::string>{"cpu"}));
}

TEST(LogTools, BestMergeAndDiff) {
  std::vector<TuningRecord> a = {record("llvm", "", 3e-4), record("llvm", "", 2e-4), record("llvm", "", 1e-5, 4)};
  std::vector<TuningRecord> best = bestPerWorkload(a);
  ASSERT_EQ(best.size(), 1u);
  EXPECT_DOUBLE_EQ(best[0].meanCost(), 2e-4);
  std::vector<TuningRecord> b = {record("llvm", "", 2.5e-4)};
  std::vector<CostChange> d = diffLogs(a, b);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NEAR(d[0].change(), 0.25, 1e-12); // 25% slower
}

TEST(LogTools, MergeKeepsTheBestRecordOfEachLayout) {
  // conv2d_NCHWc's tile_ic/tile_oc fix its layouts: the merge keeps the best of each block
  // pair (the graph tuner chooses among them), other knobs collapse.
  auto blocked = [](int64_t block, bool unroll, double cost) {
    TuningRecord r = record("llvm", "", cost);
    r.entity = nlohmann::json::array({nlohmann::json::array({"tile_ic", "sp", {64 / block, block}}),
                                      nlohmann::json::array({"tile_oc", "sp", {64 / block, block}}),
                                      nlohmann::json::array({"unroll_kw", "ot", unroll})});
    return r;
  };
  std::vector<TuningRecord> log = {blocked(16, true, 3e-4), blocked(32, true, 2e-4), blocked(16, false, 2.5e-4),
                                   blocked(32, false, 2.2e-4)};
  std::vector<TuningRecord> merged = bestPerWorkloadAndLayout(log);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_DOUBLE_EQ(merged[0].meanCost(), 2.5e-4); // NCHW16c
  EXPECT_DOUBLE_EQ(merged[1].meanCost(), 2e-4);   // NCHW32c
  EXPECT_EQ(bestPerWorkload(log).size(), 1u);
}
