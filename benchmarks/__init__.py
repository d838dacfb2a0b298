"""Benchmarks for pytest-cos-cors: each prints its figures; none asserts on time."""
