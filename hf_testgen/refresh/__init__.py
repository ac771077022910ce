"""The weekly refresh: ask the Hub per model type, merge into the registry, and summarize what changed.
"""
