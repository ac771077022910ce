"""`test_generator_fixed.py`: select a model per type and write a pytest file that really runs it.

Exit codes follow `cli`: 0 success, 1 a file could not be generated (in a batch: any failed),
2 bad usage (including a model id, revision or type name that is not safe to put in a file).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import families, tasks
from .cli import EXIT_FAILED, EXIT_OK, _Parser, add_selection_args, request_from, run_guarded, settings_from
from .config import Settings
from .errors import GenerationError, HfTestgenError, NoModelFitsError, RegistryError, UsageError
from .generator import (
    COMMAND_LINE_SOURCE,
    GenerationSpec,
    command_for,
    output_path,
    render_test,
    size_text,
    verify_test_files,
    verify_texts,
    write_test,
)
from .records import validate_model_id, validate_model_type, validate_revision
from .registry import natural_key

DEFAULT_OUTPUT_DIR = Path("generated_tests")


@dataclass(frozen=True)
class Outcome:
    """What happened to one model type: "written", "unchanged", "printed", "skipped" or "failed".

    "skipped" is a type `--all` could not give a model under the constraints (the line says why).
    """

    name: str
    status: str
    line: str
    file_name: str | None = None  # the file written (or printed, for --dry-run)
    path: Path | None = None  # where it was written (None for --dry-run and failures)
    text: str | None = None  # the rendered file


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="test_generator_fixed.py",
        description="Generate pytest files that load the selected Hub model and run one real inference.",
        epilog=(
            "examples:\n"
            "  python test_generator_fixed.py --generate bert\n"
            "  python test_generator_fixed.py --generate t5 --task translation --max-size 300 --verify\n"
            "  python test_generator_fixed.py --batch-generate bert,gpt2,t5 --output-dir tests/generated\n"
            "  python test_generator_fixed.py --all --hardware cpu-small\n"
            "  python test_generator_fixed.py --generate bert --model prajjwal1/bert-tiny --dry-run\n"
            "  python test_generator_fixed.py --list-families"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--generate", metavar="TYPE", help="one model type, e.g. bert, gpt-j, whisper")
    what.add_argument("--all", action="store_true", help="every model type the generator supports")
    what.add_argument("--batch-generate", metavar="TYPES", help="comma-separated model types: bert,gpt2,t5")
    what.add_argument(
        "--list-families", action="store_true", help="families, their model types, and what is unsupported"
    )
    add_selection_args(parser)  # --model-type is accepted as another spelling of --generate
    parser.add_argument("--model", metavar="MODEL_ID", help="use this Hub model id and skip selection")
    parser.add_argument("--revision", metavar="SHA", help="with --model: the commit sha to pin")
    parser.add_argument(
        "--tiny-model",
        metavar="MODEL_ID",
        help="the tiny random test checkpoint of this type (TINY_MODEL_ID); semantic checks skip when it runs",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        metavar="DIR",
        help=f"where files go (default: {DEFAULT_OUTPUT_DIR}/)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite files that hf-testgen did not write")
    parser.add_argument("--dry-run", action="store_true", help="print the files; write nothing")
    parser.add_argument(
        "--verify", action="store_true", help="check each file parses, passes ruff and pytest collects it"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `test_generator_fixed.py`; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_guarded(lambda: _body(parser, args))


def _body(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.list_families:
        return print_families()
    single = args.generate or args.model_type
    if args.generate and args.model_type:
        parser.error("give the model type once: --generate TYPE")
    if not (single or args.all or args.batch_generate):
        parser.error("give --generate TYPE, --batch-generate T1,T2, --all or --list-families")
    _check_model_args(parser, args, single=bool(single))
    settings = settings_from(args)
    if single:
        outcome = generate_one(_clean_name(single), args, settings, strict=True, warned=set())
        if args.verify:
            problem = verification_problems([outcome], dry_run=args.dry_run).get(outcome.name)
            if problem:
                raise GenerationError(f"{outcome.path or outcome.file_name}: verification failed: {problem}")
        print(outcome.line, file=sys.stderr if args.dry_run else sys.stdout)
        return EXIT_OK
    names = all_model_types(settings) if args.all else _batch_names(args.batch_generate)
    return _run_batch(names, args, settings)


def _check_model_args(parser: argparse.ArgumentParser, args: argparse.Namespace, *, single: bool) -> None:
    """--model and --revision are validated before anything runs: a hostile value exits with 2."""
    if args.revision is not None and args.model is None:
        parser.error("--revision needs --model (a selected model is pinned to its own revision)")
    if args.model is not None and not single:
        parser.error("--model works with --generate TYPE only")
    try:
        if args.model is not None:
            validate_model_id(args.model)
        if args.revision is not None:
            validate_revision(args.revision)
    except ValueError as err:
        raise UsageError(str(err)) from None


def _clean_name(name: str) -> str:
    """The model type name as typed, lower-cased and validated (it becomes the file name).

    Raises:
        UsageError: not a safe model type name (e.g. "../evil").
    """
    cleaned = name.strip().lower()
    try:
        return validate_model_type(cleaned)
    except ValueError as err:
        raise UsageError(str(err)) from None


def _batch_names(text: str) -> list[str]:
    names = [_clean_name(part) for part in text.split(",") if part.strip()]
    if not names:
        raise UsageError("--batch-generate needs model types separated by commas, e.g. bert,gpt2,t5")
    return list(dict.fromkeys(names))


def all_model_types(settings: Settings) -> list[str]:
    """The types `--all` generates: supported by a family and with a model to load (registry or
    static default), naturally sorted."""
    from .selection import known_model_types, open_registry

    try:
        registry = open_registry(settings.registry_path)
    except RegistryError as err:
        print(f"warning: registry unusable, using the static defaults only: {err}", file=sys.stderr)
        registry = None
    with_models = known_model_types(registry)
    return [name for name in families.supported_model_types() if name in with_models]


# --- one model type ----------------------------------------------------------------------------------
def generate_one(
    name: str, args: argparse.Namespace, settings: Settings, *, strict: bool, warned: set[str]
) -> Outcome:
    """Select (unless --model), render, write or print, and verify the file for one model type.

    Args:
        name: the validated type name as typed (the file is named after it).
        strict: raise errors (single type) instead of returning a failed `Outcome` (batch).
        warned: selection warnings already printed in this run (each is printed once).

    Raises:
        HfTestgenError: when `strict` (UsageError for bad input, GenerationError when no family fits
            or a foreign file is in the way, NoModelFitsError when no model meets the constraints).
    """
    try:
        return _generate(name, args, settings, warned)
    except NoModelFitsError as err:
        if strict:
            raise
        if args.all:  # --all covers every supported type; the constraints may leave some without a model
            return Outcome(name, "skipped", f"{name}: skipped: {err}")
        return Outcome(name, "failed", f"{name}: failed: {err}")
    except (HfTestgenError, ValueError) as err:
        if strict:
            raise
        return Outcome(name, "failed", f"{name}: failed: {err}")


def _generate(name: str, args: argparse.Namespace, settings: Settings, warned: set[str]) -> Outcome:
    from .selection import known_model_types, open_registry

    try:
        registry = open_registry(settings.registry_path)
    except RegistryError:
        registry = None
    model_type = tasks.canonical_model_type(name, known_model_types(registry))
    task = tasks.canonical_task(args.task) if args.task else tasks.default_task(model_type)
    if task is None:
        raise GenerationError(f"{model_type} has no task: transformers' auto mappings give it no head")
    tasks.check_task(model_type, task)
    family = families.family_for(model_type, task)  # before selection: no model is worth a wrong template
    spec = _spec(name, model_type, task, family.name, args, settings, warned)
    text = render_test(spec)
    path = output_path(args.output_dir, name)
    shown = _shown_path(path, args.output_dir)
    revision = spec.revision[:12] if spec.revision else "default branch"
    where = f"{spec.model_id} @ {revision} ({_provenance(spec)})"
    if args.dry_run:
        sys.stdout.write(text)
        line = f"{name}: {where} -> {shown} (dry run: not written)"
        return Outcome(name, "printed", line, file_name=path.name, text=text)
    status = write_test(text, path, force=args.force)
    suffix = " (unchanged)" if status == "unchanged" else ""
    return Outcome(
        name, status, f"{name}: {where} -> {shown}{suffix}", file_name=path.name, path=path, text=text
    )


def verification_problems(outcomes: Sequence[Outcome], *, dry_run: bool) -> dict[str, str]:
    """--verify over every generated file at once: type name → problem, for the files that fail.

    Raises:
        GenerationError: ruff is not installed (verification cannot be done at all).
    """
    done = [o for o in outcomes if o.status != "failed" and o.text is not None]
    if dry_run:
        found = verify_texts({o.file_name: o.text for o in done if o.file_name})
        return {o.name: found[o.file_name] for o in done if o.file_name and found.get(o.file_name)}
    found_at = verify_test_files([o.path for o in done if o.path is not None])
    return {o.name: found_at[o.path.resolve()] for o in done if o.path and found_at.get(o.path.resolve())}


def _spec(
    name: str,
    model_type: str,
    task: str,
    family: str,
    args: argparse.Namespace,
    settings: Settings,
    warned: set[str],
) -> GenerationSpec:
    """The spec from --model (selection skipped) or from the selection chain."""
    options = _with_output_dir(args, _command_options(args, task))
    if args.model is not None:
        return GenerationSpec(
            model_type=model_type,
            model_id=args.model,
            revision=args.revision,
            task=task,
            family=family,
            source=COMMAND_LINE_SOURCE,
            size_mb=None,
            size_method=None,
            command=command_for(name, options),
            tiny_model_id=args.tiny_model,
        )
    from .cli import print_notes
    from .selection import select

    selection = select(request_from(args, model_type=model_type), settings)
    print_notes(_new_warnings(selection.notes, warned), explain=False)
    return GenerationSpec(
        model_type=model_type,
        model_id=selection.model_id,
        revision=selection.revision,
        task=selection.task or task,
        family=family,
        source=selection.source,
        size_mb=selection.size.mb if selection.size else None,
        size_method=selection.size.method if selection.size else None,
        command=command_for(name, options),
        tiny_model_id=args.tiny_model or selection.tiny_model_id,
    )


def _new_warnings(notes: Sequence[str], warned: set[str]) -> list[str]:
    """Warnings not printed yet in this run (a batch would repeat the same stale-registry line)."""
    fresh = [note for note in notes if note.startswith("warning:") and note not in warned]
    warned.update(fresh)
    return fresh


def _command_options(args: argparse.Namespace, task: str) -> list[tuple[str, str | None]]:
    """The flags that decide which model and task a file tests, in a fixed order."""
    options: list[tuple[str, str | None]] = [("--task", task)]
    if args.model is not None:
        options.append(("--model", args.model))
        if args.revision is not None:
            options.append(("--revision", args.revision))
        if args.tiny_model is not None:
            options.append(("--tiny-model", args.tiny_model))
        return options
    if args.hardware:
        options.append(("--hardware", args.hardware))
    if args.max_size is not None:
        options.append(("--max-size", f"{args.max_size:g}"))
    if args.framework != "pytorch":
        options.append(("--framework", args.framework))
    if args.allow_gated:
        options.append(("--allow-gated", None))
    if args.registry is not None:
        options.append(("--registry", str(args.registry)))
    return options


def _with_output_dir(
    args: argparse.Namespace, options: list[tuple[str, str | None]]
) -> list[tuple[str, str | None]]:
    """Regenerating must write the same path, so a non-default relative --output-dir is part of the
    command; an absolute one is left out (a file's bytes must not depend on the machine's paths)."""
    if Path(args.output_dir) == DEFAULT_OUTPUT_DIR or Path(args.output_dir).is_absolute():
        return options
    return [*options, ("--output-dir", str(args.output_dir))]


def _provenance(spec: GenerationSpec) -> str:
    source = "--model" if spec.source == COMMAND_LINE_SOURCE else spec.source
    return f"{source}, {size_text(spec.size_mb, spec.size_method).replace(' (', ' ').rstrip(')')}"


def _shown_path(path: Path, output_dir: Path) -> str:
    """The path as the user gave the directory (relative stays relative)."""
    return str(Path(output_dir) / path.name)


# --- batches -----------------------------------------------------------------------------------------
def _run_batch(names: list[str], args: argparse.Namespace, settings: Settings) -> int:
    start = time.perf_counter()
    outcomes: list[Outcome] = []
    warned: set[str] = set()
    for name in names:
        outcome = generate_one(name, args, settings, strict=False, warned=warned)
        outcomes.append(outcome)
        to_stderr = args.dry_run or outcome.status in ("failed", "skipped")
        print(outcome.line, file=sys.stderr if to_stderr else sys.stdout)
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


def batch_summary(outcomes: Sequence[Outcome], seconds: float) -> str:
    """`written N, skipped M, failed K`, then each skip (other than "unchanged") and failure with its reason.

    Skipped: the file was already up to date, or (--all) no model meets the constraints.
    """
    written = sum(o.status in ("written", "printed") for o in outcomes)
    skipped = [o for o in outcomes if o.status in ("unchanged", "skipped")]
    failed = [o for o in outcomes if o.status == "failed"]
    verb = "printed" if any(o.status == "printed" for o in outcomes) else "written"
    lines = [
        f"{verb} {written}, skipped {len(skipped)}, failed {len(failed)} "
        f"of {len(outcomes)} model types in {seconds:.1f}s"
    ]
    lines.extend(f"  {o.line}" for o in skipped if o.status == "skipped")
    lines.extend(f"  {o.line}" for o in failed)
    return "\n".join(lines)


# --- --list-families ---------------------------------------------------------------------------------
def print_families() -> int:
    """Family → model types it serves (for their default task), then the unsupported types with reasons."""
    grouped = families.types_by_family()
    for family in families.FAMILIES.values():
        names = grouped[family.name]
        tasks_served = ", ".join(family.tasks)
        print(f"{family.name} ({len(names)} types; template {family.template}; tasks: {tasks_served})")
        print(f"  {family.description}")
        print(_wrap(names, indent="  "))
    unsupported = families.unsupported_model_types()
    print(f"unsupported ({len(unsupported)} types; the reason for each):")
    for name in sorted(unsupported, key=natural_key):
        print(f"  {name}: {unsupported[name]}")
    supported = sum(len(names) for names in grouped.values())
    n_families = len(families.FAMILIES)
    print(f"{supported} model types supported in {n_families} families; --all generates those with a model")
    return EXIT_OK


def _wrap(names: Sequence[str], *, indent: str, width: int = 100) -> str:
    lines, current = [], indent
    for name in names:
        if len(current) + len(name) + 2 > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += name + ", "
    lines.append(current.rstrip().rstrip(","))
    return "\n".join(lines)
