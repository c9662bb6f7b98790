"""Benchmarks and evaluation helpers (print figures; never asserted as timings in tests)."""
