"""`test_generator_fixed.py`: flags, printing and exit codes around `generation.generate`.

Exit codes follow `cli_common`: 0 success, 1 a file could not be generated (in a batch: any
failed) or a file could not be written, 2 bad usage (including a model id, revision or type name
that is not safe to put in a file).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from ..core.config import Settings
from ..core.errors import GenerationError, HfTestgenError, NoModelFitsError, UsageError
from ..core.records import Note
from ..core.text import natural_key, terminal_safe, wrap_words
from ..facts import families
from ..generation.api import (
    DEFAULT_OUTPUT_DIR,
    GenerationRequest,
    Outcome,
    all_model_types,
    batch_summary,
    generate,
    limit_text,
    verification_problems,
)
from ..selection.request import size_limit
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    add_selection_args,
    command_parser,
    non_empty_path,
    os_error_line,
    request_from,
    run_guarded,
    settings_from,
)
from .report import print_notes

__all__ = ["all_model_types", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "generate",
        "test_generator_fixed.py",
        "Generate pytest files that load the selected Hub model and run one real inference.",
        "--generate bert",
        "--generate t5 --task translation --max-size 300 --verify",
        "--batch-generate bert,gpt2,t5 --output-dir tests/generated",
        "--all --hardware cpu-small",
        "--all --shard 2/4 --output-dir shard-2",
        "--generate bert --model prajjwal1/bert-tiny --dry-run",
        "--list-families",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--generate", metavar="TYPE", help="one model type, e.g. bert, gpt-j, whisper")
    what.add_argument("--all", action="store_true", help="every model type the generator supports")
    what.add_argument("--batch-generate", metavar="TYPES", help="comma-separated model types: bert,gpt2,t5")
    what.add_argument(
        "--list-families", action="store_true", help="families, their model types, and what is unsupported"
    )
    add_selection_args(parser)  # --model-type is accepted as another spelling of --generate
    _add_file_args(parser)
    return parser


def _add_file_args(parser: argparse.ArgumentParser) -> None:
    """The flags of the generated files: a given model, where they go, and how they are checked."""
    parser.add_argument("--model", metavar="MODEL_ID", help="use this Hub model id and skip selection")
    parser.add_argument("--revision", metavar="SHA", help="with --model: the commit sha to pin")
    parser.add_argument(
        "--tiny-model",
        metavar="MODEL_ID",
        help="the tiny random test checkpoint of this type (TINY_MODEL_ID); semantic checks skip when it runs",
    )
    parser.add_argument(
        "--output-dir",
        type=non_empty_path,
        default=DEFAULT_OUTPUT_DIR,
        metavar="DIR",
        help=f"where files go (default: {DEFAULT_OUTPUT_DIR}/)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite files that hf-testgen did not write")
    parser.add_argument("--dry-run", action="store_true", help="print the files; write nothing")
    parser.add_argument(
        "--verify", action="store_true", help="check each file parses, passes ruff and pytest collects it"
    )
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="with --all or --batch-generate: only shard I of N (stable by model type; balanced by the "
        "measured seconds in benchmarks.json when it has them)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `test_generator_fixed.py`; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_guarded(lambda: _body(parser, args))


def _body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.list_families:
        return print_families()
    single = _check_flags(parser, args)
    settings = settings_from(args)
    if single:
        return _generate_single(_request(args, single), args, settings)
    notes: list[Note] = []
    if args.all:
        requests = [_request(args, name) for name in all_model_types(settings, notes)]
    else:
        requests = _batch_requests(args)
    print_notes(notes, explain=False)
    if args.shard:
        requests = _shard(requests, args.shard, settings)
    return _run_batch(requests, args, settings)


def _check_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The flags that go together (argparse's one-line errors, exit 2); returns the single type, if one."""
    single = args.generate or args.model_type
    if args.generate and args.model_type:
        parser.error("give the model type once: --generate TYPE")
    if not (single or args.all or args.batch_generate):
        parser.error("give --generate TYPE, --batch-generate T1,T2, --all or --list-families")
    if args.revision is not None and args.model is None:
        parser.error("--revision needs --model (a selected model is pinned to its own revision)")
    if args.model is not None and not single:
        parser.error("--model works with --generate TYPE only")
    if args.shard and single:
        parser.error("--shard I/N works with --all or --batch-generate")
    return single


def _generate_single(request: GenerationRequest, args: argparse.Namespace, settings: Settings) -> int:
    outcome = generate(request, settings)
    print_notes(outcome.notes, explain=False)
    if args.verify:
        problem = verification_problems([outcome], dry_run=args.dry_run).get(outcome.name)
        if problem:
            raise GenerationError(f"{outcome.path or outcome.file_name}: verification failed: {problem}")
    _show(outcome, dry_run=args.dry_run)
    return EXIT_OK


def _shard(requests: list[GenerationRequest], text: str, settings: Settings) -> list[GenerationRequest]:
    """This job's part of the batch (see `shards`), announced on stderr so a CI log shows the split."""
    from ..suite.shards import parse_shard, seconds_from_file, shard_of

    index, count = parse_shard(text)
    seconds = seconds_from_file(settings.benchmarks_path)
    by_name = {request.name: request for request in requests}
    mine = shard_of(list(by_name), index, count, seconds)
    how = "balanced by measured seconds" if seconds else "by a hash of the type"
    print(f"shard {index}/{count}: {len(mine)} of {len(requests)} model types ({how})", file=sys.stderr)
    return [by_name[name] for name in mine]


def _request(args: argparse.Namespace, name: str) -> GenerationRequest:
    """The library request for one model type from the flags (it checks the name and ids, once)."""
    return GenerationRequest(
        selection=request_from(args, model_type=name),
        model=args.model,
        revision=args.revision,
        tiny_model=args.tiny_model,
        output_dir=args.output_dir,
        force=args.force,
        dry_run=args.dry_run,
        registry=args.registry,
    )


def _show(outcome: Outcome, *, dry_run: bool) -> None:
    """A dry run prints the file on stdout and the line on stderr; otherwise the line on stdout."""
    if dry_run and outcome.text is not None:
        sys.stdout.write(outcome.text)
    to_stderr = dry_run or outcome.status in ("failed", "skipped")
    print(terminal_safe(outcome.line), file=sys.stderr if to_stderr else sys.stdout)


def _batch_requests(args: argparse.Namespace) -> list[GenerationRequest]:
    """One request per distinct name of --batch-generate, all checked before any is generated."""
    requests = [_request(args, part) for part in args.batch_generate.split(",") if part.strip()]
    if not requests:
        raise UsageError("--batch-generate needs model types separated by commas, e.g. bert,gpt2,t5")
    unique: dict[str, GenerationRequest] = {}
    for request in requests:
        unique.setdefault(request.name, request)
    return list(unique.values())


def generate_one(request: GenerationRequest, settings: Settings, *, every: bool) -> Outcome:
    """One type of a batch: errors become a failed (or, for --all, skipped) outcome, not an exit."""
    name = request.name
    try:
        return generate(request, settings)
    except NoModelFitsError as err:
        if every:  # --all covers every supported type; the constraints may leave some without a model
            return Outcome(name, "skipped", f"{name}: skipped: {err}")
        return Outcome(name, "failed", f"{name}: failed: {err}")
    except (HfTestgenError, ValueError) as err:
        return Outcome(name, "failed", f"{name}: failed: {err}")
    except OSError as err:
        return Outcome(name, "failed", f"{name}: failed: {os_error_line(err)}")


# --- batches -----------------------------------------------------------------------------------------
def _size_limit_line(args: argparse.Namespace) -> str:
    """The one limit every file of a batch is selected under (each file's header names it too)."""
    limit, label, _ = size_limit(request_from(args, model_type=""))
    dtype = "the stored dtype (auto)" if args.dtype == "auto" else args.dtype
    return f"size limit: {limit_text(limit, label)}; weights at {dtype}"


def _run_batch(requests: list[GenerationRequest], args: argparse.Namespace, settings: Settings) -> int:
    start = time.perf_counter()
    outcomes: list[Outcome] = []
    warned: set[Note] = set()
    if args.model is None:
        print(_size_limit_line(args), file=sys.stderr if args.dry_run else sys.stdout)
    for request in requests:
        outcome = generate_one(request, settings, every=args.all)
        outcomes.append(outcome)
        fresh = [n for n in outcome.notes if n.severity == "warning" and n not in warned]
        warned.update(fresh)  # a batch would repeat the same stale-registry line for every type
        print_notes(fresh, explain=False)
        if outcome.status != "skipped":  # the summary lists every skip once, after the batch
            _show(outcome, dry_run=args.dry_run)
    if args.verify:
        problems = verification_problems(outcomes, dry_run=args.dry_run)
        outcomes = [
            Outcome(o.name, "failed", f"{o.line}: verification failed: {problems[o.name]}")
            if o.name in problems
            else o
            for o in outcomes
        ]
    print(
        batch_summary(outcomes, time.perf_counter() - start), file=sys.stderr if args.dry_run else sys.stdout
    )
    return EXIT_FAILED if any(o.status == "failed" for o in outcomes) else EXIT_OK


# --- --list-families ---------------------------------------------------------------------------------
def print_families() -> int:
    """Family → model types it serves (for their default task), then the unsupported types with reasons."""
    grouped = families.types_by_family()
    for family in families.FAMILIES.values():
        names = grouped[family.name]
        tasks_served = ", ".join(family.tasks)
        print(f"{family.name} ({len(names)} types; template {family.template}; tasks: {tasks_served})")
        print(f"  {family.description}")
        print(wrap_words(names, indent="  "))
    unsupported = families.unsupported_model_types()
    print(f"unsupported ({len(unsupported)} types; the reason for each):")
    for name in sorted(unsupported, key=natural_key):
        print(f"  {name}: {unsupported[name]}")
    supported = sum(len(names) for names in grouped.values())
    n_families = len(families.FAMILIES)
    print(f"{supported} model types supported in {n_families} families; --all generates those with a model")
    return EXIT_OK
