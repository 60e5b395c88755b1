#!/usr/bin/env bash
# thon multislice (CPU backend, benchmarks/bm_multislice) beside abTEM (numpy FFT backend) on the same
# atoms (the built-in helix bundle, ~2600 atoms), field, 1 Å pixels and 2 Å slices through 500 Å,
# run interleaved in one go. abTEM computes all 250 slices of its vacuum specimen (potential + 2
# FFTs each); thon is timed with constant ice (the ~40 slabs the protein reaches in full, the others
# in one propagator pass) and with random ice (every slab in full, 5 FFTs each).
# Usage: benchmarks/compare_abtem_multislice.sh [BUILD_DIR] [FIELD]   (defaults build/cpu-release, 512)
# Needs scripts/peers-python (abTEM in build/peers-venv). Prints wall and CPU seconds and the load.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/cpu-release}"
field="${2:-512}"
python="${THON_PEER_PYTHON:-build/peers-venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/thon" simulate --write-builtin-model "$work/model.pdb" >/dev/null
# abTEM's frame: the centre of mass at the field centre (pixel n/2) and 250 Å below the entrance.
/usr/bin/python3 - "$work/model.pdb" "$field" >"$work/atoms.txt" <<'PY'
import sys
z_of = {"H": 1, "C": 6, "N": 7, "O": 8, "S": 16, "P": 15}
rows = []
for line in open(sys.argv[1]):
    if line.startswith(("ATOM", "HETATM")):
        el = line[76:78].strip() or line[12:16].strip()[0]
        rows.append((z_of[el], float(line[30:38]), float(line[38:46]), float(line[46:54])))
n = int(sys.argv[2])
c = [sum(r[i] for r in rows) / len(rows) for i in (1, 2, 3)]
for z, x, y, w in rows:
    print(z, x - c[0] + n // 2, y - c[1] + n // 2, w - c[2] + 250.0)
PY
echo "machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ); commit $(git rev-parse --short HEAD)"
run() {  # label command...: wall and CPU seconds (user + sys of all threads) and the load
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/time" "$@" >"$work/out" 2>&1
  t1=$(date +%s.%N)
  read -r u s <"$work/time"
  printf "%-34s wall %7.2f s  cpu %7.2f s  load %s\n" "$label" "$(echo "$t1 - $t0" | bc)" "$(echo "$u + $s" | bc)" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}
export THON_FFTW_PLANNER=measure
label="thon cpu, constant ice" run "$build/benchmarks/bm_multislice" --benchmark_filter="BM_Multislice/$field/0" --benchmark_min_time=0.01
grep -h "BM_" "$work/out" || true
label="abtem numpy, vacuum (250 slices)" run "$python" tests/peer/abtem_exit_wave.py "$work/atoms.txt" "$field" 500 "$field" 2 300 lobato infinite "$work/psi.c64" --warmup
grep -h "abtem" "$work/out" || true
label="thon cpu, random ice" run "$build/benchmarks/bm_multislice" --benchmark_filter="BM_Multislice/$field/1" --benchmark_min_time=0.01
grep -h "BM_" "$work/out" || true
