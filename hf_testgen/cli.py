"""argparse entry points shared by the top-level scripts.

Each `*_main()` returns an exit code: 0 success, 1 a failure of the environment (Hub, registry
file), 2 bad usage or no model meets a hard constraint. Errors are one line on stderr; set
HF_DEBUG=1 for a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import get_args

from .config import Settings
from .errors import HfTestgenError, HubUnavailableError, NoModelFitsError, RegistryError, UsageError
from .hardware import HARDWARE_PROFILES
from .records import Framework

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# One table: our exceptions → exit code (subclasses before their parents).
ERROR_EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (UsageError, EXIT_USAGE),
    (NoModelFitsError, EXIT_USAGE),
    (RegistryError, EXIT_FAILED),
    (HubUnavailableError, EXIT_FAILED),
    (HfTestgenError, EXIT_FAILED),
)


class _Parser(argparse.ArgumentParser):
    """argparse with our exit code for bad usage (2, like argparse) and a one-line message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def positive_mb(text: str) -> float:
    """--max-size: a positive number of megabytes."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of MB (e.g. 500)") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of MB (e.g. 500)")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive whole number")
    return value


def add_registry_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        type=Path,
        metavar="PATH",
        help="model registry JSON (default: model_registry.json of the checkout)",
    )


def add_selection_args(parser: argparse.ArgumentParser, *, model_type_required: bool = False) -> None:
    """The flags every selecting command shares, defined once."""
    parser.add_argument("--model-type", required=model_type_required, metavar="TYPE", help="e.g. bert, gpt2, t5, vit")
    parser.add_argument("--task", help="e.g. fill-mask, text-generation (default: the type's main task)")
    parser.add_argument(
        "--hardware",
        choices=[*HARDWARE_PROFILES, "auto", "none"],
        default="auto",
        help="hardware profile limiting the model size (default: auto, this machine's memory; "
        "none: no limit unless --max-size)",
    )
    parser.add_argument("--max-size", type=positive_mb, metavar="MB", help="largest model size in MB")
    parser.add_argument("--framework", choices=get_args(Framework), default="pytorch", help="default: pytorch")
    parser.add_argument("--allow-gated", action="store_true", help="accept gated, private or disabled models")
    add_registry_arg(parser)


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(os.environ)
    return settings.with_overrides(registry_path=getattr(args, "registry", None))


def request_from(args: argparse.Namespace, *, model_type: str | None = None):  # -> SelectionRequest
    from .selection import SelectionRequest

    return SelectionRequest(
        model_type=model_type or args.model_type,
        task=args.task,
        hardware=args.hardware,
        max_size_mb=args.max_size,
        framework=args.framework,
        allow_gated=args.allow_gated,
    )


def run_guarded(body: Callable[[], int]) -> int:
    """Run a command body; turn our errors into one line on stderr and an exit code."""
    try:
        return body()
    except BaseException as err:
        for error_type, code in ERROR_EXIT_CODES:
            if isinstance(err, error_type):
                if os.environ.get("HF_DEBUG"):
                    raise
                print(f"error: {err}", file=sys.stderr)
                return code
        if isinstance(err, ValueError) and str(err).startswith(("MAX_REGISTRY_AGE_DAYS", "HF_TESTGEN_")):
            print(f"error: {err}", file=sys.stderr)
            return EXIT_USAGE
        raise


def print_notes(notes: Sequence[str], *, explain: bool) -> None:
    """Warnings always go to stderr; the other notes only with --explain."""
    for note in notes:
        if note.startswith("warning:"):
            print(note, file=sys.stderr)
        elif explain:
            print(f"  note: {note}")


# --- advanced_model_selection.py ---------------------------------------------------------------


def select_main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog="advanced_model_selection.py",
        description="Select the Hub model to test for a model type, task, machine and framework.",
        epilog=(
            "examples:\n"
            "  python advanced_model_selection.py --model-type bert\n"
            "  python advanced_model_selection.py --model-type gpt2 --hardware cpu-small --json\n"
            "  python advanced_model_selection.py --model-type t5 --task translation --max-size 300 --explain\n"
            "  python advanced_model_selection.py --list-tasks | --list-hardware | --detect-hardware"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    from .selection import select

    selection = select(request_from(args), settings_from(args))
    if args.json:
        print(json.dumps(selection.to_dict(), indent=2))
        print_notes(selection.notes, explain=False)
    else:
        report.print_selection(selection, explain=args.explain)
    return EXIT_OK


# --- test_model_lookup_advanced.py --------------------------------------------------------------


def lookup_main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog="test_model_lookup_advanced.py",
        description="Explore selection: every level's answer side by side, and the candidate table.",
        epilog=(
            "examples:\n"
            "  python test_model_lookup_advanced.py --model-type bert\n"
            "  python test_model_lookup_advanced.py --model-type llama --hardware cpu-small\n"
            "  python test_model_lookup_advanced.py --detect-hardware\n"
            "  python test_model_lookup_advanced.py --list-tasks"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_selection_args(parser)
    parser.add_argument("--detect-hardware", action="store_true", help="show this machine and its profile")
    parser.add_argument("--list-tasks", action="store_true", help="list tasks and their model types")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    return run_guarded(lambda: _lookup_body(parser, args))


def _lookup_body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from . import report

    if args.detect_hardware and not args.model_type:
        return report.print_detected_hardware(as_json=args.json)
    if args.list_tasks:
        return _list_tasks(args)
    if not args.model_type:
        parser.error("--model-type is required (or --detect-hardware / --list-tasks alone)")
    from .lookup import compare_levels

    comparison = compare_levels(request_from(args), settings_from(args))
    report.print_comparison(comparison, as_json=args.json)
    print_notes(comparison.selection.notes if comparison.selection else (), explain=False)
    return EXIT_OK if comparison.selection is not None else EXIT_USAGE


def _list_tasks(args: argparse.Namespace) -> int:
    """--list-tasks: every task and its types, or with --model-type that type's tasks."""
    from . import report

    if not args.model_type:
        return report.print_tasks(as_json=args.json)
    from . import tasks
    from .selection import known_model_types, open_registry

    try:
        registry = open_registry(settings_from(args).registry_path)
    except RegistryError:
        registry = None
    model_type = tasks.canonical_model_type(args.model_type, known_model_types(registry))
    return report.print_model_type_tasks(model_type, as_json=args.json)


# --- find_models.py ----------------------------------------------------------------------------


def find_main(argv: Sequence[str] | None = None) -> int:
    from .refresh import VERIFY_REGISTRY, add_refresh_args  # the refresh machinery is for this command only

    parser = _Parser(
        prog="find_models.py",
        description="List live Hub candidates with exact sizes, verify a model, or refresh the registry.",
        epilog=(
            "examples:\n"
            "  python find_models.py --model-type bert --task fill-mask --limit 5\n"
            "  python find_models.py --verify google-bert/bert-base-uncased\n"
            "  python find_models.py --update-registry --model-type bert --model-type gpt2 --summary changes.md"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    args = parser.parse_args(argv)
    return run_guarded(lambda: _find_body(parser, args))


def _find_body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from . import report
    from .refresh import refresh_main_body, wants_refresh_body

    settings = settings_from(args)
    if wants_refresh_body(args):
        return refresh_main_body(parser, args, settings)
    if args.verify:
        from .verify import verify_model

        verdict = verify_model(args.verify, settings=settings)
        report.print_verdict(verdict, as_json=args.json)
        return EXIT_OK if verdict.usable else EXIT_FAILED
    if not args.model_type or len(args.model_type) != 1:
        parser.error("give one --model-type (or --verify MODEL, or --update-registry)")
    from . import hub, tasks
    from .selection import known_model_types, open_registry

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

    root = Path(__file__).resolve().parent.parent
    return int(pytest.main([str(root / "tests"), *(argv if argv is not None else sys.argv[1:])]))


# --- test_generator_fixed.py ------------------------------------------------------------------


def generate_main(argv: Sequence[str] | None = None) -> int:
    """Generate pytest files (the command's parser lives in cli_generate)."""
    from .cli_generate import main

    return main(argv)
