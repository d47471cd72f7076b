"""Synthetic sample data for waterops: a deterministic, entirely fictional water network.

The generator (:mod:`sample_data.generate`) builds a street-grid city placed at Kaifeng,
Henan, China, and writes it to ``sample_data/kaifeng.gpkg``.  Nothing in it describes a
real water network.
"""
