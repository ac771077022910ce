"""Explore selection: each level's answer side by side (see --help)."""

from hf_testgen.cli.main import lookup_main

if __name__ == "__main__":
    raise SystemExit(lookup_main())
