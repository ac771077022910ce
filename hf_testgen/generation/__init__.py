"""From a selection to a pytest file: the public `generate`, rendering the templates, and checking what was
written (ruff, collection).
"""
