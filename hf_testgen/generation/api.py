"""Model type → selected model → rendered test file → written (or returned): the library side of
`test_generator_fixed.py` and `hf_testgen.generate`.

`generate()` does one model type and raises our errors; the command (`cli_generate`) parses flags,
prints the outcome lines and chooses the exit code. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ..core.config import Settings
from ..core.errors import GenerationError, UsageError
from ..core.files import same_file
from ..core.records import Note, Selection, validate_model_id, validate_model_type, validate_revision
from ..core.text import bound_words, format_mb
from ..facts import families, tasks
from ..facts.families import Head
from ..facts.tiny import tiny_for_head
from ..selection.chain import ResolvedRequest, SelectionRequest, resolve, select
from ..selection.request import registry_model_types
from .checks import verify_test_files, verify_texts
from .render import COMMAND_LINE_SOURCE, GenerationSpec, command_for, path_for, render_test, write_test

DEFAULT_OUTPUT_DIR = Path("generated_tests")
Status = Literal["written", "unchanged", "printed", "skipped", "failed"]


@dataclass(frozen=True, init=False)
class GenerationRequest:
    """One model type to generate a test for, and how to choose its model.

    `selection` says how to choose the model; its `model_type` is the name as typed, cleaned (the file is
    named after it). With `model`, selection is skipped and that id (pinned to `revision` when given) is
    tested. Build it from a `SelectionRequest`, or with the selection's fields as keywords::

        GenerationRequest(model_type="bert", task="fill-mask", output_dir=Path("tests"))
        GenerationRequest(selection=SelectionRequest("bert", max_size_mb=500), dry_run=True)

    Every value is checked here, where it enters, and trusted after.

    Raises:
        UsageError: a name, model id or revision that is not safe to put in a file, or --revision
            without --model. TypeError: neither or both of `model_type` and `selection`.
    """

    selection: SelectionRequest
    model: str | None = None
    revision: str | None = None
    tiny_model: str | None = None  # the file's TINY_MODEL_ID (default: the selection's tiny checkpoint)
    output_dir: Path = DEFAULT_OUTPUT_DIR
    force: bool = False
    dry_run: bool = False
    registry: Path | None = None  # an explicit --registry, repeated in the regenerate command

    def __init__(
        self,
        model_type: str | None = None,
        *,
        selection: SelectionRequest | None = None,
        model: str | None = None,
        revision: str | None = None,
        tiny_model: str | None = None,
        output_dir: Path = DEFAULT_OUTPUT_DIR,
        force: bool = False,
        dry_run: bool = False,
        registry: Path | None = None,
        **selection_fields: Any,
    ) -> None:
        if (model_type is None) == (selection is None) or (selection is not None and selection_fields):
            raise TypeError("GenerationRequest takes model_type (and the selection's fields) or selection=")
        if selection is None:
            selection = SelectionRequest(model_type, **selection_fields)  # type: ignore[arg-type]
        selection = replace(selection, model_type=clean_name(selection.model_type))  # the name first, as typed
        _check_ids(model, revision, tiny_model)
        values = dict(selection=selection, model=model, revision=revision, tiny_model=tiny_model)
        values.update(output_dir=output_dir, force=force, dry_run=dry_run, registry=registry)
        for name, value in values.items():  # a frozen dataclass sets its fields this way in its own __init__
            object.__setattr__(self, name, value)

    @property
    def name(self) -> str:
        """The model type as typed, cleaned: the file is named after it."""
        return self.selection.model_type


def _check_ids(model: str | None, revision: str | None, tiny_model: str | None) -> None:
    """Bad values stop here, before any selection or file work (a hostile id exits with 2)."""
    if revision is not None and model is None:
        raise UsageError("--revision needs --model (a selected model is pinned to its own revision)")
    try:
        for model_id in (model, tiny_model):
            if model_id is not None:
                validate_model_id(model_id)
        if revision is not None:
            validate_revision(revision)
    except ValueError as err:
        raise UsageError(str(err)) from None


@dataclass(frozen=True)
class Outcome:
    """What happened to one model type.

    "skipped" is a type `--all` could not give a model under the constraints (the line says why).
    """

    name: str
    status: Status
    line: str
    file_name: str | None = None  # the file written (or printed, for a dry run)
    path: Path | None = None  # where it was written (None for a dry run and failures)
    text: str | None = None  # the rendered file
    notes: tuple[Note, ...] = field(default=(), compare=False)  # the selection's notes
    revision: str | None = None  # the commit the file pins (None: the default branch)


def clean_name(name: str) -> str:
    """The model type name as typed, lower-cased and validated (it becomes the file name).

    Raises:
        UsageError: not a safe model type name (e.g. "../evil").
    """
    cleaned = name.strip().lower()
    try:
        return validate_model_type(cleaned)
    except ValueError as err:
        raise UsageError(str(err)) from None


def _refuse_data_files(path: Path, shown: str, settings: Settings) -> None:
    """A generated file may never replace the registry or benchmarks.json (a link in the output folder).

    Raises:
        GenerationError: naming the file and the data file it is.
    """
    for label, data in (("the registry", settings.registry_path), ("benchmarks.json", settings.benchmarks_path)):
        if same_file(path, data):
            raise GenerationError(f"refusing to write {shown}: it is {label} ({data})")


def all_model_types(settings: Settings, notes: list[Note] | None = None) -> list[str]:
    """The types `--all` generates: supported by a family and with a model to load (registry or
    static default), naturally sorted. An unusable registry adds a warning to `notes`."""
    with_models = registry_model_types(settings, notes)
    return [name for name in families.supported_model_types() if name in with_models]


def generate(request: GenerationRequest, settings: Settings) -> Outcome:
    """Select (unless `request.model`), render, and write (or, for a dry run, return) one test file.

    Args:
        request: the model type and how to choose its model.
        settings: the environment's settings (`Settings.from_env()`).

    Returns:
        The outcome: "written", "unchanged" or (dry run) "printed", with the file's text.

    Raises:
        UsageError: bad input (unknown type or task, unsafe name).
        GenerationError: no family fits, or a file hf-testgen did not write is in the way.
        NoModelFitsError: no known model meets the constraints.
    """
    name, target = request.name, resolve(request.selection, settings)  # type and task: resolved once, here
    if target.task is None:
        raise GenerationError(f"{target.model_type} has no task: transformers' auto mappings give it no head")
    head = families.resolve_head(target.model_type, target.task)  # before selection: no model is worth a wrong template
    spec, notes = _spec(target, head, request, settings)
    text = render_test(spec)
    path = path_for(request.output_dir, name, None if head.task == tasks.default_task(head.model_type) else head.task)
    shown = str(Path(request.output_dir) / path.name)  # as the user gave the directory
    revision = spec.revision[:12] if spec.revision else "default branch"
    where = f"{spec.model_id} @ {revision} ({_provenance(spec)})"
    if request.dry_run:
        line = f"{name}: {where} -> {shown} (dry run: not written)"
        return Outcome(name, "printed", line, file_name=path.name, text=text, notes=notes, revision=spec.revision)
    _refuse_data_files(path, shown, settings)
    status = write_test(text, path, force=request.force)
    suffix = " (unchanged)" if status == "unchanged" else ""
    line = f"{name}: {where} -> {shown}{suffix}"
    return Outcome(name, status, line, file_name=path.name, path=path, text=text, notes=notes, revision=spec.revision)


def _spec(
    target: ResolvedRequest, head: Head, request: GenerationRequest, settings: Settings
) -> tuple[GenerationSpec, tuple[Note, ...]]:
    """The spec from `request.model` (selection skipped) or from the selection chain, and its notes."""
    command = command_for(request.name, _with_output_dir(request, _command_options(request, head.task)))
    if request.model is not None:
        spec = GenerationSpec(
            model_type=head.model_type,
            model_id=request.model,
            revision=request.revision,
            task=head.task,
            family=head.family.name,
            source=COMMAND_LINE_SOURCE,
            size_mb=None,
            size_method=None,
            command=command,
            tiny_model_id=request.tiny_model,
            load_dtype=request.selection.dtype,
            head=head,
        )
        return spec, ()
    selection = select(target, settings)
    return _selected_spec(selection, head, request, command), selection.notes


def _selected_spec(selection: Selection, head: Head, request: GenerationRequest, command: str) -> GenerationSpec:
    """The spec of a selected model: the selection's facts, and the tiny checkpoint of the file's head."""
    tiny_model_id, tiny_reason = request.tiny_model, None
    if tiny_model_id is None:
        tiny_model_id, tiny_reason = tiny_for_head(head.head_class, selection.tiny_model_id)
    size = selection.size
    return GenerationSpec(
        model_type=selection.model_type,
        model_id=selection.model_id,
        revision=selection.revision,
        task=head.task,
        family=head.family.name,
        source=selection.source,
        size_mb=size.mb if size else None,
        size_method=size.method if size else None,
        command=command,
        tiny_model_id=tiny_model_id,
        tiny_reason=tiny_reason,
        load_dtype=selection.load_dtype,
        size_dtype=size.dtype if size else None,
        size_bound=size.bound if size else None,
        size_limit=limit_text(selection.size_limit_mb, selection.size_limit_label),
        head=head,
    )


def _command_options(request: GenerationRequest, task: str) -> list[tuple[str, str | None]]:
    """The flags that decide which model and task a file tests, in a fixed order."""
    options: list[tuple[str, str | None]] = [("--task", task)]
    if request.model is not None:
        options.append(("--model", request.model))
        if request.revision is not None:
            options.append(("--revision", request.revision))
        if request.tiny_model is not None:
            options.append(("--tiny-model", request.tiny_model))
        return options
    wanted = request.selection
    if wanted.hardware and wanted.hardware != "auto":  # auto (this machine) is the default
        options.append(("--hardware", wanted.hardware))
    if wanted.max_size_mb is not None:
        options.append(("--max-size", f"{wanted.max_size_mb:g}"))
    if wanted.framework != "pytorch":
        options.append(("--framework", wanted.framework))
    if wanted.allow_gated:
        options.append(("--allow-gated", None))
    if wanted.dtype != "auto":
        options.append(("--dtype", wanted.dtype))
    if wanted.strict_size:
        options.append(("--strict-size", None))
    if request.registry is not None and not Path(request.registry).is_absolute():
        options.append(("--registry", str(request.registry)))
    return options


def _with_output_dir(request: GenerationRequest, options: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Regenerating must write the same path, so a non-default relative output directory is part of the
    command; an absolute one (like an absolute --registry) is left out: a file's bytes must not depend
    on the machine's paths."""
    if Path(request.output_dir) == DEFAULT_OUTPUT_DIR or Path(request.output_dir).is_absolute():
        return options
    return [*options, ("--output-dir", str(request.output_dir))]


def _provenance(spec: GenerationSpec) -> str:
    source = "--model" if spec.source == COMMAND_LINE_SOURCE else spec.source
    size = format_mb(spec.size_mb, dtype=spec.size_dtype)
    method = f" {spec.size_method}{bound_words(spec.size_bound)}" if spec.size_method else ""
    return f"{source}, {size}{method}"


def limit_text(limit_mb: float | None, label: str | None) -> str:
    """The size limit a file was selected under, for its header and --all's first line."""
    return "none" if limit_mb is None else f"{limit_mb:,.0f} MB ({label})"


def verification_problems(outcomes: Sequence[Outcome], *, dry_run: bool) -> dict[str, str]:
    """Verify every generated file at once: type name → problem, for the files that fail.

    Raises:
        GenerationError: ruff is not installed (verification cannot be done at all).
    """
    done = [o for o in outcomes if o.status != "failed" and o.text is not None]
    return _text_problems(done) if dry_run else _file_problems(done)


def _text_problems(done: list[Outcome]) -> dict[str, str]:
    """A dry run's files, checked from their texts."""
    texts = {o.file_name: o.text for o in done if o.file_name and o.text is not None}
    found = verify_texts(texts)
    return {o.name: found[o.file_name] for o in done if o.file_name in texts and found.get(o.file_name)}


def _file_problems(done: list[Outcome]) -> dict[str, str]:
    """Written files, checked where they are."""
    paths = {o.name: o.path.resolve() for o in done if o.path is not None}
    found_at = verify_test_files([o.path for o in done if o.path is not None])
    return {name: found_at[path] for name, path in paths.items() if found_at.get(path)}


def batch_summary(outcomes: Sequence[Outcome], seconds: float) -> str:
    """`written N, skipped M, failed K`, then each skip (other than "unchanged") and failure with its reason.

    Skipped: the file was already up to date, or (--all) no model meets the constraints.
    """
    written = sum(o.status in ("written", "printed") for o in outcomes)
    produced = [o for o in outcomes if o.status in ("written", "printed", "unchanged")]
    pinned = sum(o.revision is not None for o in produced)
    skipped = [o for o in outcomes if o.status in ("unchanged", "skipped")]
    failed = [o for o in outcomes if o.status == "failed"]
    verb = "printed" if any(o.status == "printed" for o in outcomes) else "written"
    lines = [
        f"{verb} {written}, skipped {len(skipped)}, failed {len(failed)} "
        f"of {len(outcomes)} model types in {seconds:.1f}s; {pinned} of {len(produced)} files pin a commit sha"
    ]
    lines.extend(f"  {o.line}" for o in skipped if o.status == "skipped")
    lines.extend(f"  {o.line}" for o in failed)
    return "\n".join(lines)
