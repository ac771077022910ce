"""The command side of `find_models.py --update-registry` / `--verify-registry`: flags, usage
checks, printing and exit codes. The work itself is `refresh` (fetch, merge, write), `verify`
(defaults and tiny models usable) and `summary` (the Markdown change report).

Exit codes: 0 all good; 1 some types failed or a model did not verify (listed); 2 bad usage.
"""

from __future__ import annotations

import argparse
import errno
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..core.config import Settings
from ..core.files import atomic_write_text
from ..core.progress import DEFAULT_MAX_REQUESTS, HUB_WINDOW_S, RequestBudget
from ..core.text import natural_key, terminal_safe
from ..hub.verify import VerifyReport, verify_registry
from ..refresh.job import (
    DEFAULT_REQUEST_DELAY_S,
    RefreshOptions,
    RefreshReport,
    fresh_enough_note,
    refresh_registry,
    refresh_settings,
    resolve_model_types,
)
from ..refresh.outcome import read_raw
from ..refresh.summary import render_summary
from .common import EXIT_FAILED, EXIT_OK, check_outputs, non_empty_path, non_negative_seconds, positive_int


def add_refresh_args(parser: argparse.ArgumentParser) -> None:
    """The registry refresh and verification flags of find_models.py."""
    group = parser.add_argument_group("registry refresh (--update-registry) and check (--verify-registry)")
    group.add_argument(
        "--update-registry", action="store_true", help="refresh the registry from the Hub for --model-type or --all"
    )
    group.add_argument("--all", action="store_true", help="every model type of the registry and the task map")
    group.add_argument(
        "--pages", type=positive_int, metavar="N", help="read N pages of --limit models per type, keep the best --limit"
    )
    group.add_argument(
        "--request-delay",
        type=non_negative_seconds,
        metavar="S",
        help=f"seconds to wait between model types (default {DEFAULT_REQUEST_DELAY_S:g})",
    )
    group.add_argument(
        "--max-requests",
        type=positive_int,
        metavar="N",
        help=f"most Hub requests per {HUB_WINDOW_S:g} s (default {DEFAULT_MAX_REQUESTS}; anonymous limit: 500)",
    )
    group.add_argument("--dry-run", action="store_true", help="show what would change, write nothing to the registry")
    group.add_argument("--summary", type=non_empty_path, metavar="FILE", help="write a Markdown change report to FILE")
    group.add_argument(
        "--if-stale", action="store_true", help="refresh only when the registry is older than MAX_REGISTRY_AGE_DAYS"
    )
    group.add_argument(
        "--verify-registry",
        action="store_true",
        help="check every default and tiny model (exists, not gated or disabled, has weights); after a refresh "
        "when given with --update-registry",
    )


# If cli.py declares `--verify` with nargs="?" and const=VERIFY_REGISTRY, a bare `--verify` (as in
# `--update-registry --verify`) means --verify-registry; `--verify MODEL` keeps its meaning.
VERIFY_REGISTRY = "<registry>"
REFRESH_ONLY_FLAGS = ("all", "dry_run", "if_stale", "pages", "request_delay", "max_requests", "summary")


def wants_refresh_body(args: argparse.Namespace) -> bool:
    """Whether `refresh_main_body` must handle these arguments: a refresh or check was asked for,
    or one of their flags was given (which alone must be a usage error, not silently ignored)."""
    given = (getattr(args, name, None) not in (None, False) for name in REFRESH_ONLY_FLAGS)
    bare_verify = getattr(args, "verify", None) == VERIFY_REGISTRY
    return bool(args.update_registry or args.verify_registry or bare_verify or any(given))


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject flag combinations that have no meaning (exit 2 through `parser.error`)."""
    if getattr(args, "verify", None) == VERIFY_REGISTRY:  # bare --verify: the registry-wide check
        args.verify, args.verify_registry = None, True
    if args.update_registry:
        if args.all == bool(args.model_type):
            parser.error("--update-registry needs --model-type TYPE (repeatable) or --all, not both")
        for flag, given in (("--task", args.task), ("--verify MODEL", args.verify), ("--json", args.json)):
            if given:
                parser.error(f"{flag} does not apply to --update-registry (a refresh keeps candidates of every task)")
        return
    if not args.verify_registry:
        parser.error(
            "--all, --dry-run, --if-stale, --pages, --request-delay, --max-requests and --summary need "
            "--update-registry or --verify-registry"
        )
    refresh_only = {
        "--dry-run": args.dry_run,
        "--if-stale": args.if_stale,
        "--pages": args.pages is not None,
        "--request-delay": args.request_delay is not None,
    }
    for flag, given in refresh_only.items():
        if given:
            parser.error(f"{flag} needs --update-registry")
    if args.all and args.model_type:
        parser.error("give --model-type or --all, not both")
    if args.verify or args.json or args.task:
        parser.error("--verify-registry checks the registry; --verify MODEL, --json and --task do not apply")


def refresh_main_body(parser: argparse.ArgumentParser, args: argparse.Namespace, settings: Settings) -> int:
    """`find_models.py --update-registry ...` and/or `--verify-registry`; returns 0, 1 or 2."""
    _check_usage(parser, args)
    path = Path(settings.registry_path)
    if args.summary is not None:  # before the registry is touched, not after
        _check_writable_dir(args.summary)
        protected = [("the registry", path), ("the registry's lock", Path(f"{path}.lock"))]
        check_outputs([("--summary", args.summary)], [*protected, ("benchmarks.json", settings.benchmarks_path)])
    settings = refresh_settings(settings)
    started = datetime.now(timezone.utc)
    budget = RequestBudget(args.max_requests or DEFAULT_MAX_REQUESTS)
    report, note = _refresh(args, path, settings, started, budget) if args.update_registry else (None, "")
    verification = None
    if args.verify_registry:
        raw = report.after if report is not None else read_raw(path, started)
        verification = verify_registry(raw, _verify_types(args, raw), settings=settings, budget=budget)
    summary = render_summary(report, verification, note=note)
    print(summary, end="")
    _write_summary(args.summary, summary)
    return _exit_code(report, verification)


def _refresh(
    args: argparse.Namespace, path: Path, settings: Settings, started: datetime, budget: RequestBudget
) -> tuple[RefreshReport | None, str]:
    """--update-registry: (the refresh's report, "") or, with --if-stale on a fresh registry, (None, why not)."""
    registry_types = frozenset(read_raw(path, started)["model_types"])
    model_types = resolve_model_types(args.model_type, registry_types, every=args.all)
    stale_note = fresh_enough_note(path, settings, started) if args.if_stale else None
    if stale_note:
        return None, stale_note
    options = RefreshOptions(
        limit=args.limit,
        pages=args.pages or 1,
        request_delay_s=DEFAULT_REQUEST_DELAY_S if args.request_delay is None else args.request_delay,
        dry_run=args.dry_run,
    )
    report = refresh_registry(
        path,
        model_types,
        settings=settings,
        options=options,
        budget=budget,
        now=started,
        before_write=lambda early: _write_summary(args.summary, render_summary(early, None)),
    )
    return report, ""


def _write_summary(path: Path | None, summary: str) -> None:
    """Write the summary (atomically) unless it is already there: a refresh writes its part before
    it replaces the registry (see `refresh_registry`'s `before_write`), the whole report at the end."""
    if path is None:
        return
    try:
        if Path(path).read_text(encoding="utf-8") == summary:
            return
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, summary)


def _check_writable_dir(path: Path) -> None:
    """Raise the OSError that writing `path` later would raise, now: a missing directory.

    Raises:
        FileNotFoundError / NotADirectoryError: naming the directory.
    """
    parent = path.parent
    if not parent.exists():
        raise FileNotFoundError(errno.ENOENT, "directory does not exist", str(parent))
    if not parent.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(parent))
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))


def _verify_types(args: argparse.Namespace, raw: dict[str, Any]) -> list[str]:
    """Types named with --model-type (a missing entry is then a problem), else every entry."""
    if args.model_type:
        return resolve_model_types(args.model_type, frozenset(raw["model_types"]), every=False)
    return sorted(raw["model_types"], key=natural_key)


def _exit_code(report: RefreshReport | None, verification: VerifyReport | None) -> int:
    failed = [o.model_type for o in report.failures] if report else []
    if failed:
        shown = terminal_safe(", ".join(failed))  # registry keys: shown as text
        print(f"error: {len(failed)} model type(s) failed to refresh: {shown}", file=sys.stderr)
    if verification is not None and verification.problems:
        listed = terminal_safe(", ".join(f"{p.model_id} ({p.model_type} {p.role})" for p in verification.problems))
        print(f"error: {len(verification.problems)} registry model(s) did not verify: {listed}", file=sys.stderr)
    return EXIT_FAILED if failed or (verification and verification.problems) else EXIT_OK
