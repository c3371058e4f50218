"""Batch engines beyond one machine: :mod:`winnow.batch.ray_scan` (``winnow scan --engine ray``).

Ray is an optional extra (``pip install 'winnow[ray]'``) and is imported only when a Ray scan runs.
"""
