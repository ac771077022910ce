"""argparse entry points: the top-level scripts and the `hf-testgen` command.

Each `*_main()` returns an exit code: 0 success, 1 a failure of the environment (Hub, registry
file, any file that cannot be read or written) or a bug of ours (an unexpected exception), 2 bad
usage or no model meets a hard constraint. Errors are one line on stderr, bugs included; set
HF_DEBUG=1 for a traceback. What the commands share (exit codes,
argument types, shared flags) lives in `cli_common`, below this module.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..core.errors import RegistryError
from ..core.text import closest, redact_data, terminal_safe
from .common import (
    COMMAND,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_registry_arg,
    add_selection_args,
    command_parser,
    dispatched_by,
    positive_int,
    request_from,
    run_guarded,
    settings_from,
)

# --- advanced_model_selection.py ---------------------------------------------------------------


def select_main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "select",
        "advanced_model_selection.py",
        "Select the Hub model to test for a model type, task, machine and framework.",
        "--model-type bert",
        "--model-type gpt2 --hardware cpu-small --json",
        "--model-type t5 --task translation --max-size 300 --explain",
        "--list-tasks | --list-hardware | --detect-hardware",
    )
    add_selection_args(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--explain", action="store_true", help="show every level's outcome and each rejection")
    parser.add_argument("--list-tasks", action="store_true", help="list tasks and their model types")
    parser.add_argument("--list-hardware", action="store_true", help="list hardware profiles")
    parser.add_argument("--detect-hardware", action="store_true", help="show this machine and its profile")
    args = parser.parse_args(argv)
    return run_guarded(lambda: _select_body(parser, args))


def _select_body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from . import report

    if args.list_tasks:
        return _list_tasks(args)
    if args.list_hardware:
        return report.print_hardware_profiles(as_json=args.json)
    if args.detect_hardware:
        return report.print_detected_hardware(as_json=args.json)
    if not args.model_type:
        parser.error("--model-type is required (or one of --list-tasks, --list-hardware, --detect-hardware)")
    from ..selection.chain import select

    selection = select(request_from(args), settings_from(args))
    if args.json:
        print(json.dumps(redact_data(selection.to_dict()), indent=2))
        report.print_notes(selection.notes, explain=False)
    else:
        report.print_selection(selection, explain=args.explain)
    return EXIT_OK


# --- test_model_lookup_advanced.py --------------------------------------------------------------


def lookup_main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser(
        "lookup",
        "test_model_lookup_advanced.py",
        "Explore selection: every level's answer side by side, and the candidate table.",
        "--model-type bert",
        "--model-type llama --hardware cpu-small",
        "--detect-hardware",
        "--list-tasks",
        "--coverage results.jsonl junit-*.xml --html coverage.html",
    )
    from .results import add_coverage_args

    add_selection_args(parser)
    parser.add_argument("--detect-hardware", action="store_true", help="show this machine and its profile")
    parser.add_argument("--list-tasks", action="store_true", help="list tasks and their model types")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_coverage_args(parser)
    args = parser.parse_args(argv)
    return run_guarded(lambda: _lookup_body(parser, args))


def _lookup_body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from . import report

    if args.coverage or args.html or args.markdown:
        from .results import coverage_main_body

        return coverage_main_body(parser, args)
    if args.detect_hardware and not args.model_type:
        return report.print_detected_hardware(as_json=args.json)
    if args.list_tasks:
        return _list_tasks(args)
    if not args.model_type:
        parser.error("--model-type is required (or --detect-hardware / --list-tasks alone)")
    from ..selection.lookup import compare_levels

    comparison = compare_levels(request_from(args), settings_from(args))
    report.print_comparison(comparison, as_json=args.json)
    report.print_notes(comparison.notes, explain=False)  # the registry warnings the README promises
    return EXIT_OK if comparison.selection is not None else EXIT_USAGE  # nothing fits: 2, as select


def _list_tasks(args: argparse.Namespace) -> int:
    """--list-tasks: every task and its types, or with --model-type that type's tasks."""
    from . import report

    if not args.model_type:
        return report.print_tasks(as_json=args.json)
    from ..facts import tasks
    from ..selection.chain import known_model_types, open_registry

    settings = settings_from(args)  # an explicit --registry that cannot be opened is an error here too
    try:
        registry = open_registry(settings.registry_path)
    except RegistryError:
        registry = None
    model_type = tasks.canonical_model_type(args.model_type, known_model_types(registry))
    return report.print_model_type_tasks(model_type, as_json=args.json)


# --- find_models.py ----------------------------------------------------------------------------


def find_main(argv: Sequence[str] | None = None) -> int:
    from .refresh import VERIFY_REGISTRY, add_refresh_args  # the refresh machinery is for this command only
    from .results import add_merge_args

    parser = command_parser(
        "find",
        "find_models.py",
        "List live Hub candidates with exact sizes, verify a model, or refresh the registry.",
        "--model-type bert --task fill-mask --limit 5",
        "--verify google-bert/bert-base-uncased",
        "--update-registry --model-type bert --model-type gpt2 --summary changes.md",
        "--merge-results shard-*/results.jsonl --benchmarks benchmarks.json",
    )
    parser.add_argument("--model-type", action="append", metavar="TYPE", help="model type (repeatable for updates)")
    parser.add_argument("--task", help="pipeline tag to filter on")
    parser.add_argument("--limit", type=positive_int, default=10, help="candidates per type (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--verify",
        metavar="MODEL",
        nargs="?",
        const=VERIFY_REGISTRY,
        help="say whether MODEL exists and is usable; bare --verify with --update-registry checks the whole registry",
    )
    add_registry_arg(parser)
    add_refresh_args(parser)
    add_merge_args(parser)
    args = parser.parse_args(argv)
    return run_guarded(lambda: _find_body(parser, args))


def _find_body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from . import report
    from .refresh import refresh_main_body, wants_refresh_body
    from .results import merge_main_body, wants_merge

    settings = settings_from(args, registry_must_exist=not (args.update_registry or wants_merge(args)))
    if wants_merge(args):
        return merge_main_body(parser, args, settings)
    if wants_refresh_body(args):
        return refresh_main_body(parser, args, settings)
    if args.verify:
        from ..hub.verify import verify_model

        verdict = verify_model(args.verify, settings=settings)
        report.print_verdict(verdict, as_json=args.json)
        return EXIT_OK if verdict.usable else EXIT_FAILED
    if not args.model_type or len(args.model_type) != 1:
        parser.error("give one --model-type (or --verify MODEL, or --update-registry)")
    from ..facts import tasks
    from ..hub import client as hub
    from ..selection.chain import known_model_types, open_registry

    try:
        registry = open_registry(settings.registry_path)
    except RegistryError:
        registry = None
    model_type = tasks.canonical_model_type(args.model_type[0], known_model_types(registry))
    task = tasks.canonical_task(args.task) if args.task else None
    if task is not None:
        tasks.check_task(model_type, task)
    candidates = hub.fetch_candidates(model_type, task=task, settings=settings, limit=args.limit)
    report.print_candidates(model_type, task, candidates, as_json=args.json)
    return EXIT_OK


# --- test_advanced_model_selection.py ---------------------------------------------------------


def selftest_main(argv: Sequence[str] | None = None) -> int:
    """Run the project's tests with pytest (extra arguments are passed through)."""
    import pytest

    root = Path(__file__).resolve().parent.parent.parent
    return int(pytest.main([str(root / "tests"), *(argv if argv is not None else sys.argv[1:])]))


# --- test_generator_fixed.py ------------------------------------------------------------------


def generate_main(argv: Sequence[str] | None = None) -> int:
    """Generate pytest files (the command's parser lives in cli_generate)."""
    from .generate import main

    return main(argv)


# --- the hf-testgen command -------------------------------------------------------------------
SUBCOMMANDS: dict[str, tuple[Callable[[Sequence[str] | None], int], str]] = {
    "select": (select_main, "select the Hub model for a model type"),
    "generate": (generate_main, "generate pytest files that load and run the selected models"),
    "lookup": (lookup_main, "every selection level side by side; the coverage matrix of a suite run"),
    "find": (find_main, "live Hub candidates, verification, registry refresh, results merge"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """`hf-testgen SUBCOMMAND [flags]`: each subcommand takes exactly its top-level script's flags.

    The rest of the command line is handed to the script's own parser unchanged, so that
    `hf-testgen select --model-type bert` and `python advanced_model_selection.py --model-type bert`
    cannot drift apart.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return EXIT_OK if args else EXIT_USAGE
    if args[0] == "--version":
        from .._version import __version__

        print(f"hf-testgen {__version__}")
        return EXIT_OK
    entry = SUBCOMMANDS.get(args[0])
    if entry is None:
        close = closest(args[0], list(SUBCOMMANDS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        shown = terminal_safe(repr(args[0][:60]))
        choose = ", ".join(SUBCOMMANDS)
        print(f"{COMMAND}: error: unknown command {shown}{hint}; choose from {choose}", file=sys.stderr)
        return EXIT_USAGE
    with dispatched_by(args[0]):  # usage, help and errors say `hf-testgen SUBCOMMAND`, not the checkout script
        return entry[0](args[1:])


def _usage() -> str:
    lines = ["usage: hf-testgen {" + ",".join(SUBCOMMANDS) + "} [flags]  (hf-testgen COMMAND --help for flags)", ""]
    lines += [f"  {name:<9} {help_text}" for name, (_, help_text) in SUBCOMMANDS.items()]
    return "\n".join(lines)
