#!/usr/bin/env bash
# Every comparison of thon with its peer program, in one run: each benchmarks/compare_relion_*.sh
# gives thon and RELION the same generated input (map, poses, CTF, particles) and appends its
# measurements to one table (THON_COMPARE_ROWS, tab-separated: comparison, program, n, box, wall s,
# CPU s, peak MiB, quality, value). This driver then writes a Markdown section with the machine,
# date, commit and load into benchmarks/RESULTS.md (between the markers "compare_all:begin/end",
# replacing the previous run) and a chart of the thon/peer ratios (benchmarks/compare_all.png).
#
#   benchmarks/compare_all.sh [build_dir]          default build/cpu-release
#   env: ONLY="project simulate reconstruct"       the comparisons to run (default: all registered)
#        BOX (default 128), N (default 1000)       box and image count of project and simulate;
#                                                  reconstruct uses its 128^3 phantom with N particles
#        CLASSIFY2D=1                              also run classify2d against relion_refine (slow:
#                                                  about 30 min per RELION iteration at 5,000 particles
#                                                  on 2 cores), at C2D_N particles (default 500, box 64,
#                                                  K 10) for C2D_ITER iterations (default 2); or name
#                                                  it in ONLY. Needs the make_classify2d_data target
#        RESULTS (default benchmarks/RESULTS.md), PNG (default benchmarks/compare_all.png)
#        NO_WRITE=1                                print the section, leave RESULTS.md alone
# Needs: relion_project, relion_reconstruct (relion_refine for classify2d), /usr/bin/python3 with numpy, mrcfile and matplotlib
# (scripts/deps --with-peers).
#
# Adding a comparison (multislice against abTEM): write
# benchmarks/compare_<peer>_<name>.sh that appends its rows to "$THON_COMPARE_ROWS" with program
# "thon" and the peer's name ("relion", "abtem"), and its quality (class recovery, FSC, rel L2) in
# the last two fields; then add a function compare_<name> below and its name to COMPARISONS.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build/cpu-release}
case "$build" in /*) ;; *) build="$here/$build" ;; esac
[ -x "$build/thon" ] || { echo "compare_all: no thon executable at $build/thon (build it first)" >&2; exit 1; }
BOX=${BOX:-128}
N=${N:-1000}
RESULTS=${RESULTS:-$here/benchmarks/RESULTS.md}
PNG=${PNG:-$here/benchmarks/compare_all.png}
PY=/usr/bin/python3
for tool in relion_project relion_reconstruct; do
  command -v "$tool" >/dev/null || { echo "compare_all: $tool not found (scripts/deps --with-peers)" >&2; exit 1; }
done
$PY -c "import numpy, mrcfile, matplotlib" 2>/dev/null ||
  { echo "compare_all: /usr/bin/python3 needs numpy, mrcfile and matplotlib (scripts/deps --with-peers)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/thon_compare_all.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
export THON_COMPARE_ROWS="$work/rows.tsv"
: >"$THON_COMPARE_ROWS"
export THON_FFTW_PLANNER=${THON_FFTW_PLANNER:-estimate}

# ---- The registry: one function per comparison ------------------------------------------------
compare_project() { OMP_NUM_THREADS=2 "$here/benchmarks/compare_relion_project.sh" "$build" "$BOX" "$N" 3; }
compare_simulate() { OMP_NUM_THREADS=2 "$here/benchmarks/compare_relion_simulate.sh" "${build#"$here"/}" "$BOX" "$N"; }
compare_reconstruct() {
  OMP_NUM_THREADS=2 THON="$build/thon" N_LIST="$N" BIG=0 "$here/benchmarks/compare_relion_reconstruct.sh" "$work/reconstruct"
}
compare_classify2d() {
  local gen="$build/benchmarks/make_classify2d_data"
  [ -x "$gen" ] || { echo "compare_all: no $gen (cmake --build $build --target make_classify2d_data)" >&2; return 1; }
  command -v relion_refine >/dev/null || { echo "compare_all: relion_refine not found (scripts/deps --with-peers)" >&2; return 1; }
  THON="$build/thon" GEN="$gen" N="${C2D_N:-500}" ITER="${C2D_ITER:-2}" THREADS=2 \
    "$here/benchmarks/compare_relion_classify2d.sh" "$work/classify2d"
}
# classify2d is opt-in (CLASSIFY2D=1 or ONLY=classify2d): relion_refine is slow.
COMPARISONS=(project simulate reconstruct)
[ "${CLASSIFY2D:-0}" != 1 ] || COMPARISONS+=(classify2d)
KNOWN="${COMPARISONS[*]}"
[ "${CLASSIFY2D:-0}" = 1 ] || KNOWN="$KNOWN classify2d (opt-in)"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for name in ${ONLY:-${COMPARISONS[@]}}; do
  declare -F "compare_$name" >/dev/null || { echo "compare_all: unknown comparison '$name' (known: $KNOWN)" >&2; exit 1; }
  echo "compare_all: $name ..." >&2
  (cd "$here" && "compare_$name") >"$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; echo "compare_all: $name failed" >&2; exit 1; }
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null | head -1)
[ -z "$dirty" ] || commit="$commit (with uncommitted changes)"
machine="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc --all) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM"
gpu=$("$build/thon" devices 2>/dev/null | head -1 || true)

section="$work/section.md"
$PY - "$THON_COMPARE_ROWS" "$section" "$PNG" "$machine" "$started" "$commit" "$load_start" "$load_end" "$gpu" <<'PYEOF'
import sys, statistics, collections
rows_path, out_path, png, machine, date, commit, load0, load1, gpu = sys.argv[1:10]
runs = collections.defaultdict(list)   # (comparison, n, box) -> {program: [rows]}
order = []
for line in open(rows_path):
    f = line.rstrip('\n').split('\t')
    if len(f) < 9:
        continue
    key = (f[0], int(f[2]), int(f[3]))
    if key not in order:
        order.append(key)
    runs[key].append(dict(program=f[1], wall=float(f[4]), cpu=float(f[5]), peak=float(f[6]), quality=f[7], value=f[8]))
out = []
out.append('## All comparisons (`benchmarks/compare_all.sh`)\n')
out.append('<!-- compare_all:begin (written by benchmarks/compare_all.sh; a rerun replaces this section) -->\n')
out.append('- Machine: %s; %s. No GPU numbers: thon ran on its CPU backend.' % (machine, gpu or 'devices unknown'))
out.append('- Date: %s. Commit: %s. Load average (1, 5, 15 min) at the start %s, at the end %s.' % (date, commit, load0, load1))
out.append('- Command: `benchmarks/compare_all.sh` (thon with 2 OpenMP threads, RELION 3.1 as one process; '
           'medians over the runs of each script; wall and CPU = user + system time and peak RSS from /usr/bin/time).')
out.append('- Ratios are peer / thon: above 1, thon is faster or smaller.\n')
out.append('| comparison | N | box | thon wall s | peer wall s | wall ratio | thon CPU s | peer CPU s | CPU ratio | thon peak MiB | peer peak MiB | quality | thon | peer |')
out.append('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
chart = []
for key in order:
    by = collections.defaultdict(list)
    for r in runs[key]:
        by[r['program']].append(r)
    t = by.get('thon', [])
    peers = [p for p in by if p != 'thon']
    if not t or not peers:
        continue
    p = by[peers[0]]
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    tw, pw, tc, pc, tm, pm = med(t, 'wall'), med(p, 'wall'), med(t, 'cpu'), med(p, 'cpu'), med(t, 'peak'), med(p, 'peak')
    out.append('| %s (vs %s) | %d | %d | %.2f | %.2f | %.2fx | %.2f | %.2f | %.2fx | %.0f | %.0f | %s | %s | %s |' % (
        key[0], peers[0], key[1], key[2], tw, pw, pw / tw, tc, pc, pc / tc, tm, pm, t[0]['quality'], t[0]['value'],
        p[0]['value'] if 'vs' not in t[0]['quality'] else '(same)'))
    chart.append((key[0], pw / tw, pc / tc, pm / tm))
out.append('\n<!-- compare_all:end -->\n')
open(out_path, 'w').write('\n'.join(out))
if chart:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    x = range(len(chart))
    w = 0.27
    ax.bar([i - w for i in x], [c[1] for c in chart], w, label='wall time')
    ax.bar([i for i in x], [c[2] for c in chart], w, label='CPU time')
    ax.bar([i + w for i in x], [c[3] for c in chart], w, label='peak memory')
    ax.axhline(1.0, color='k', lw=0.8, ls='--')
    ax.set_xticks(list(x))
    ax.set_xticklabels([c[0] for c in chart])
    ax.set_ylabel('peer / thon (above 1: thon better)')
    ax.set_title('thon against RELION, %s' % date)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png + '.tmp.png', dpi=100)
PYEOF
[ -f "$PNG.tmp.png" ] && mv "$PNG.tmp.png" "$PNG"

cat "$section"
for name in ${ONLY:-${COMPARISONS[@]}}; do
  echo "--- $name (script output) ---" >&2
  cat "$work/$name.log" >&2
done
if [ "${NO_WRITE:-0}" != 1 ]; then
  # Replace the previous section (marker to marker, heading included) or append a new one.
  $PY - "$RESULTS" "$section" <<'PYEOF'
import sys, os
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read() if os.path.exists(path) else '# Benchmark results\n'
head = '## All comparisons (`benchmarks/compare_all.sh`)'
b, e = text.find(head), text.find('<!-- compare_all:end -->')
if b >= 0 and e > b:
    text = text[:b] + section.rstrip('\n') + '\n' + text[e + len('<!-- compare_all:end -->'):].lstrip('\n')
else:
    text = text.rstrip('\n') + '\n\n' + section
tmp = path + '.tmp'
open(tmp, 'w').write(text)
os.replace(tmp, path)
PYEOF
  echo "compare_all: wrote $RESULTS and $PNG" >&2
fi
