# lit configuration for rqc's IR tests: `rqc-opt` + FileCheck on .mlir files.
import os
import lit.formats

config.name = "rqc"
config.test_format = lit.formats.ShTest()
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.rqc_binary_dir, "tests", "lit")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py.in", "CMakeLists.txt"]
config.environment["PATH"] = os.pathsep.join(
    [config.rqc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])

# ONNX node-test models (Debian libonnx-testdata) as small compiler inputs.
config.substitutions.append(("%onnx_node", "/usr/share/libonnx-testdata/data/node"))
