#!/usr/bin/env bash
# The nightly tuning job over the model zoo (docs/tuning.md, "Nightly jobs").
#
#   scripts/nightly_tune.sh tune  --shard I/N [--trials T] [--models "resnet18 mobilenet_v1"] [--out DIR]
#                                 [--target T] [--runner R]
#   scripts/nightly_tune.sh merge [--out DIR] [--threshold PCT] [--device TEXT] [--candidate NAME]
#
# Over a farm of boards (docs/boards.md): every shard passes --runner broker://HOST:6379?key=K
# (and the boards' --target), so each shard's candidates are measured by all the key's
# agents; merge then takes --device "the boards' description" (default: this machine's CPU)
# and --candidate (default x86_candidate.log).
#
# tune: shard I of N of every model's tasks (rqc tune --tasks I/N) into
#   DIR/MODEL.shardI.log. Each shard has its own log (two shards never write one file); a
#   rerun the same night resumes it. Run one shard per machine or board, from cron or a
#   systemd timer, all with the same N.
# merge: once every shard is done, merges the shard logs into DIR/x86_candidate.log (the
#   best record per workload of tonight's measurements only: old records were measured by
#   an older rqc; headed by the device fingerprint and the tune commands), then
#   `rqc tophub diff CURRENT CANDIDATE` exits non-zero when a workload got slower than
#   --threshold percent or is missing tonight: the candidate is promoted to the next
#   tophub/x86_vX.log by hand (a new file, because records of a changed knob space must not
#   be reinterpreted).
# Environment: RQC (default build/compiler/driver/rqc), TOPHUB (default tophub/x86_v0.01.log).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
shift || true
shard="" trials=300 models="resnet18 mobilenet_v1" out="nightly/$(date +%F)" threshold=5
target="" runner="" device="" candidate_name=x86_candidate.log
while [ $# -gt 0 ]; do
  case "$1" in
    --shard) shard=$2; shift 2 ;;
    --trials) trials=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --threshold) threshold=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --runner) runner=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --candidate) candidate_name=$2; shift 2 ;;
    *) echo "nightly_tune.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
rqc=${RQC:-build/compiler/driver/rqc}
tophub=${TOPHUB:-tophub/x86_v0.01.log}
[ -x "$rqc" ] || { echo "nightly_tune.sh: $rqc is not built (scripts/setup.sh)" >&2; exit 2; }
mkdir -p "$out"

case "$mode" in
  tune)
    [[ "$shard" =~ ^[0-9]+/[0-9]+$ ]] || { echo "nightly_tune.sh: tune needs --shard I/N" >&2; exit 2; }
    for m in $models; do
      log="$out/$m.shard${shard%/*}.log"
      resume=()
      [ -s "$log" ] && resume=(--resume)
      # Tophub off: the tuner starts from the fallbacks, not from last night's records.
      cmd=("$rqc" tune "models/$m.onnx" --tasks "$shard" --trials "$trials" --tuner xgb
           --early-stopping $((trials / 2)) -o "$log")
      [ -n "$target" ] && cmd+=(--target "$target")
      [ -n "$runner" ] && cmd+=(--runner "$runner")
      echo "${cmd[*]}" > "$log.cmd"
      RQC_TOPHUB_LOCATION=NONE "${cmd[@]}" "${resume[@]}" --json > "$log.summary.json"
    done
    ;;
  merge)
    shopt -s nullglob
    logs=("$out"/*.shard*.log)
    [ ${#logs[@]} -gt 0 ] || { echo "nightly_tune.sh: no shard logs in $out" >&2; exit 2; }
    candidate="$out/$candidate_name"
    [ -n "$device" ] || device="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(uname -sr)"
    comments=(--comment "device: $device"
              --comment "rqc: $("$rqc" --version) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))")
    for c in "$out"/*.shard*.log.cmd; do comments+=(--comment "tuned by: $(cat "$c")"); done
    "$rqc" tophub merge "${logs[@]}" -o "$candidate" "${comments[@]}"
    "$rqc" tophub diff "$tophub" "$candidate" --threshold "$threshold"
    ;;
  *)
    echo "usage: nightly_tune.sh tune --shard I/N [--trials T] [--models LIST] [--out DIR] | merge [--out DIR] [--threshold PCT]" >&2
    exit 2 ;;
esac
