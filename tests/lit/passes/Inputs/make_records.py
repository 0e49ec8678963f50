# Writes records.log for select-schedules.mlir (kept in the repository; rerun after changing it).
import json
args=[["TENSOR",[1,64,56,56],"float32"],["TENSOR",[64,64,3,3],"float32"],[1,1],[1,1,1,1],[1,1],"NCHW","NCHW","float32"]
def rec(entity, index, extra={}, cost=0.0011):
    r={"input":["llvm","conv2d_NCHWc.x86",args,{}],"config":{"index":index,"code_hash":None,"entity":entity},"result":[[cost],0,1.2,1764000000.0],"version":0.2,"tvm_version":"0.8.dev0"}
    r.update(extra); return json.dumps(r)
good=[["tile_ic","sp",[4,16]],["tile_oc","sp",[4,16]],["tile_ow","sp",[8,7]],["unroll_kw","ot",True]]
bad=[["tile_ic","sp",[4,16]],["tile_oc","sp",[4,16]],["tile_ow","sp",[3,19]],["unroll_kw","ot",True]]
lines=["# hand-written records for tests/lit/passes/select-schedules.mlir", '{"input": [', rec(good,179), rec(bad,0,cost=0.0008), rec(good,179,{"space_hash":"0000000000000000"},cost=0.0005)]
open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'records.log'), 'w').write("\n".join(lines)+"\n")

# graph-tuner.log for select-schedules-graph-tuner.mlir: a 3x3 convolution whose fastest
# record writes NCHW32c and a 1x1 convolution after it whose fastest reads NCHW16c.
def conv(kernel, pads, entity, index, cost):
    a=[["TENSOR",[1,64,56,56],"float32"],["TENSOR",[64,64,kernel,kernel],"float32"],[1,1],pads,[1,1],"NCHW","NCHW","float32"]
    return json.dumps({"input":["llvm","conv2d_NCHWc.x86",a,{}],"config":{"index":index,"code_hash":None,"entity":entity},"result":[[cost],0,1.2,1764000000.0],"version":0.2,"tvm_version":"0.8.dev0"})
def blocks(b, last):
    return [["tile_ic","sp",[64//b,b]],["tile_oc","sp",[64//b,b]],["tile_ow","sp",[8,7]],last]
lines=["# hand-written records for tests/lit/passes/select-schedules-graph-tuner.mlir",
       conv(3,[1,1,1,1],blocks(16,["unroll_kw","ot",True]),179,0.0010), conv(3,[1,1,1,1],blocks(32,["unroll_kw","ot",True]),187,0.0009),
       conv(1,[0,0,0,0],blocks(16,["tile_oh","ot",1]),179,0.0010), conv(1,[0,0,0,0],blocks(32,["tile_oh","ot",1]),187,0.0015)]
open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'graph-tuner.log'), 'w').write("\n".join(lines)+"\n")
