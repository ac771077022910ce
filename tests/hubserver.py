"""A local stand-in for the Hugging Face Hub HTTP API, with fault injection.

The real Hub is unreachable from the test machines, and mocking ``huggingface_hub`` would
only prove that our code calls our mocks.  ``LocalHub`` is a real HTTP server on 127.0.0.1
that speaks enough of the Hub's wire protocol for the *real* client to work unchanged:
``HfApi.list_models`` (filters, sort, ``expand``, ``Link`` pagination), ``HfApi.model_info``
(including ``files_metadata=True``), ``hf_hub_download`` / ``snapshot_download`` (HEAD
metadata headers, tree listing) and ``transformers``' ``from_pretrained`` in a subprocess
that has ``HF_ENDPOINT`` pointing here.  Faults (status codes, malformed JSON, slow
answers, a Hub where nothing exists) are injected per path prefix so tests can exercise
retry and fallback paths deterministically.

Error answers carry the ``X-Error-Code`` header because that, not the status code, is what
``huggingface_hub.utils.hf_raise_for_status`` uses to pick ``RepositoryNotFoundError``,
``RevisionNotFoundError``, ``RemoteEntryNotFoundError`` or ``GatedRepoError``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

# Files above this size, and weight files whatever their size, are stored in Git LFS on the Hub.
LFS_THRESHOLD = 10 * 1024 * 1024
LFS_SUFFIXES = (".safetensors", ".bin")
LFS_POINTER_SIZE = 134
# A delayed answer never sleeps longer than this, so a forgotten delay cannot hang a test run.
MAX_DELAY_SECONDS = 30.0
# Fields of a list_models item when no ``expand``/``full`` is asked for (the Hub's short form).
SHORT_FIELDS = (
    "_id",
    "id",
    "likes",
    "downloads",
    "trendingScore",
    "private",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "gated",
)
SORT_FIELDS = ("downloads", "likes", "trendingScore", "lastModified", "createdAt")
REPO_ACTIONS = ("revision", "tree", "paths-info")
COMMIT_RE = re.compile(r"[0-9a-f]{40}")
FIXED_DATE = "2024-01-01T00:00:00.000Z"


def git_blob_sha1(content: bytes) -> str:
    """The git object id of a blob: what the Hub reports as a regular file's ETag and ``oid``."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def fake_commit(*parts: str) -> str:
    """A stable 40-hex commit id for repos or revisions that were given none."""
    return hashlib.sha1("@".join(parts).encode()).hexdigest()


def is_lfs(filename: str, size: int) -> bool:
    """Whether the Hub would store this file in LFS (changes ETag and metadata headers)."""
    return size > LFS_THRESHOLD or filename.endswith(LFS_SUFFIXES)


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload), status=status, headers=headers, content_type="application/json")


def hub_error(status: int, code: str | None, message: str, headers: dict | None = None) -> Response:
    """An error shaped like the Hub's: JSON ``{"error": ...}`` plus X-Error-Code/X-Error-Message."""
    error_headers = {"X-Error-Message": message}
    if code is not None:
        error_headers["X-Error-Code"] = code
    error_headers.update(headers or {})
    return json_response({"error": message}, status=status, headers=error_headers)


def is_true(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


@dataclass
class _Rule:
    """One injected fault or delay, consumed request by request (``times=None``: forever)."""

    match: str
    times: int | None
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: Any = None
    seconds: float = 0.0
    trickle_s: float = 0.0  # > 0: send the body one byte at a time, this many seconds apart

    def take(self, path: str) -> bool:
        """Consume one use if ``path`` matches; caller holds the hub lock."""
        if not path.startswith(self.match) or self.times == 0:
            return False
        if self.times is not None:
            self.times -= 1
        return True

    def response(self) -> Response:
        body = self.body
        if body is None:
            body = {"error": f"injected {self.status}"}
        if self.trickle_s:
            data = (json.dumps(body) if isinstance(body, (dict, list)) else str(body)).encode()
            return Response(
                _trickled(data, self.trickle_s),
                status=self.status,
                headers={**self.headers, "Content-Length": str(len(data))},
                content_type="application/json",
            )
        if isinstance(body, (dict, list)):
            return json_response(body, status=self.status, headers=self.headers)
        return Response(body, status=self.status, headers=self.headers, content_type="application/json")


def _trickled(data: bytes, seconds_per_byte: float):
    """The body one byte at a time (a hostile or overloaded server), bounded by MAX_DELAY_SECONDS."""
    started = time.monotonic()
    for index in range(len(data)):
        if time.monotonic() - started > MAX_DELAY_SECONDS:
            return
        yield data[index : index + 1]
        time.sleep(seconds_per_byte)


@dataclass
class _Repo:
    """A model repository: its Hub record plus file contents at the head and pinned revisions."""

    record: dict
    head: dict[str, bytes] = field(default_factory=dict)
    pinned: dict[str, dict[str, bytes]] = field(default_factory=dict)

    @property
    def sha(self) -> str:
        return self.record["sha"]

    def resolve(self, revision: str) -> tuple[str, dict[str, bytes]] | None:
        """Map a branch name or commit id to (commit sha, files), or None if unknown."""
        if revision in ("main", self.sha):
            return self.sha, self.head
        if revision in self.pinned:
            commit = revision if COMMIT_RE.fullmatch(revision) else fake_commit(self.record["id"], revision)
            return commit, self.pinned[revision]
        return None

    def sync_siblings(self) -> None:
        """List every served head file in ``siblings``, as the Hub does after a commit."""
        siblings = self.record.setdefault("siblings", [])
        known = {sibling["rfilename"] for sibling in siblings}
        siblings.extend({"rfilename": name} for name in sorted(self.head) if name not in known)


def minimal_record(repo_id: str) -> dict:
    """The smallest record the client accepts, for repos created by ``add_file`` alone."""
    return {
        "_id": fake_commit("id", repo_id)[:24],
        "id": repo_id,
        "sha": fake_commit(repo_id),
        "private": False,
        "gated": False,
        "disabled": False,
        "downloads": 0,
        "likes": 0,
        "tags": [],
        "lastModified": FIXED_DATE,
        "createdAt": FIXED_DATE,
        "siblings": [],
    }


def matches_filters(record: dict, filters: list[str]) -> bool:
    """A Hub ``filter`` value matches a tag, the model_type, the library or the task."""
    config = record.get("config") or {}
    facts = set(record.get("tags") or [])
    facts.update((config.get("model_type"), record.get("library_name"), record.get("pipeline_tag")))
    facts.discard(None)
    return all(value in facts for value in filters)


_PARAM_BOUND_UNIT = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def parameter_bounds(value: str | None) -> tuple[float, float] | None:
    """``num_parameters=min:0,max:350M`` as (low, high) parameter counts."""
    if not value:
        return None
    bounds = {"min": 0.0, "max": float("inf")}
    for part in value.split(","):
        key, _, amount = part.partition(":")
        unit = _PARAM_BOUND_UNIT.get(amount[-1:].upper(), 1.0)
        bounds[key.strip()] = float(amount.rstrip("KMBTkmbt") or 0) * unit
    return bounds["min"], bounds["max"]


def within_bounds(record: dict, bounds: tuple[float, float]) -> bool:
    """A model with a known parameter count (safetensors) outside the bounds is not listed; one
    without a count is (this server does not guess what the Hub does with those)."""
    total = (record.get("safetensors") or {}).get("total")
    return total is None or bounds[0] <= total <= bounds[1]


def select_models(records: list[dict], args) -> list[dict]:
    """Apply list_models' query filters (``args`` is the request's MultiDict)."""
    filters = args.getlist("filter")
    task, search, author = args.get("pipeline_tag"), args.get("search"), args.get("author")
    gated = args.get("gated")
    bounds = parameter_bounds(args.get("num_parameters"))
    selected = []
    for record in records:
        if record.get("private") or not matches_filters(record, filters):
            continue
        if task and record.get("pipeline_tag") != task:
            continue
        if search and search.lower() not in record["id"].lower():
            continue
        if author and not record["id"].startswith(f"{author}/"):
            continue
        if gated is not None and bool(record.get("gated")) != is_true(gated):
            continue
        if bounds is not None and not within_bounds(record, bounds):
            continue
        selected.append(record)
    return selected


def sort_models(records: list[dict], sort: str | None) -> list[dict]:
    """Sort descending on ``sort``; ties and models lacking the field fall back to id order."""
    by_id = sorted(records, key=lambda record: record["id"])
    if sort not in SORT_FIELDS:
        return by_id
    present = [record for record in by_id if record.get(sort) is not None]
    missing = [record for record in by_id if record.get(sort) is None]
    return sorted(present, key=lambda record: record[sort], reverse=True) + missing


def project(record: dict, args) -> dict:
    """Shape one list item: ``expand`` keeps only the asked fields, ``full`` everything."""
    expand = args.getlist("expand") + args.getlist("expand[]")
    if expand:
        fields = ["_id", "id", *expand]
    elif is_true(args.get("full")):
        return copy.deepcopy(record)
    else:
        fields = list(SHORT_FIELDS) + (["config"] if is_true(args.get("config")) else [])
    return {name: copy.deepcopy(record[name]) for name in fields if name in record}


class LocalHub:
    """A Hub-compatible HTTP server holding models and files in memory.

    Thread-safe: the server answers each request in its own thread (``snapshot_download``
    fetches files in parallel), and every piece of state is guarded by one lock.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = HTTPServer(host=host, port=port, threaded=True)
        self._server.expect_request(re.compile(".*")).respond_with_handler(self._handle)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._repos: dict[str, _Repo] = {}
        self._faults: list[_Rule] = []
        self._delays: list[_Rule] = []
        self._log: list[tuple[str, str, str]] = []
        self._nothing_exists = False
        self.page_size = 1000
        self.errors: list[BaseException] = []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> LocalHub:
        # werkzeug logs every request at INFO on stderr; that drowns test output, errors still show.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._stopping.clear()
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes any delayed request first so the shutdown cannot hang."""
        self._stopping.set()
        if self._server.is_running():
            self._server.stop()

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def clear(self) -> None:
        """Forget models, files, faults, delays and the request log; restore page_size."""
        with self._lock:
            self._repos.clear()
            self._faults.clear()
            self._delays.clear()
            self._log.clear()
            self.errors.clear()
            self._nothing_exists = False
            self.page_size = 1000
        self._server.clear_log()

    # -- content ---------------------------------------------------------------------------

    def add_model(self, record: dict) -> None:
        """Publish a model record (Hub JSON shape); files already added to it are kept."""
        record = copy.deepcopy(record)
        repo_id = record["id"]
        base = minimal_record(repo_id)
        base.update(record)
        with self._lock:
            old = self._repos.get(repo_id)
            repo = _Repo(base, old.head if old else {}, old.pinned if old else {})
            repo.sync_siblings()
            self._repos[repo_id] = repo

    def publish_checkpoint(
        self, repo_id: str, sha: str, model_type: str, pipeline_tag: str | None, files: dict[str, bytes]
    ) -> None:
        """A transformers checkpoint at commit `sha`: its model record, then every file at the head."""
        self.add_model(
            {
                "id": repo_id,
                "sha": sha,
                "pipeline_tag": pipeline_tag,
                "library_name": "transformers",
                "tags": ["transformers", "safetensors", model_type],
                "config": {"model_type": model_type},
                "siblings": [{"rfilename": name} for name in sorted(files)],
            }
        )
        for name, content in files.items():
            self.add_file(repo_id, name, content)

    def remove_model(self, repo_id: str) -> None:
        """Make a model vanish, e.g. between a list_models and the following model_info."""
        with self._lock:
            self._repos.pop(repo_id, None)

    def add_file(
        self,
        repo_id: str,
        filename: str,
        content: bytes | str,
        revision: str | None = None,
    ) -> None:
        """Serve ``content`` as ``filename``; without ``revision`` (or with the model's sha) at the head."""
        data = content.encode() if isinstance(content, str) else bytes(content)
        with self._lock:
            repo = self._repos.get(repo_id)
            if repo is None:
                repo = self._repos[repo_id] = _Repo(minimal_record(repo_id))
            if revision in (None, "main", repo.sha):
                repo.head[filename] = data
                repo.sync_siblings()
            else:
                repo.pinned.setdefault(revision, {})[filename] = data

    def model_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._repos)

    # -- fault injection -------------------------------------------------------------------

    def fail(
        self,
        match: str,
        status: int,
        *,
        times: int | None = 1,
        headers: dict | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` requests whose path starts with ``match`` with ``status``."""
        with self._lock:
            self._faults.append(_Rule(match, times, status=status, headers=dict(headers or {}), body=body))

    def trickle(self, match: str, body: Any, *, seconds_per_byte: float, times: int | None = 1) -> None:
        """Answer 200 with `body`, sent one byte every `seconds_per_byte` (a stalling, trickling Hub)."""
        with self._lock:
            self._faults.append(_Rule(match, times, status=200, body=body, trickle_s=seconds_per_byte))

    def hostile_rows(self, match: str, rows: list, *, times: int | None = 1) -> None:
        """Answer a list request with these raw rows as they are: bad types, bad ids, duplicates."""
        self.fail(match, 200, times=times, body=rows)

    def malformed(self, match: str, *, times: int | None = 1) -> None:
        """Answer 200 with a body that is not valid JSON (a truncated Hub reply)."""
        self.fail(match, 200, times=times, body='{"id": "truncated", "downloads": ')

    def delay(self, match: str, seconds: float, *, times: int | None = 1) -> None:
        """Sleep before answering matching requests (capped, and cut short by ``stop``)."""
        with self._lock:
            self._delays.append(_Rule(match, times, seconds=min(seconds, MAX_DELAY_SECONDS)))

    def not_found_everywhere(self, flag: bool = True) -> None:
        """Pretend no repository exists: every route but /health answers 404 (RepoNotFound)."""
        with self._lock:
            self._nothing_exists = flag

    # -- request log -----------------------------------------------------------------------

    def requests(self, prefix: str = "") -> list[tuple[str, str, str]]:
        """Logged (method, path, query string) triples whose path starts with ``prefix``."""
        with self._lock:
            return [entry for entry in self._log if entry[1].startswith(prefix)]

    def count(self, prefix: str = "") -> int:
        return len(self.requests(prefix))

    # -- request handling ------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        path = request.path
        with self._lock:
            self._log.append((request.method, path, request.query_string.decode("latin-1")))
        if path != "/health":
            self._sleep_if_delayed(path)
            fault = self._take_fault(path)
            if fault is not None:
                return fault
        try:
            return self._route(request, self._raw_segments(request))
        except Exception as error:  # keep serving; tests can inspect hub.errors
            with self._lock:
                self.errors.append(error)
            return hub_error(500, None, f"LocalHub handler error: {error!r}")

    def _sleep_if_delayed(self, path: str) -> None:
        with self._lock:
            seconds = sum(rule.seconds for rule in self._delays if rule.take(path))
        if seconds:
            self._stopping.wait(min(seconds, MAX_DELAY_SECONDS))

    def _take_fault(self, path: str) -> Response | None:
        with self._lock:
            for rule in self._faults:
                if rule.take(path):
                    return rule.response()
        return None

    @staticmethod
    def _raw_segments(request: Request) -> list[str]:
        """Split the *undecoded* path, so a quoted revision like ``refs%2Fpr%2F1`` stays one segment."""
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        raw = raw.split("?", 1)[0]
        return [unquote(part) for part in raw.split("/")[1:]]

    def _route(self, request: Request, parts: list[str]) -> Response:
        if parts == ["health"]:
            return Response("ok", content_type="text/plain")
        if parts[:2] == ["api", "models"]:
            if len(parts) == 2 and request.method == "GET":
                return self._list_models(request)
            if len(parts) > 2:
                return self._repo_api(request, parts[2:])
        if request.method in ("GET", "HEAD"):
            resolved = self._split_resolve(parts)
            if resolved is not None:
                return self._resolve_file(*resolved)
        return hub_error(404, None, "Sorry, we can't find the page you are looking for.")

    def _repos_view(self) -> dict[str, _Repo]:
        return {} if self._nothing_exists else self._repos

    def _find_repo(self, repo_id: str) -> _Repo | None:
        with self._lock:
            return self._repos_view().get(repo_id)

    # -- /api/models -----------------------------------------------------------------------

    def _list_models(self, request: Request) -> Response:
        args = request.args
        with self._lock:
            records = [copy.deepcopy(repo.record) for repo in self._repos_view().values()]
            page_size = self.page_size
        ordered = sort_models(select_models(records, args), args.get("sort"))
        try:
            limit = int(args.get("limit") or page_size)
            start = int(args.get("cursor") or 0)
        except ValueError:
            return hub_error(400, None, "Invalid limit or cursor")
        size = max(1, min(limit, page_size))
        page = [project(record, args) for record in ordered[start : start + size]]
        headers = {}
        if start + size < len(ordered):
            headers["Link"] = f'<{self._next_page_url(request, start + size)}>; rel="next"'
        return json_response(page, headers=headers)

    def _next_page_url(self, request: Request, cursor: int) -> str:
        """The Hub's next-page link repeats every query parameter and adds the cursor."""
        params = [(key, value) for key, value in request.args.items(multi=True) if key != "cursor"]
        return f"{self.url}/api/models?{urlencode([*params, ('cursor', str(cursor))])}"

    def _repo_api(self, request: Request, rest: list[str]) -> Response:
        """Dispatch /api/models/{repo_id}[/revision|/tree|/paths-info/{rev}[/...]]."""
        with self._lock:
            repos = self._repos_view()
            width = 2 if len(rest) >= 2 and "/".join(rest[:2]) in repos else 1
            if rest[0] not in repos and width == 1 and len(rest) >= 2 and rest[1] not in REPO_ACTIONS:
                width = 2
        repo_id, action, tail = "/".join(rest[:width]), rest[width : width + 1], rest[width + 1 :]
        revision = tail[0] if tail else "main"
        if not action and request.method == "GET":
            return self._model_info(request, repo_id, "main")
        if action == ["revision"] and tail and request.method == "GET":
            return self._model_info(request, repo_id, revision)
        if action == ["tree"] and tail and request.method == "GET":
            return self._tree(request, repo_id, revision, "/".join(tail[1:]))
        if action == ["paths-info"] and tail and request.method == "POST":
            return self._paths_info(request, repo_id, revision)
        return hub_error(404, None, "Sorry, we can't find the page you are looking for.")

    def _open_repo(self, repo_id: str, revision: str) -> tuple[_Repo, str, dict[str, bytes]] | Response:
        """Look up repo and revision, or build the Hub's error answer for whichever is missing."""
        repo = self._find_repo(repo_id)
        if repo is None or repo.record.get("private"):
            return hub_error(404, "RepoNotFound", "Repository not found")
        with self._lock:
            resolved = repo.resolve(revision)
            if resolved is None:
                return hub_error(404, "RevisionNotFound", "Invalid rev id: " + revision)
            commit, files = resolved
            return repo, commit, dict(files)

    def _model_info(self, request: Request, repo_id: str, revision: str) -> Response:
        opened = self._open_repo(repo_id, revision)
        if isinstance(opened, Response):
            return opened
        repo, commit, files = opened
        with self._lock:
            record = copy.deepcopy(repo.record)
        if commit != repo.sha:
            record["sha"] = commit
            record["siblings"] = [{"rfilename": name} for name in sorted(files)]
        if is_true(request.args.get("blobs")):
            record["siblings"] = [self._sibling_blob(repo_id, entry, files) for entry in record["siblings"]]
        if request.args.getlist("expand") or request.args.getlist("expand[]"):
            record = project(record, request.args)
        return json_response(record)

    @staticmethod
    def _sibling_blob(repo_id: str, sibling: dict, files: dict[str, bytes]) -> dict:
        """A sibling as ``?blobs=true`` shows it: size, blobId and, for LFS files, an lfs block."""
        name = sibling["rfilename"]
        content = files.get(name)
        entry = {"rfilename": name}
        if content is not None:
            size, blob_id, sha256 = len(content), git_blob_sha1(content), hashlib.sha256(content).hexdigest()
        else:
            lfs = sibling.get("lfs") or {}
            size = sibling.get("size", lfs.get("size", 0))
            blob_id = fake_commit(repo_id, name)
            sha256 = lfs.get("sha256") or hashlib.sha256(f"{repo_id}/{name}".encode()).hexdigest()
        entry.update(size=size, blobId=blob_id)
        if is_lfs(name, size):
            entry["lfs"] = {"size": size, "sha256": sha256, "pointerSize": LFS_POINTER_SIZE}
        return entry

    # -- tree / paths-info -----------------------------------------------------------------

    def _tree(self, request: Request, repo_id: str, revision: str, folder: str) -> Response:
        """List served files (content only, not catalogue-only siblings) like list_repo_tree expects."""
        opened = self._open_repo(repo_id, revision)
        if isinstance(opened, Response):
            return opened
        _, _, files = opened
        prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
        names = sorted(name for name in files if name.startswith(prefix))
        if prefix and not names:
            return hub_error(404, "EntryNotFound", f"{folder} does not exist on {revision}")
        if is_true(request.args.get("recursive")):
            entries = [tree_file(name, files[name]) for name in names]
        else:
            entries = self._direct_children(prefix, names, files)
        return json_response(entries)

    @staticmethod
    def _direct_children(prefix: str, names: list[str], files: dict[str, bytes]) -> list[dict]:
        folders, entries = set(), []
        for name in names:
            head, sep, _ = name[len(prefix) :].partition("/")
            if sep:
                folders.add(prefix + head)
            else:
                entries.append(tree_file(name, files[name]))
        return [tree_folder(path) for path in sorted(folders)] + entries

    def _paths_info(self, request: Request, repo_id: str, revision: str) -> Response:
        opened = self._open_repo(repo_id, revision)
        if isinstance(opened, Response):
            return opened
        _, _, files = opened
        entries = []
        for path in request.form.getlist("paths"):
            if path in files:
                entries.append(tree_file(path, files[path]))
            elif any(name.startswith(path.rstrip("/") + "/") for name in files):
                entries.append(tree_folder(path.rstrip("/")))
        return json_response(entries)

    # -- /{repo_id}/resolve/{revision}/{filename} ------------------------------------------

    @staticmethod
    def _split_resolve(parts: list[str]) -> tuple[str, str, str] | None:
        """Split ``[ns/]name/resolve/rev/path...`` into (repo_id, revision, filename)."""
        for width in (2, 1):
            if len(parts) >= width + 3 and parts[width] == "resolve" and all(parts[: width + 3]):
                return "/".join(parts[:width]), parts[width + 1], "/".join(parts[width + 2 :])
        return None

    def _resolve_file(self, repo_id: str, revision: str, filename: str) -> Response:
        """Serve a file with the headers get_hf_file_metadata reads (commit, etag, size)."""
        opened = self._open_repo(repo_id, revision)
        if isinstance(opened, Response):
            return opened
        repo, commit, files = opened
        if repo.record.get("gated"):
            return hub_error(
                401,
                "GatedRepo",
                f"Access to model {repo_id} is restricted. You must have access to it and be authenticated.",
                headers={"X-Repo-Commit": commit},
            )
        content = files.get(filename)
        if content is None:
            return hub_error(404, "EntryNotFound", "Entry not found", headers={"X-Repo-Commit": commit})
        return Response(content, status=200, headers=file_headers(filename, content, commit))


def file_headers(filename: str, content: bytes, commit: str) -> dict[str, str]:
    """Headers of a resolve answer; LFS files also get the X-Linked-* pair the Hub sets."""
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(len(content)),
        "X-Repo-Commit": commit,
        "Accept-Ranges": "none",
    }
    if is_lfs(filename, len(content)):
        etag = f'"{hashlib.sha256(content).hexdigest()}"'
        headers.update({"ETag": etag, "X-Linked-Etag": etag, "X-Linked-Size": str(len(content))})
    else:
        headers["ETag"] = f'"{git_blob_sha1(content)}"'
    return headers


def tree_file(path: str, content: bytes) -> dict:
    """A file entry as /tree and /paths-info return it (``RepoFile`` reads oid/size/lfs)."""
    entry = {"type": "file", "oid": git_blob_sha1(content), "size": len(content), "path": path}
    if is_lfs(path, len(content)):
        entry["lfs"] = {
            "oid": hashlib.sha256(content).hexdigest(),
            "size": len(content),
            "pointerSize": LFS_POINTER_SIZE,
        }
    return entry


def tree_folder(path: str) -> dict:
    return {"type": "directory", "oid": fake_commit("tree", path), "size": 0, "path": path}
