"""What was asked, resolved once (request: the canonical model type and task), the fallback chain (live Hub,
registry, size step-down, static defaults), and how candidates are judged (fitness) and ordered (ranking).
"""
