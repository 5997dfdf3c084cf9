#!/usr/bin/python3
"""t52_bench_replicate.py — the refresh bench's copied world (tests/bench/replicate.py:
a real apply of a few projects copied N times, in the simulator's state and in every
table vrsctl wrote) is checked, and its check fails when a copy is wrong; its own
TAP self-test, run here so that a schema change that the copy does not know about
breaks the suite, not only `make bench`."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.argv = [os.path.join(HERE, "..", "bench", "replicate.py")]
runpy.run_path(sys.argv[0], run_name="__main__")
