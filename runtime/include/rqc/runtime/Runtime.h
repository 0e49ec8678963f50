// librqc_runtime in one include: load a compiled package and run it.
#pragma once

#include "rqc/runtime/DLPack.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/MemoryPlan.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/Tensor.h"
