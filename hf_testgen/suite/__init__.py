"""The generated suite as a whole: results lines, merging them across machines, shards, the coverage page.
"""
