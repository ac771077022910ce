"""Generate pytest files that load and run the selected models (see --help)."""

from hf_testgen.cli.main import generate_main

if __name__ == "__main__":
    raise SystemExit(generate_main())
