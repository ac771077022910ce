"""Model type → selected model → rendered test file → written (or returned): the library side of
`test_generator_fixed.py` and `hf_testgen.generate`.

`generate()` does one model type and raises our errors; the command (`cli_generate`) parses flags,
prints the outcome lines and chooses the exit code. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..core.config import Settings
from ..core.errors import GenerationError, RegistryError, UsageError
from ..core.files import same_file
from ..core.records import (
    Framework,
    LoadDtype,
    Note,
    validate_model_id,
    validate_model_type,
    validate_revision,
)
from ..core.text import bound_words, format_mb
from ..facts import families, tasks
from ..facts.tiny import tiny_for_head
from .checks import verify_test_files, verify_texts
from .render import COMMAND_LINE_SOURCE, GenerationSpec, command_for, output_path, render_test, write_test

DEFAULT_OUTPUT_DIR = Path("generated_tests")
Status = Literal["written", "unchanged", "printed", "skipped", "failed"]


@dataclass(frozen=True)
class GenerationRequest:
    """One model type to generate a test for, and how to choose its model.

    `model_type` is the name as typed (the file is named after it). With `model`, selection is
    skipped and that id (pinned to `revision` when given) is tested. `hardware` is a profile name,
    "auto" (this machine) or "none", as in `SelectionRequest`.
    """

    model_type: str
    task: str | None = None
    hardware: str | None = "auto"
    max_size_mb: float | None = None
    framework: Framework = "pytorch"
    allow_gated: bool = False
    dtype: LoadDtype = "auto"  # the dtype the file loads the weights in ("auto": as stored)
    strict_size: bool = False
    model: str | None = None
    revision: str | None = None
    tiny_model: str | None = None  # the file's TINY_MODEL_ID (default: the selection's tiny checkpoint)
    output_dir: Path = DEFAULT_OUTPUT_DIR
    force: bool = False
    dry_run: bool = False
    registry: Path | None = None  # an explicit --registry, repeated in the regenerate command

    def __post_init__(self) -> None:
        """Bad values stop here, before any selection or file work (a hostile id exits with 2)."""
        if self.revision is not None and self.model is None:
            raise UsageError("--revision needs --model (a selected model is pinned to its own revision)")
        try:
            if self.model is not None:
                validate_model_id(self.model)
            if self.revision is not None:
                validate_revision(self.revision)
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
    from ..selection.chain import known_model_types, open_registry

    try:
        registry = open_registry(settings.registry_path)
    except RegistryError as err:
        if notes is not None:
            notes.append(Note("warning", f"registry unusable, using the static defaults only: {err}"))
        registry = None
    with_models = known_model_types(registry)
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
    name = clean_name(request.model_type)
    model_type, task = _type_and_task(name, request, settings)
    family = families.family_for(model_type, task)  # before selection: no model is worth a wrong template
    spec, notes = _spec(name, model_type, task, family.name, request, settings)
    text = render_test(spec)
    path = output_path(request.output_dir, name, None if task == tasks.default_task(model_type) else task)
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


def _type_and_task(name: str, request: GenerationRequest, settings: Settings) -> tuple[str, str]:
    """The canonical model type and the task to test (the type's default task unless given)."""
    from ..selection.chain import known_model_types, open_registry

    try:
        registry = open_registry(settings.registry_path)
    except RegistryError:
        registry = None
    model_type = tasks.canonical_model_type(name, known_model_types(registry))
    task = tasks.canonical_task(request.task) if request.task else tasks.default_task(model_type)
    if task is None:
        raise GenerationError(f"{model_type} has no task: transformers' auto mappings give it no head")
    tasks.check_task(model_type, task)
    return model_type, task


def _spec(
    name: str, model_type: str, task: str, family: str, request: GenerationRequest, settings: Settings
) -> tuple[GenerationSpec, tuple[Note, ...]]:
    """The spec from `request.model` (selection skipped) or from the selection chain, and its notes."""
    command = command_for(name, _with_output_dir(request, _command_options(request, task)))
    if request.model is not None:
        spec = GenerationSpec(
            model_type=model_type,
            model_id=request.model,
            revision=request.revision,
            task=task,
            family=family,
            source=COMMAND_LINE_SOURCE,
            size_mb=None,
            size_method=None,
            command=command,
            tiny_model_id=request.tiny_model,
            load_dtype=request.dtype,
        )
        return spec, ()
    from ..selection.chain import SelectionRequest, select

    selection = select(
        SelectionRequest(
            model_type=model_type,
            task=request.task,
            hardware=request.hardware,
            max_size_mb=request.max_size_mb,
            framework=request.framework,
            allow_gated=request.allow_gated,
            dtype=request.dtype,
            strict_size=request.strict_size,
        ),
        settings,
    )
    tiny_model_id, tiny_reason = request.tiny_model, None
    if tiny_model_id is None:
        head = families.resolve_head(model_type, selection.task or task)
        tiny_model_id, tiny_reason = tiny_for_head(head.head_class, selection.tiny_model_id)
    spec = GenerationSpec(
        model_type=model_type,
        model_id=selection.model_id,
        revision=selection.revision,
        task=selection.task or task,
        family=family,
        source=selection.source,
        size_mb=selection.size.mb if selection.size else None,
        size_method=selection.size.method if selection.size else None,
        command=command,
        tiny_model_id=tiny_model_id,
        tiny_reason=tiny_reason,
        load_dtype=selection.load_dtype,
        size_dtype=selection.size.dtype if selection.size else None,
        size_bound=selection.size.bound if selection.size else None,
        size_limit=limit_text(selection.size_limit_mb, selection.size_limit_label),
    )
    return spec, selection.notes


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
    if request.hardware and request.hardware != "auto":  # auto (this machine) is the default
        options.append(("--hardware", request.hardware))
    if request.max_size_mb is not None:
        options.append(("--max-size", f"{request.max_size_mb:g}"))
    if request.framework != "pytorch":
        options.append(("--framework", request.framework))
    if request.allow_gated:
        options.append(("--allow-gated", None))
    if request.dtype != "auto":
        options.append(("--dtype", request.dtype))
    if request.strict_size:
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
    if dry_run:
        found = verify_texts({o.file_name: o.text for o in done if o.file_name and o.text is not None})
        return {o.name: found[o.file_name] for o in done if o.file_name and found.get(o.file_name)}
    found_at = verify_test_files([o.path for o in done if o.path is not None])
    return {o.name: found_at[o.path.resolve()] for o in done if o.path and found_at.get(o.path.resolve())}


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
