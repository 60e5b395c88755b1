#!/usr/bin/env python3
"""Writes benchmarks/RESULTS-gpu.md from the Google Benchmark JSON files of scripts/gpu-check and
prints one verdict line per operation.

Usage: gpu_check_report.py OUT.md BENCH.json... (machine facts in the environment: GPU_NAME,
DRIVER, COMMIT, TESTS, CORES, WALL, LOAD). The roofline of the GPU comes from the table below
(vendor data sheets: peak DRAM bandwidth, FP32 non-tensor peak); the bytes and flops per item are
the model counters of benchmarks/bm_gpu.cpp (docs/performance.md), so "fraction of roofline" is
model traffic / peak, not measured DRAM traffic.
"""
import datetime
import json
import os
import re
import sys

# name substring -> (GB/s, FP32 TFLOP/s); first match wins, so the specific names come first.
ROOFLINES = [
    ("H200", 4800, 67.0),
    ("H100 NVL", 3900, 60.0),
    ("H100 PCIe", 2000, 51.0),
    ("H100", 3350, 67.0),
    ("GH200", 4000, 67.0),
    ("A100-SXM4-80GB", 2039, 19.5),
    ("A100 80GB PCIe", 1935, 19.5),
    ("A100", 1555, 19.5),
    ("L40S", 864, 91.6),
    ("L40", 864, 90.5),
    ("RTX 6000 Ada", 960, 91.1),
    ("RTX 4090", 1008, 82.6),
    ("RTX 3090", 936, 35.6),
    ("A6000", 768, 38.7),
    ("V100", 900, 15.7),
]

# op -> (benchmark prefix, cuda label, cpu label, bound of the design, goal text)
OPS = [
    ("project", "BM_GpuProject", "cuda", "cpu", "memory", 0.5),
    ("backproject", "BM_GpuBackproject", "cuda", "cpu", "memory", 0.5),
    ("reconstruct", "BM_GpuReconstruct", "cuda", "cpu", "memory", None),
    ("simulate", "BM_GpuSimulate", "cuda", "cpu", "memory", None),
    ("fft2d", "BM_GpuFft", "fft2d_cuda", "fft2d_cpu", "FFT", None),
    ("fft3d", "BM_GpuFft", "fft3d_cuda", "fft3d_cpu", "FFT", None),
]


def roofline(name):
    for key, bw, fl in ROOFLINES:
        if key.lower() in name.lower():
            return bw, fl
    return None, None


def load(paths):
    runs = {}
    for p in paths:
        try:
            with open(p) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            print(f"gpu-check: cannot read {p}: {e}", file=sys.stderr)
            continue
        for b in data.get("benchmarks", []):
            if b.get("error_occurred"):
                continue
            m = re.match(r"([^/]+)/([^/]+)/box:(\d+)", b["name"])
            if m:
                runs[(m.group(1), m.group(2), int(m.group(3)))] = b
            else:
                runs[(b["name"], "", 0)] = b
    return runs


def ms_per_item(b):
    ips = b.get("items_per_second")
    return 1e3 / ips if ips else None


def main():
    out_path, paths = sys.argv[1], sys.argv[2:]
    env = os.environ.get
    gpu = env("GPU_NAME", "unknown GPU")
    bw, fl = roofline(gpu)
    runs = load(paths)
    lines = []
    verdicts = []
    lines.append(f"## {gpu}: scripts/gpu-check\n")
    lines.append(f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; commit {env('COMMIT', '?')}")
    lines.append(f"- GPU: {gpu}, driver {env('DRIVER', '?')}; host: {env('CORES', '?')} cores, load {env('LOAD', '?')}")
    lines.append(f"- roofline used: " + (f"{bw} GB/s DRAM, {fl} TFLOP/s FP32 (data sheet)" if bw else "unknown GPU: no roofline"))
    lines.append(f"- ctest -L gpu: {env('TESTS', 'not run')}")
    lines.append(f"- wall time of the whole check (build included): {env('WALL', '?')} s")
    lines.append("- bytes and flops per item are the model of docs/performance.md, not measured traffic\n")
    lines.append("| op | box | GPU ms/item | CPU ms/item | CPU/GPU | GPU GB/s (model) | of roofline | GPU GFLOP/s | of FP32 peak |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for op, prefix, gl, cl, bound, goal in OPS:
        for box in (128, 256):
            g, c = runs.get((prefix, gl, box)), runs.get((prefix, cl, box))
            if not g:
                continue
            gm, cm = ms_per_item(g), ms_per_item(c) if c else None
            gbs = g.get("bytes_per_second", 0) / 1e9
            gfl = g.get("flop_per_second", 0) / 1e9
            frac_bw = f"{100 * gbs / bw:.0f}%" if bw else "-"
            frac_fl = f"{100 * gfl / (1e3 * fl):.1f}%" if fl else "-"
            ratio = f"{cm / gm:.1f}x" if (cm and gm) else "-"
            lines.append(f"| {op} | {box} | {gm:.4f} | {cm:.4f} | {ratio} | {gbs:.0f} | {frac_bw} | {gfl:.0f} | {frac_fl} |"
                         if cm else f"| {op} | {box} | {gm:.4f} | - | - | {gbs:.0f} | {frac_bw} | {gfl:.0f} | {frac_fl} |")
        g = runs.get((prefix, gl, 256))
        if not g:
            verdicts.append(f"{op}: NOT MEASURED (no GPU benchmark result)")
            continue
        gbs = g.get("bytes_per_second", 0) / 1e9
        if goal and bw:
            ok = gbs >= goal * bw
            verdicts.append(f"{op}: {'PASS' if ok else 'BELOW GOAL'} at box 256: {100 * gbs / bw:.0f}% of the "
                            f"{bw} GB/s roofline (goal {100 * goal:.0f}%, {bound}-bound design)")
        else:
            c = runs.get((prefix, cl, 256))
            r = f"{ms_per_item(c) / ms_per_item(g):.1f}x the CPU backend" if c else "no CPU run"
            verdicts.append(f"{op}: MEASURED at box 256: {ms_per_item(g):.4f} ms/item, {r} ({bound}-bound design)")
    # reconstruct of 100,000 box-256 particles: insertion rate + the five inversions of the driver
    b, r = runs.get(("BM_GpuBackproject", "cuda", 256)), runs.get(("BM_GpuReconstruct", "cuda", 256))
    if b and r:
        per_image = 1.0 / b["items_per_second"]
        invert = max(0.0, 1024.0 / r["items_per_second"] - 1024 * per_image)
        est = 1e5 * per_image + 5 * invert
        verdicts.append(f"reconstruct 100k x 256: {'PASS' if est < 10 else 'BELOW GOAL'}: {est:.1f} s estimated "
                        f"from the insertion rate and the measured inversion (goal < 10 s)")
    f3 = runs.get(("BM_GpuFft", "fft3d_cuda", 256))
    if r and b and f3:
        invert = max(0.0, 1024.0 / r["items_per_second"] - 1024.0 / b["items_per_second"])
        fft = 1.0 / f3["items_per_second"]
        verdicts.append(f"inversion vs cuFFT alone (512^3): {'PASS' if invert <= 1.3 * fft else 'BELOW GOAL'}: "
                        f"{invert * 1e3:.0f} ms vs {fft * 1e3:.0f} ms for the FFT (goal <= 1.3x)")
    others = [k for k in runs if not k[0].startswith("BM_Gpu")]
    if others:
        lines.append("\nOther GPU benchmarks found:\n")
        lines.append("| benchmark | real time | unit |")
        lines.append("|---|---|---|")
        for k in sorted(others):
            v = runs[k]
            lines.append(f"| {v['name']} | {v.get('real_time', 0):.3f} | {v.get('time_unit', '')} |")
    lines.append("\nVerdicts:\n")
    lines += [f"- {v}" for v in verdicts]
    text = "# GPU results (written by scripts/gpu-check)\n\n" + "\n".join(lines) + "\n"
    with open(out_path, "w") as f:
        f.write(text)
    for v in verdicts:
        print("gpu-check:", v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
