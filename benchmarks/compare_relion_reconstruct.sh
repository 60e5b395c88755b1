#!/usr/bin/env bash
# thon reconstruct vs relion_reconstruct --ctf on the same STAR file and stack.
#
# Makes a 128^3 phantom (300 Gaussian "atoms", sigma 1.2-2 px, pixel 1.5 Å), projects it with
# relion_project --ctf at 10,000 uniform random poses (shifts +-3 Å, defocus 1-2.5 um), adds white
# Gaussian noise (sigma = 2 x the clean rms), then times both programs for N = 1,000 and 10,000
# particles (/usr/bin/time -v: wall time and peak memory) and reports each map's FSC to the truth.
# Peak memory at N = 100,000 is measured with the 10,000 images listed 10 times (thon always; RELION
# too with RELION_BIG=1).
#
#   benchmarks/compare_relion_reconstruct.sh [work_dir]
#   env: THON (default build/cpu-release/thon), N_LIST (default "1000 10000"), BIG (default 100000, 0 = skip)
#   THON_COMPARE_ROWS: append one tab-separated row per program and N to this file (benchmarks/compare_all.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
THON=${THON:-$here/build/cpu-release/thon}
N_LIST=${N_LIST:-"1000 10000"}
BIG=${BIG:-100000}
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
PY=/usr/bin/python3
export THON_FFTW_PLANNER=${THON_FFTW_PLANNER:-estimate}  # as RELION plans its FFTs

if [ ! -f proj.mrcs ]; then
  $PY - <<'PYEOF'
import numpy as np, mrcfile, math
rng = np.random.default_rng(7)
n, p = 128, 1.5
z, y, x = np.mgrid[0:n, 0:n, 0:n].astype(np.float32) - n // 2
v = np.zeros((n, n, n), np.float32)
for _ in range(300):
    while True:
        c = rng.uniform(-1, 1, 3)
        if c @ c <= 1: break
    c *= 36
    s = rng.uniform(1.2, 2.0)
    sl = tuple(slice(max(0, int(ci + n // 2 - 5 * s)), min(n, int(ci + n // 2 + 5 * s) + 1)) for ci in (c[2], c[1], c[0]))
    d2 = (x[sl] - c[0]) ** 2 + (y[sl] - c[1]) ** 2 + (z[sl] - c[2]) ** 2
    v[sl] += rng.uniform(0.5, 1.5) * np.exp(-d2 / (2 * s * s))
with mrcfile.new('truth.mrc', overwrite=True) as m:
    m.set_data(v); m.voxel_size = p
with open('poses.star', 'w') as f:
    f.write('\ndata_optics\n\nloop_\n_rlnOpticsGroup #1\n_rlnOpticsGroupName #2\n_rlnAmplitudeContrast #3\n'
            '_rlnSphericalAberration #4\n_rlnVoltage #5\n_rlnImagePixelSize #6\n_rlnImageSize #7\n'
            '_rlnImageDimensionality #8\n1 opticsGroup1 0.1 2.7 300 %g %d 2\n\n' % (p, n))
    f.write('data_particles\n\nloop_\n_rlnAngleRot #1\n_rlnAngleTilt #2\n_rlnAnglePsi #3\n_rlnOriginXAngst #4\n'
            '_rlnOriginYAngst #5\n_rlnDefocusU #6\n_rlnDefocusV #7\n_rlnDefocusAngle #8\n_rlnOpticsGroup #9\n'
            '_rlnImageName #10\n')
    for i in range(10000):
        du = rng.uniform(10000, 25000)
        f.write('%.4f %.4f %.4f %.3f %.3f %.1f %.1f %.2f 1 %d@dummy.mrcs\n' % (
            rng.uniform(0, 360), math.degrees(math.acos(rng.uniform(-1, 1))), rng.uniform(0, 360),
            rng.uniform(-3, 3), rng.uniform(-3, 3), du, du - rng.uniform(0, 500), rng.uniform(0, 180), i + 1))
PYEOF
  echo "relion_project: 10,000 images of 128^2 ..." >&2
  relion_project --i truth.mrc --ang poses.star --ctf --angpix 1.5 --o proj > relion_project.log 2>&1
  $PY - <<'PYEOF'
import numpy as np, mrcfile
with mrcfile.open('proj.mrcs', mode='r+') as m:
    d = m.data
    rms = float(d.std())
    rng = np.random.default_rng(11)
    for i in range(d.shape[0]):
        d[i] += rng.normal(0, 2 * rms, d.shape[1:]).astype(np.float32)
    m.voxel_size = 1.5
PYEOF
fi

# proj_N.star: the first N particles; N > 10000 repeats the list.
make_star() {
  $PY - "$1" <<'PYEOF'
import sys
n = int(sys.argv[1])
lines = open('proj.star').read().split('\n')
start = max(i for i, l in enumerate(lines) if l.startswith('_rln')) + 1
header, rows = lines[:start], [l for l in lines[start:] if l.strip()]
out = header + [rows[i % len(rows)] for i in range(n)]
open('proj_%d.star' % n, 'w').write('\n'.join(out) + '\n')
PYEOF
}

measure() {  # label, command...; prints "wall_s max_rss_MiB user+sys_s"
  local log=$1.time
  shift
  /usr/bin/time -v "$@" > "$log.out" 2> "$log" || { cat "$log" >&2; exit 1; }
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep "Maximum resident set size" "$log" | awk '{print int($NF/1024)}')
  cpu=$(awk -F: '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$log")
  echo "$wall $rss $cpu"
}

fsc_to_truth() {  # map -> "FSC(shell 16) FSC(32) FSC(48) mean FSC to 0.8 Nyquist"
  "$THON" fsc --a "$1" --b truth.mrc --o "$1.fsc.star" > /dev/null
  $PY - "$1.fsc.star" <<'PYEOF'
import sys
v = [float(l.split()[3]) for l in open(sys.argv[1]) if len(l.split()) == 4 and l.split()[0].isdigit()]
print('%.4f %.4f %.4f %.4f' % (v[16], v[32], v[48], sum(v[1:52]) / 51))
PYEOF
}

echo "| N | program | wall s | user + sys CPU s | peak MiB | FSC to truth at 12 Å / 6 Å / 4 Å | mean FSC to 0.8 Nyquist |"
echo "|---|---|---|---|---|---|---|"
for n in $N_LIST; do
  make_star "$n"
  read -r tw tm tc < <(measure thon_$n "$THON" reconstruct --quiet --i proj_$n.star --o thon_$n.mrc)
  read -r f1 f2 f3 fm < <(fsc_to_truth thon_$n.mrc)
  echo "| $n | thon reconstruct (cpu) | $tw | $tc | $tm | $f1 / $f2 / $f3 | $fm |"
  [ -z "${THON_COMPARE_ROWS:-}" ] || printf 'reconstruct\tthon\t%d\t128\t%s\t%s\t%d\tmean FSC to truth to 0.8 Nyquist\t%s\n' \
    "$n" "$tw" "$tc" "$tm" "$fm" >>"$THON_COMPARE_ROWS"
  read -r rw rm rc < <(measure relion_$n relion_reconstruct --i proj_$n.star --o relion_$n.mrc --ctf --angpix 1.5)
  read -r f1 f2 f3 fm < <(fsc_to_truth relion_$n.mrc)
  echo "| $n | relion_reconstruct --ctf | $rw | $rc | $rm | $f1 / $f2 / $f3 | $fm |"
  [ -z "${THON_COMPARE_ROWS:-}" ] || printf 'reconstruct\trelion\t%d\t128\t%s\t%s\t%d\tmean FSC to truth to 0.8 Nyquist\t%s\n' \
    "$n" "$rw" "$rc" "$rm" "$fm" >>"$THON_COMPARE_ROWS"
done
if [ "$BIG" != "0" ]; then
  make_star "$BIG"
  read -r tw tm tc < <(measure thon_$BIG "$THON" reconstruct --quiet --i proj_$BIG.star --o thon_$BIG.mrc)
  echo "| $BIG (10,000 x 10) | thon reconstruct (cpu) | $tw | $tc | $tm | - | - |"
  if [ "${RELION_BIG:-0}" = "1" ]; then
    read -r rw rm rc < <(measure relion_$BIG relion_reconstruct --i proj_$BIG.star --o relion_$BIG.mrc --ctf --angpix 1.5)
    echo "| $BIG (10,000 x 10) | relion_reconstruct --ctf | $rw | $rc | $rm | - | - |"
  fi
fi
