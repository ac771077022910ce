"""Select the Hub model to test for a model type (see --help)."""

from hf_testgen.cli.main import select_main

if __name__ == "__main__":
    raise SystemExit(select_main())
