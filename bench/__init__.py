"""Benchmarks: each `bench_*.py` module has `run(skus: int) -> dict | list | str` and prints ratios
measured side by side in one run (never a timed assertion)."""
