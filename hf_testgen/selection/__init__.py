"""The fallback chain (live Hub, registry, size step-down, static defaults) and how candidates are judged
(fitness) and ordered (ranking).
"""
