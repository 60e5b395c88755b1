#!/usr/bin/env python3
"""Exit wave of a plane wave through atoms by abTEM (the peer of thon multislice).

Usage: abtem_exit_wave.py ATOMS CELL_XY CELL_Z GPTS SLICE_A VOLTAGE_KV PARAMETRIZATION PROJECTION OUT
  ATOMS: text lines "Z x y z" in abTEM's frame (Å; pixel i at x = i * CELL_XY / GPTS, z from the
  entrance surface). Writes OUT: GPTS x GPTS complex64 psi_exit, rows along y ([y][x]), vacuum = 1.
  abTEM transmits at the entrance of each slice and propagates by the slice thickness after it.
Also used by benchmarks/compare_abtem_multislice.sh (prints the wall time of the multislice on stderr).
"""
import sys
import time

import numpy as np


def main():
    path, cell_xy, cell_z, gpts, dz, kv, param, projection, out = sys.argv[1:10]
    cell_xy, cell_z, gpts, dz, kv = float(cell_xy), float(cell_z), int(gpts), float(dz), float(kv)
    import abtem
    import ase

    abtem.config.set({"device": "cpu", "fft": "fftw" if "--fftw" in sys.argv else "numpy"})
    data = np.loadtxt(path, ndmin=2)
    atoms = ase.Atoms(numbers=data[:, 0].astype(int), positions=data[:, 1:4], cell=[cell_xy, cell_xy, cell_z], pbc=True)
    if "--warmup" in sys.argv:  # compile abTEM's numba kernels outside the timed run
        small = abtem.Potential(atoms, gpts=64, slice_thickness=dz, parametrization=param, projection=projection)
        abtem.PlaneWave(energy=kv * 1e3).multislice(small).compute()
    t0 = time.perf_counter()
    potential = abtem.Potential(atoms, gpts=gpts, slice_thickness=dz, parametrization=param, projection=projection)
    wave = abtem.PlaneWave(energy=kv * 1e3)
    exit_wave = wave.multislice(potential).compute()
    psi = np.asarray(exit_wave.array)
    t = time.perf_counter() - t0
    print(f"abtem {abtem.__version__} {param} {projection}: {potential.num_slices} slices, {t:.3f} s", file=sys.stderr)
    np.ascontiguousarray(psi.T, dtype=np.complex64).tofile(out)


if __name__ == "__main__":
    main()
