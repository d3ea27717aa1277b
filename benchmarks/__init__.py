"""Benchmarks for policy-assistant: `python -m benchmarks --help`.

One run compares the product with the plain recipes a user would otherwise pick (300-character
windows with BM25, dense search or both fused), on the same questions and the same scoring, then
measures served latency, concurrency, index builds and cost against corpus size, and writes a
Markdown report with PNG charts to `benchmarks/results/`.
"""
