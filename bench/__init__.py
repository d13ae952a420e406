"""Benchmarks of ipaas. ``python -m bench [--quick] [NAME ...]`` prints one JSON figure a line."""
