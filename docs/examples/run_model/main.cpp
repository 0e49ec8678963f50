// run_model MODEL.rqc: loads a compiled model with librqc_runtime, runs it on zero
// inputs passed as DLPack tensors, and prints the shape of every output.
#include <rqc/runtime/Runtime.h>

#include <iostream>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: run_model MODEL.rqc\n";
    return 2;
  }
  try {
    std::shared_ptr<const rqc::Module> module = rqc::Module::load(argv[1]);
    rqc::Executor executor(module, {/*numThreads=*/1});
    std::cout << "memory: arena " << executor.memoryStats().arenaBytes << " bytes ("
              << executor.memoryStats().naiveArenaBytes << " without reuse)\n";

    // Zero inputs, in the application's own memory, described as DLPack tensors.
    std::vector<std::vector<char>> storage;
    for (size_t i = 0; i < module->inputs().size(); ++i) {
      const rqc::TensorSpec &spec = module->inputs()[i];
      storage.emplace_back(spec.nbytes(), 0);
      DLTensor input{};
      input.data = storage.back().data();
      input.device = {kDLCPU, 0};
      input.ndim = static_cast<int>(spec.shape.size());
      input.dtype = rqc::toDLDataType(spec.dtype);
      input.shape = const_cast<int64_t *>(spec.shape.data());
      executor.setInput(i, input);
    }
    executor.run();

    for (size_t i = 0; i < executor.numOutputs(); ++i) {
      DLTensor output = executor.outputView(i);
      std::cout << "output " << module->outputs()[i].name << ": " << rqc::describeDLDataType(output.dtype) << " [";
      for (int d = 0; d < output.ndim; ++d) std::cout << (d ? ", " : "") << output.shape[d];
      std::cout << "]\n";
    }
  } catch (const rqc::Error &e) {
    std::cerr << "run_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
