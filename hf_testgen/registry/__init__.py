"""The cached JSON registry: reading and validating it, writing it atomically, merging refreshed rows.
"""
