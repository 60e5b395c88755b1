#!/usr/bin/env bash
# thon simulate vs relion_project --ctf on the same map, poses and CTF (benchmarks/RESULTS.md,
# "Simulation"). Both write an .mrcs stack and a STAR file from the same inputs: the truth map of a
# thon run (the built-in helix bundle's potential) and that run's STAR file (poses, origins, CTF).
# Noise-free on both sides (relion_project adds no shot noise). Wall time and peak memory from
# /usr/bin/time -v; thon's own time split from its summary line.
#
# Usage: benchmarks/compare_relion_simulate.sh [build_dir] [box] [n ...]
#   defaults: build/cpu-release, box 128, n = 1000 10000
# Environment: THON_DEVICE (default cpu), OMP_NUM_THREADS (thon's threads; relion_project is serial),
#   KEEP=1 keeps the work directory. With THON_COMPARE_ROWS set, appends one tab-separated row per
#   program and n to that file (benchmarks/compare_all.sh), with the mean per-image correlation of
#   the two programs' images as the quality.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/cpu-release}"
box="${2:-128}"
shift $(( $# > 2 ? 2 : $# ))
counts=("$@")
[ ${#counts[@]} -eq 0 ] && counts=(1000 10000)
thon="$PWD/$build/thon"
device="${THON_DEVICE:-cpu}"
[ -x "$thon" ] || { echo "no thon executable at $thon (build first: scripts/build)" >&2; exit 1; }
command -v relion_project >/dev/null || { echo "relion_project not found (scripts/deps --with-peers)" >&2; exit 1; }
export THON_FFTW_PLANNER="${THON_FFTW_PLANNER:-estimate}"

work=$(mktemp -d "${TMPDIR:-/tmp}/thon_cmp_sim.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
cd "$work"
apix=$(python3 -c "print(round(160.0 / $box, 4))")   # a 160 Å box: the built-in bundle fits

field() { grep -E "$1" "$2" | sed 's/.*: //'; }
peak_mb() { echo "$(( $(field 'Maximum resident set size' "$1") / 1024 ))"; }
wall_s() {  # h:mm:ss or m:ss.ss -> seconds
  field 'Elapsed \(wall clock\)' "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'
}
cpu_s() { python3 -c "print($(field 'User time' "$1") + $(field 'System time' "$1"))"; }

printf "machine: %s, %s cores; thon device %s, OMP_NUM_THREADS=%s; box %d at %s Å\n" \
  "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" "$(nproc --all)" "$device" "${OMP_NUM_THREADS:-all}" "$box" "$apix"
printf "%8s  %8s %8s %8s %8s  %6s %6s  %8s %9s\n" n thon_s relion_s thon_cpu relion_cpu ratio cpu_r thon_MB relion_MB
for n in "${counts[@]}"; do
  # Inputs: poses, origins and CTF drawn by thon (astigmatism and shifts exercise every column).
  "$thon" simulate --model builtin --box "$box" --apix "$apix" --n "$n" --no-noise --astig 1000 --max-shift 5 \
    --seed 1 --device "$device" --no-hdf5 --quiet --o "in$n" >/dev/null
  /usr/bin/time -v "$thon" simulate --map "in${n}_truth.mrc" --poses "in$n.star" --no-noise --no-hdf5 --device "$device" \
    --quiet --o "thon$n" >"thon$n.log" 2>"thon$n.time"
  /usr/bin/time -v relion_project --i "in${n}_truth.mrc" --ang "in$n.star" --ctf --o "relion$n" \
    >"relion$n.log" 2>"relion$n.time"
  ts=$(wall_s "thon$n.time"); rs=$(wall_s "relion$n.time"); tc=$(cpu_s "thon$n.time"); rc=$(cpu_s "relion$n.time")
  printf "%8d  %8.2f %8.2f %8.2f %8.2f  %6.2f %6.2f  %8d %9d\n" "$n" "$ts" "$rs" "$tc" "$rc" \
    "$(python3 -c "print($rs / $ts)")" "$(python3 -c "print($rc / $tc)")" "$(peak_mb "thon$n.time")" "$(peak_mb "relion$n.time")"
  grep '^time' "thon$n.log" | sed 's/^/          thon /'
  if [ -n "${THON_COMPARE_ROWS:-}" ]; then
    l2=$(/usr/bin/python3 - "thon$n.mrcs" "relion$n.mrcs" <<'PY'
import sys, numpy as np, mrcfile
t = mrcfile.open(sys.argv[1]).data.astype(np.float64)
r = mrcfile.open(sys.argv[2]).data.astype(np.float64)
# thon's images are in electron counts (dose, contrast inverted as extracted particles), RELION's in
# projected density: compare the pattern, not the scale (Pearson correlation per image).
t = t.reshape(len(t), -1); r = r.reshape(len(r), -1)
t = t - t.mean(axis=1, keepdims=True); r = r - r.mean(axis=1, keepdims=True)
c = (t * r).sum(axis=1) / np.sqrt((t * t).sum(axis=1) * (r * r).sum(axis=1))
print('%.4f' % c.mean())
PY
)
    printf 'simulate\tthon\t%d\t%d\t%s\t%s\t%d\tper-image correlation thon vs relion (mean)\t%s\n' "$n" "$box" "$ts" "$tc" \
      "$(peak_mb "thon$n.time")" "$l2" >>"$THON_COMPARE_ROWS"
    printf 'simulate\trelion\t%d\t%d\t%s\t%s\t%d\tper-image correlation thon vs relion (mean)\t%s\n' "$n" "$box" "$rs" "$rc" \
      "$(peak_mb "relion$n.time")" "$l2" >>"$THON_COMPARE_ROWS"
  fi
  rm -f ./*"$n".mrcs
done
