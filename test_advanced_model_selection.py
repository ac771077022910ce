"""Run the selector's tests with pytest (arguments are passed to pytest)."""

from hf_testgen.cli.main import selftest_main

if __name__ == "__main__":
    raise SystemExit(selftest_main())
