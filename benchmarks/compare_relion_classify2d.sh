#!/usr/bin/env bash
# thon classify2d vs relion_refine (2D) on the same synthetic particles: matched work.
#
# Makes N particles (box 64, 3 Å/px, K = 10 classes of Gaussian blobs, random psi, origins up to
# 2 px, CTF with defocus 0.8-2 um, white noise at SNR 0.05; benchmarks/tools/make_classify2d_data),
# then runs both programs with K 10, psi step 10 deg, offset range 5 step 1 px, CTF, tau2_fudge 2,
# particle diameter 170 Å, padding 1, no oversampling, 2 threads, for ITER iterations, and reports
# seconds per iteration, CPU time, peak memory (/usr/bin/time -v) and the adjusted Rand index of
# the last iteration's classes against the truth.
#
#   benchmarks/compare_relion_classify2d.sh [work_dir]
#   env: THON (default build/cpu-release/thon), GEN (make_classify2d_data), N (default 5000),
#        ITER (default 5), THREADS (default 2), RELION_ITER (default ITER)
#        THON_COMPARE_ROWS: append one tab-separated row per program to this file
#        (benchmarks/compare_all.sh): wall and CPU seconds of the whole run, peak MiB, ARI
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
THON=${THON:-$here/build/cpu-release/thon}
GEN=${GEN:-$here/build/cpu-release/benchmarks/make_classify2d_data}
N=${N:-5000}
ITER=${ITER:-5}
RELION_ITER=${RELION_ITER:-$ITER}
THREADS=${THREADS:-2}
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
export THON_FFTW_PLANNER=${THON_FFTW_PLANNER:-estimate}

[ -f particles.star ] || "$GEN" . 64 "$N" 10 0.05 2.0 3
mkdir -p thon relion
echo "load before: $(uptime)"

/usr/bin/time -v "$THON" classify2d --i particles.star --o thon/run --k 10 --iter "$ITER" --psi-step 10 \
  --offset-range 5 --offset-step 1 --ctf --tau2-fudge 2 --diameter 170 --threads "$THREADS" --no-progress \
  > thon/log.txt 2> thon/time.txt
echo "load after thon: $(uptime)"
if command -v relion_refine > /dev/null; then
  /usr/bin/time -v relion_refine --i particles.star --o relion/run --K 10 --iter "$RELION_ITER" --tau2_fudge 2 \
    --particle_diameter 170 --psi_step 10 --offset_range 5 --offset_step 1 --ctf --oversampling 0 --pad 1 \
    --j "$THREADS" --zero_mask --flatten_solvent --dont_combine_weights_via_disc --pool 100 --random_seed 1 \
    > relion/log.txt 2> relion/time.txt
  echo "load after relion: $(uptime)"
fi

/usr/bin/python3 - "$ITER" "$RELION_ITER" <<'PYEOF'
import os, re, sys
it_thon, it_rel = int(sys.argv[1]), int(sys.argv[2])

def star_rows(path, block):
    cols, rows, inblock, inloop = [], [], False, False
    for line in open(path):
        s = line.strip()
        if s.startswith('data_'):
            inblock = s == 'data_' + block
            inloop = False
            continue
        if not inblock or not s or s.startswith('#'):
            continue
        if s.startswith('loop_'):
            inloop = True
            continue
        if s.startswith('_'):
            cols.append(s.split()[0][1:])
            continue
        if inloop:
            rows.append(s.split())
    return cols, rows

def classes(path):
    cols, rows = star_rows(path, 'particles')
    i_name, i_cls = cols.index('rlnImageName'), cols.index('rlnClassNumber')
    return {r[i_name]: int(r[i_cls]) for r in rows}

def ari(a, b):
    from collections import Counter
    c2 = lambda x: x * (x - 1) / 2
    n = len(a)
    sij = sum(c2(v) for v in Counter(zip(a, b)).values())
    sa = sum(c2(v) for v in Counter(a).values())
    sb = sum(c2(v) for v in Counter(b).values())
    e = sa * sb / c2(n)
    return (sij - e) / (0.5 * (sa + sb) - e)

truth = [int(l.split()[0]) for l in open('truth.txt')]
names = ['%06d@particles.mrcs' % (i + 1) for i in range(len(truth))]

def timefile(path):
    t = open(path).read()
    g = lambda k: re.search(k + r'.*: ([\d.:]+)\s*$', t, re.M).group(1)
    wall = g('Elapsed \\(wall clock\\) time')
    parts = [float(x) for x in wall.split(':')]
    wall_s = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return wall_s, float(g('User time')) + float(g('System time')), int(g('Maximum resident set size')) / 1024

res = {}
# thon: seconds per iteration from its log lines
secs = [float(m.group(1)) for m in re.finditer(r', ([\d.]+) s, GEMM', open('thon/log.txt').read())]
gf = [float(m.group(1)) for m in re.finditer(r'GEMM ([\d.]+) GFLOP/s', open('thon/log.txt').read())]
w, cpu, mem = timefile('thon/time.txt')
c = classes('thon/run_it%03d_data.star' % it_thon)
res['thon'] = (sum(secs) / len(secs), cpu / it_thon, w, mem, ari(truth, [c[nm] for nm in names]), sum(gf) / len(gf))
if os.path.exists('relion/time.txt') and os.path.exists('relion/run_it%03d_data.star' % it_rel):
    mt = [os.path.getmtime('relion/run_it%03d_model.star' % i) for i in range(0, it_rel + 1)]
    per = [b - a for a, b in zip(mt, mt[1:])]
    w, cpu, mem = timefile('relion/time.txt')
    c = classes('relion/run_it%03d_data.star' % it_rel)
    res['relion_refine'] = (sum(per) / len(per), cpu / it_rel, w, mem, ari(truth, [c[nm] for nm in names]), 0)
print('| program | s/iteration (wall) | CPU s/iteration | total wall s | peak RSS MiB | ARI | GEMM GFLOP/s |')
print('|---|---|---|---|---|---|---|')
for k, v in res.items():
    print('| %s | %.1f | %.1f | %.0f | %.0f | %.3f | %s |' % (k, v[0], v[1], v[2], v[3], v[4], ('%.1f' % v[5]) if v[5] else '-'))
rows = os.environ.get('THON_COMPARE_ROWS')
if rows:
    its = {'thon': it_thon, 'relion_refine': it_rel}
    with open(rows, 'a') as f:
        for k, v in res.items():
            f.write('classify2d\t%s\t%d\t64\t%.2f\t%.2f\t%.0f\tARI to the true classes (iteration %d)\t%.3f\n' % (
                'thon' if k == 'thon' else 'relion', len(truth), v[2], v[1] * its[k], v[3], its[k], v[4]))
if 'relion_refine' in res:
    print('speed-up per iteration (wall): %.1fx; CPU time: %.1fx' % (res['relion_refine'][0] / res['thon'][0],
                                                                 res['relion_refine'][1] / res['thon'][1]))
PYEOF
