#!/usr/bin/env bash
# thon project vs relion_project on the same map and the same 1000 poses (linear interpolation,
# padding 2, no CTF): wall time of each, and the ratio. thon runs on the CPU backend with 2 OpenMP
# threads, RELION as its one (serial) process, as issue 4 asks.
#   benchmarks/compare_relion_project.sh [build_dir] [box] [n_poses] [repeats]
# Needs: relion_project on PATH, /usr/bin/python3 with numpy and mrcfile (to write the phantom map).
# With THON_COMPARE_ROWS set, appends one tab-separated row per program and run to that file
# (benchmarks/compare_all.sh: comparison, program, n, box, wall s, CPU s, peak MiB, quality, value).
set -euo pipefail
build=${1:-build/cpu-release}
box=${2:-128}
count=${3:-1000}
repeats=${4:-3}
thon=$(realpath "$build/thon")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A phantom map: 12 Gaussian blobs in a box of $box voxels of 1.5 Å.
/usr/bin/python3 - "$box" <<'PY'
import sys, numpy as np, mrcfile
n = int(sys.argv[1]); c = n // 2
rng = np.random.default_rng(1)
z, y, x = np.mgrid[0:n, 0:n, 0:n].astype(np.float32)
v = np.zeros((n, n, n), np.float32)
for _ in range(12):
    p = rng.uniform(-1, 1, 3) * n / 5; s = rng.uniform(2, 4) * n / 64; a = rng.uniform(0.5, 1.5)
    v += a * np.exp(-((x - c - p[0])**2 + (y - c - p[1])**2 + (z - c - p[2])**2) / (2 * s * s))
with mrcfile.new('map.mrc', overwrite=True) as m:
    m.set_data(v); m.voxel_size = 1.5
PY

# The poses: thon's uniform random sample, written as a RELION 3.1 STAR file.
OMP_NUM_THREADS=2 "$thon" project --map map.mrc --n "$count" --seed 1 --quiet --o poses >/dev/null

# Wall time and CPU time (user + sys) of each; CPU time is the fairer number on a shared machine.
# The two programs alternate, $repeats times, so both see the same load.
printf 'box %d, %d poses, linear, pad 2, thon %s\n' "$box" "$count" "$(git -C "$OLDPWD" rev-parse --short HEAD 2>/dev/null || echo '?')"
rows=()
for run in $(seq 1 "$repeats"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %U %S %M" -o relion.time relion_project --i map.mrc --ang poses.star --o relion >relion.log 2>&1
  OMP_NUM_THREADS=2 /usr/bin/time -f "%e %U %S %M" -o thon.time "$thon" project --map map.mrc \
    --star poses.star --interp linear --pad 2 --device cpu --quiet --o thon >thon.log
  read -r relion_s relion_u relion_y relion_kb <relion.time
  read -r thon_s thon_u thon_y thon_kb <thon.time
  relion_cpu=$(echo "$relion_u + $relion_y" | bc -l)
  thon_cpu=$(echo "$thon_u + $thon_y" | bc -l)
  printf 'run %d (load average %s)\n' "$run" "$load"
  printf '  relion_project (1 process):    wall %7.2f s (%6.0f images/s), CPU %6.2f s\n' "$relion_s" "$(echo "$count / $relion_s" | bc -l)" "$relion_cpu"
  printf '  thon project (cpu, 2 threads): wall %7.2f s (%6.0f images/s), CPU %6.2f s\n' "$thon_s" "$(echo "$count / $thon_s" | bc -l)" "$thon_cpu"
  printf '  speed-up thon / relion: wall %.2fx, CPU time %.2fx\n' "$(echo "$relion_s / $thon_s" | bc -l)" "$(echo "$relion_cpu / $thon_cpu" | bc -l)"
  rows+=("$(printf 'project\trelion\t%d\t%d\t%s\t%s\t%d' "$count" "$box" "$relion_s" "$relion_cpu" $((relion_kb / 1024)))")
  rows+=("$(printf 'project\tthon\t%d\t%d\t%s\t%s\t%d' "$count" "$box" "$thon_s" "$thon_cpu" $((thon_kb / 1024)))")
done
# Agreement, as in tests/peer/relion_project_test.cpp.
agreement=$(/usr/bin/python3 - <<'PY'
import numpy as np, mrcfile
r = mrcfile.open('relion.mrcs').data.astype(np.float64)
t = mrcfile.open('thon.mrcs').data.astype(np.float64)
l2 = np.linalg.norm((t - r).reshape(len(r), -1), axis=1) / np.linalg.norm(r.reshape(len(r), -1), axis=1)
print('%.2e %.2e' % (l2.max(), l2.mean()))
PY
)
read -r l2_max l2_mean <<<"$agreement"
printf 'agreement: per-image rel L2 max %s mean %s\n' "$l2_max" "$l2_mean"
if [ -n "${THON_COMPARE_ROWS:-}" ]; then
  for row in "${rows[@]}"; do
    printf '%s\tper-image rel L2 thon vs relion (max)\t%s\n' "$row" "$l2_max" >>"$THON_COMPARE_ROWS"
  done
fi
