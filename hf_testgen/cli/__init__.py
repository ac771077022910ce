"""The commands: argument parsing, printing and exit codes. Nothing else in the package imports this layer.
"""
