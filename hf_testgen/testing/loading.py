"""Load a generated test's checkpoint strictly, and decide whether a problem fails or skips the test.

The rule (issue 8): a test skips only when retrying could help: the Hub cannot be reached and
the files are not cached, access is gated, or a library is missing. A repository or revision the
Hub says does not exist, a local folder that is missing, broken or without weights, and a
checkpoint whose head weights are missing (so transformers initialised them at random) fail,
naming the cause. Every wait is bounded: one metadata request decides whether the Hub answers,
within `PROBE_TIMEOUT_S` of wall-clock time for all of it (connect, headers, body: `hub_http.bounded`,
so a server trickling its headers cannot stretch it); when it does not, only the local cache is used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from ..core.errors import GenerationError, HubUnavailableError
from ..core.files import DataFileError, read_data_file
from ..core.outside import OutsideValueError, loads
from ..core.text import redact_secrets, redact_url
from ..facts.families import Head, resolve_head
from ..hub.http import bounded
from .settings import RuntimeSettings, Target

PROBE_TIMEOUT_S = 10.0
WEIGHT_GLOBS = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.ckpt", "*.h5", "*.msgpack", "*.safetensors.index.json")
_SHOWN_KEYS = 8  # a failure names this many keys, then says how many more
# Endpoints that did not answer in this process: later modules use the cache without waiting again.
_UNREACHABLE: dict[str, str] = {}
# Libraries whose errors mean "the network failed", not "the model is broken".
_NETWORK_MODULES = frozenset({"httpx", "httpcore", "requests", "urllib3", "socket", "ssl"})


class LoadSkip(Exception):
    """The weights cannot be had here and now; retrying elsewhere or later could help.

    Its message (and LoadFailure's) becomes a skip or failure reason, hence junit XML and coverage
    pages: it is redacted once, here, so no token, endpoint password or query string is ever in it.
    """

    def __init__(self, message: object = "") -> None:
        super().__init__(redact_secrets(message))


class HubUnreachableSkip(LoadSkip):
    """The Hub cannot be reached (or answered an error) and the files are not cached: running it elsewhere helps."""


class LoadFailure(Exception):
    """The checkpoint is broken, absent or not a model for the task: the test fails with this message."""

    def __init__(self, message: object = "") -> None:
        super().__init__(redact_secrets(message))


@dataclass
class Loaded:
    """A strictly loaded model and its preprocessor, with what the load reported."""

    torch: Any
    transformers: Any
    head: Head
    model: Any
    preprocessor: Any
    load_seconds: float
    unused_keys: tuple[str, ...]  # checkpoint weights of another task's head, not used here
    tokenizer: Any = None  # what decodes the output when the preprocessor cannot (speech recognition)

    @property
    def dtype(self) -> str:
        return str(self.model.dtype).removeprefix("torch.")


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def load(target: Target, settings: RuntimeSettings) -> Loaded:
    """Import the libraries, check access, load preprocessor and model, and check the weights.

    Raises:
        LoadSkip: a library is missing, access is gated, or the Hub is unreachable and the files
            are not cached.
        LoadFailure: anything else that keeps the model from being the checkpoint's model.
    """
    torch, transformers = _import("torch"), _import("transformers")
    head = head_of(target)
    if getattr(transformers, head.head_class, None) is None:
        raise LoadSkip(f"transformers {transformers.__version__} has no {head.head_class}")
    unreachable = None
    if target.is_local:
        check_local_folder(target)
    else:
        unreachable = hub_access(target, settings)
    local_only = bool(unreachable) or target.is_local
    start = time.perf_counter()
    try:
        preprocessor = _from_pretrained(getattr(transformers, head.preprocessor), target, local_only)
        model, info = _load_model(transformers, torch, head, target, local_only=bool(unreachable))
        tokenizer = preprocessor
        if head.task == "automatic-speech-recognition" and not hasattr(preprocessor, "batch_decode"):
            tokenizer = _from_pretrained(transformers.AutoTokenizer, target, local_only)
    except (LoadSkip, LoadFailure):
        raise
    except Exception as error:
        raise _classify(error, target, unreachable) from error
    problems, unused = weight_problems(model, info)
    if problems:
        raise LoadFailure(
            f"{target.model_id} is not a complete {head.head_class} checkpoint for {target.task}: "
            + "; ".join(problems)
        )
    model.eval()
    return Loaded(torch, transformers, head, model, preprocessor, time.perf_counter() - start, unused, tokenizer)


def head_of(target: Target) -> Head:
    """How the file loads its model: the package's facts for the preprocessor and the task's variant, and the
    file's own HEAD_CLASS and AUTO_CLASS when it names them (a file from before them: the facts' classes).

    Raises:
        LoadFailure: the facts know no way to load (model type, task).
    """
    try:
        head = resolve_head(target.model_type, target.task)
    except GenerationError as error:
        raise LoadFailure(str(error)) from None
    if target.head_class is None or target.auto_class is None:
        return head
    return replace(head, head_class=target.head_class, auto_classes=(target.auto_class,))


def _from_pretrained(cls: Any, target: Target, local_only: bool) -> Any:
    return cls.from_pretrained(target.model_id, revision=target.revision, local_files_only=local_only)


def _import(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise LoadSkip(f"{name} cannot be imported: {first_line(error)}") from None


def check_local_folder(target: Target) -> None:
    """A local folder must exist and hold a readable config.json and weight files.

    Raises:
        LoadFailure: naming what is wrong (transformers would report an OSError that looks like a
            download problem).
    """
    path = target.local_path
    if not path.exists():
        raise LoadFailure(f"the local model folder {path} does not exist")
    if not path.is_dir():
        raise LoadFailure(f"{path} is not a folder (a local model is a folder with config.json and weights)")
    config = path / "config.json"
    if not config.is_file():
        raise LoadFailure(f"the local model folder {path} has no config.json")
    try:
        loads(read_data_file(config))
    except (DataFileError, OutsideValueError) as error:
        raise LoadFailure(f"{config} is corrupt: {first_line(error)}") from None
    if not any(any(path.glob(pattern)) for pattern in WEIGHT_GLOBS):
        raise LoadFailure(f"the local model folder {path} holds no weight files ({', '.join(WEIGHT_GLOBS[:2])}, ...)")


def hub_access(target: Target, settings: RuntimeSettings) -> str | None:
    """Ask the Hub about the repository once, with a bounded wait.

    Returns:
        None when the Hub answered that the revision exists, else why only the cache can be used.

    Raises:
        LoadSkip: access is gated.
        LoadFailure: the Hub says the repository or revision does not exist.
    """
    if settings.offline:
        return "HF_HUB_OFFLINE is set"
    if settings.endpoint in _UNREACHABLE:  # one silent Hub costs one bounded wait per session, not one per file
        return _UNREACHABLE[settings.endpoint]
    from huggingface_hub import HfApi

    api = HfApi(endpoint=settings.endpoint, library_name="hf-testgen")
    started = time.monotonic()
    try:
        with bounded(PROBE_TIMEOUT_S, settings.endpoint):
            api.model_info(target.model_id, revision=target.revision, timeout=PROBE_TIMEOUT_S)
    except HubUnavailableError as error:
        if error.reason in ("rate_limited", "server_error"):  # this answer, not the whole Hub (as below)
            return f"{settings.endpoint} answered: {error}"
        return _unreachable(settings.endpoint, unreachable_reason(settings.endpoint, error, time.monotonic() - started))
    except Exception as error:
        return _probe_answer(error, target, settings, time.monotonic() - started)
    return None


def _probe_answer(error: Exception, target: Target, settings: RuntimeSettings, waited_s: float) -> str:
    """What a failed probe means: a skip or failure (raised), or why only the cache can be used (returned)."""
    from huggingface_hub import errors

    if isinstance(error, errors.GatedRepoError):
        raise LoadSkip(f"access to {target.model_id} is gated: {first_line(error)}") from None
    if isinstance(error, errors.RepositoryNotFoundError):
        raise LoadFailure(
            f"the Hub at {redact_url(settings.endpoint)} says {target.model_id} does not exist "
            f"(or is private and no token was given): {first_line(error)}"
        ) from None
    if isinstance(error, errors.RevisionNotFoundError):
        raise LoadFailure(f"{target.model_id} has no revision {target.revision}: {first_line(error)}") from None
    if isinstance(error, errors.HfHubHTTPError):  # 5xx, 429: this answer, not the whole Hub
        return f"{redact_url(settings.endpoint)} answered {first_line(error)}"
    # timeouts, refused connections, unknown host names, malformed answers
    return _unreachable(settings.endpoint, unreachable_reason(redact_url(settings.endpoint), error, waited_s))


def _unreachable(endpoint: str, reason: str) -> str:
    _UNREACHABLE[endpoint] = reason
    return reason


def unreachable_reason(endpoint: str, error: BaseException, waited_s: float) -> str:
    """Why the Hub gave no answer, with the real wait: a timeout says it waited the bound, anything else (an
    unknown host name, a refused connection) names its root cause and the seconds it took."""
    root = _chain(error)[-1]
    if waited_s >= 0.9 * PROBE_TIMEOUT_S:
        return f"{endpoint} did not answer within {PROBE_TIMEOUT_S:g} s ({first_line(root)})"
    return f"{endpoint} could not be reached after {waited_s:.1f} s: {first_line(root)}"


def _load_model(transformers, torch, head: Head, target: Target, *, local_only: bool):
    """(model, loading info): with the file's AUTO_CLASS exactly, checked to give its HEAD_CLASS; a file from
    before them tries the facts' Auto classes in order, then the head class, as it did when it was written."""
    major = int(transformers.__version__.split(".")[0])
    dtype = target.dtype if target.dtype == "auto" else getattr(torch, target.dtype)
    arguments = {"revision": target.revision, "local_files_only": local_only or target.is_local}
    arguments.update({"output_loading_info": True, "dtype" if major >= 5 else "torch_dtype": dtype})
    if target.auto_class is not None:
        cls = getattr(transformers, target.auto_class, None)
        if cls is None:
            raise LoadSkip(f"transformers {transformers.__version__} has no {target.auto_class} (AUTO_CLASS)")
        model, info = cls.from_pretrained(target.model_id, **arguments)
        if type(model).__name__ != head.head_class:
            raise LoadFailure(
                f"{target.auto_class} loads {target.model_id} as {type(model).__name__}, "
                f"not the file's HEAD_CLASS {head.head_class}"
            )
        return model, info
    return _load_by_facts(transformers, head, target, arguments)


def _load_by_facts(transformers, head: Head, target: Target, arguments: dict[str, Any]):
    """A file without AUTO_CLASS: the first class in `head` that this transformers has and that maps it."""
    last_error: Exception | None = None
    for name in (*head.auto_classes, head.head_class):
        cls = getattr(transformers, name, None)
        if cls is None:
            continue
        try:
            return cls.from_pretrained(target.model_id, **arguments)
        except ValueError as error:  # an Auto class of this version that does not map the checkpoint
            if not name.startswith("Auto"):
                raise
            last_error = error
    if last_error is not None:
        raise last_error
    raise LoadSkip(f"transformers {transformers.__version__} has none of {', '.join(head.auto_classes)}")


def _chain(error: BaseException) -> list[BaseException]:
    """The error and its causes (transformers wraps huggingface_hub's errors in OSError)."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _classify(error: Exception, target: Target, unreachable: str | None) -> Exception:
    """LoadSkip or LoadFailure for an error raised while loading."""
    chain = _chain(error)
    if any(isinstance(item, ImportError) for item in chain):
        return LoadSkip(f"a library {target.model_id} needs is missing: {first_line(error)}")
    if target.is_local:
        return LoadFailure(f"the local model folder {target.model_id} does not load: {first_line(error)}")
    from huggingface_hub import errors

    names = {type(item).__name__ for item in chain}
    if any(isinstance(item, errors.GatedRepoError) for item in chain):
        return LoadSkip(f"access to {target.model_id} is gated: {first_line(error)}")
    not_found = (errors.RepositoryNotFoundError, errors.RevisionNotFoundError, errors.RemoteEntryNotFoundError)
    if any(isinstance(item, not_found) for item in chain):
        return LoadFailure(f"{target.model_id} lacks what the test needs: {first_line(error)}")
    if unreachable:
        return HubUnreachableSkip(f"the files of {target.model_id} are not cached and {unreachable}")
    network = any(type(item).__module__.split(".")[0] in _NETWORK_MODULES for item in chain)
    if network or names & {"LocalEntryNotFoundError", "OfflineModeIsEnabled"} or _is_http_retryable(chain):
        return HubUnreachableSkip(f"the files of {target.model_id} cannot be downloaded now: {first_line(error)}")
    return LoadFailure(f"{target.model_id} does not load: {first_line(error)}")


def _is_http_retryable(chain: list[BaseException]) -> bool:
    for item in chain:
        response = getattr(item, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int) and (status >= 500 or status in (408, 429)):
            return True
    return False


def weight_problems(model, info: dict[str, Any]) -> tuple[list[str], tuple[str, ...]]:
    """What makes the loaded model differ from the checkpoint, and the harmless unused keys.

    Missing keys were newly initialised at random; mismatched ones too. Unexpected keys fail when
    they belong to the part of the model the test runs (its base model: e.g. an encoder layer the
    config does not have); keys of another task's head (a pretraining checkpoint's NSP head, a
    pooler the masked-LM class has no use for) are reported as unused, not as a failure.
    """
    problems = []
    missing = sorted(info.get("missing_keys") or ())
    mismatched = sorted(str(item[0] if isinstance(item, tuple) else item) for item in info.get("mismatched_keys") or ())
    unexpected = sorted(info.get("unexpected_keys") or ())
    inside = [key for key in unexpected if _inside_base_model(key, model)]
    if missing:
        problems.append(
            f"{len(missing)} weights are missing from the checkpoint (newly initialised): {_names(missing)}"
        )
    if mismatched:
        problems.append(f"{len(mismatched)} weights have another shape than the model's: {_names(mismatched)}")
    if inside:
        problems.append(f"{len(inside)} unexpected weights of the model's own layers: {_names(inside)}")
    for message in info.get("error_msgs") or ():
        problems.append(f"loading error: {str(message).splitlines()[0]}")
    return problems, tuple(key for key in unexpected if key not in inside)


def _inside_base_model(key: str, model) -> bool:
    prefix = getattr(model, "base_model_prefix", "") or ""
    base = getattr(model, "base_model", model)
    rest = key[len(prefix) + 1 :] if prefix and key.startswith(prefix + ".") else key
    return rest.split(".")[0] in {name for name, _ in base.named_children()}


def _names(keys: list[str]) -> str:
    shown = ", ".join(keys[:_SHOWN_KEYS])
    return shown + (f" and {len(keys) - _SHOWN_KEYS} more" if len(keys) > _SHOWN_KEYS else "")
