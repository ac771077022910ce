"""List live Hub candidates, verify a model, or refresh model_registry.json (see --help)."""

from hf_testgen.cli.main import find_main

if __name__ == "__main__":
    raise SystemExit(find_main())
