"""The command side of the generated suite's results: `find_models.py --merge-results` and
`test_model_lookup_advanced.py --coverage`. Flags, usage checks, printing and exit codes; the
work is `results_merge` and `coverage`.

Exit codes: 0 done; 1 a file could not be read or written; 2 bad usage or a malformed results
line (the message names file:line, and nothing was written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.config import Settings
from ..core.text import terminal_safe
from .common import EXIT_OK, check_outputs, non_empty_path, settings_from


def add_merge_args(parser: argparse.ArgumentParser) -> None:
    """find_models.py's flags for folding results lines into benchmarks.json."""
    group = parser.add_argument_group("measured results (--merge-results)")
    group.add_argument(
        "--merge-results",
        nargs="+",
        type=non_empty_path,
        metavar="FILE",
        help="fold HF_TESTGEN_RESULTS JSON-lines files into benchmarks.json (medians per model, revision, hardware)",
    )
    group.add_argument(
        "--benchmarks",
        type=non_empty_path,
        metavar="PATH",
        help="the benchmarks.json to merge into (default: HF_TESTGEN_BENCHMARKS, else the checkout's)",
    )
    group.add_argument(
        "--results-source", metavar="TEXT", help="where the results came from (e.g. the workflow run), stored per entry"
    )


MERGE_EXCLUSIVE = ("update_registry", "verify_registry", "verify", "model_type", "task", "json")


def wants_merge(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "merge_results", None) or getattr(args, "benchmarks", None))


def merge_main_body(parser: argparse.ArgumentParser, args: argparse.Namespace, settings: Settings) -> int:
    """`find_models.py --merge-results FILE... [--benchmarks PATH]`; returns the exit code."""
    from ..suite.merge import DEFAULT_SOURCE, merge_results_files

    if not args.merge_results:
        parser.error("--benchmarks needs --merge-results FILE...")
    given = [name for name in MERGE_EXCLUSIVE if getattr(args, name, None) not in (None, False)]
    if given:
        parser.error(f"--merge-results does not combine with --{given[0].replace('_', '-')}")
    target = Path(args.benchmarks or settings.benchmarks_path)
    report = merge_results_files(target, args.merge_results, source=args.results_source or DEFAULT_SOURCE)
    for warning in report.warnings:
        print(f"warning: {terminal_safe(warning)}", file=sys.stderr)
    action = "updated" if report.written else "unchanged"
    print(
        f"{target}: {action}; {report.lines} line(s) read from {len(args.merge_results)} file(s), "
        f"{report.new_samples} new sample(s) in {report.entries} entr{'y' if report.entries == 1 else 'ies'}"
    )
    return EXIT_OK


def add_coverage_args(parser: argparse.ArgumentParser) -> None:
    """test_model_lookup_advanced.py's flags for the coverage matrix."""
    group = parser.add_argument_group("coverage matrix (--coverage)")
    group.add_argument(
        "--coverage",
        nargs="+",
        type=non_empty_path,
        metavar="RESULTS_OR_JUNIT",
        help="HF_TESTGEN_RESULTS JSON-lines files and/or junit XML files of a generated-suite run",
    )
    group.add_argument("--html", type=non_empty_path, metavar="FILE", help="write the matrix as a static HTML page")
    group.add_argument("--markdown", type=non_empty_path, metavar="FILE", help="write the matrix as Markdown")


def coverage_main_body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`--coverage FILES... [--html F] [--markdown F]`: Markdown on stdout when no file is named."""
    from ..core.files import atomic_write_text
    from ..suite.coverage import build_matrix, read_inputs, render_html, render_markdown, summary_text
    from ..suite.results import skipped_warnings

    if not args.coverage:
        parser.error("--html and --markdown need --coverage RESULTS_OR_JUNIT...")
    if args.model_type or args.list_tasks or args.detect_hardware or args.json:
        parser.error("--coverage does not combine with --model-type, --list-tasks, --detect-hardware or --json")
    settings = settings_from(args, registry_must_exist=False)  # named only to be protected, not read
    protected = [("a --coverage input", Path(p)) for p in args.coverage]
    protected += [("the registry", settings.registry_path), ("benchmarks.json", settings.benchmarks_path)]
    check_outputs([("--html", args.html), ("--markdown", args.markdown)], protected)
    skipped: list[str] = []
    matrix = build_matrix(*read_inputs(args.coverage, skipped=skipped))
    for warning in skipped_warnings(skipped):
        print(f"warning: {terminal_safe(warning)}", file=sys.stderr)
    markdown = render_markdown(matrix)
    if args.html:
        atomic_write_text(args.html, render_html(matrix))
    if args.markdown:
        atomic_write_text(args.markdown, markdown)
    if not (args.html or args.markdown):
        sys.stdout.write(markdown)
    else:
        print(f"coverage: {summary_text(matrix)}")
    return EXIT_OK
