"""The base every layer stands on: errors, settings, records, files, bounded readers of outside text, progress.

Nothing here imports another hf_testgen subpackage.
"""
