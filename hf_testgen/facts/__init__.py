"""What the tool knows without asking the Hub: tasks and their heads, model families, frameworks,
hardware profiles, sizes, static defaults, documented and reference outputs, benchmark tables.
"""
