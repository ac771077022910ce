"""Text shown to people or stored: sizes, escaping of Hub-provided strings, URLs without credentials.

A leaf module (imports nothing from the package), so that the commands, the refresh summary and
the library format a size, a Markdown cell or an endpoint the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# html and urllib.parse are imported where used: selection on the registry path never needs them,
# and the static command must start fast.

MARKDOWN_CELL_MAX = 240  # a Hub message ends up in a pull-request body: keep each cell bounded
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|!#])")


def format_mb(
    mb: float | None, method: str | None = None, *, bound: str | None = None, dtype: str | None = None
) -> str:
    """The one size formatter: "440.4 MB", "440.4 MB at float32 (safetensors)", "415.3 MB (param_count,
    upper bound)", "7.0 MB (name, estimate)", or "size unknown". `bound` is `SizeEstimate.bound`; "exact"
    needs no word. `dtype` is the dtype the figure is at (the weights as the test loads them)."""
    if mb is None:
        return "size unknown"
    at = f" at {dtype}" if dtype else ""
    if method is None:
        return f"{mb:,.1f} MB{at}"
    return f"{mb:,.1f} MB{at} ({method}{bound_words(bound)})"


def bound_words(bound: str | None) -> str:
    """", upper bound", ", estimate" or "" (an exact size needs no word)."""
    return {"upper": ", upper bound", "estimate": ", estimate"}.get(bound or "", "")


def terminal_safe(text: object) -> str:
    """`text` without secrets (see `redact_secrets`) and with every non-printable character escaped
    (`\\x1b` stays visible as text).

    Hub-provided strings (error messages, tags, ids of a hostile server) must not move the cursor,
    recolour or retitle the user's terminal, and nothing printed may carry a token or a password.
    """
    return _escaped(redact_secrets(str(text)))


def _escaped(text: str) -> str:
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def markdown_cell(text: object) -> str:
    """A Markdown table cell: one line, no raw HTML, links or emphasis, bounded in length."""
    flat = terminal_safe(re.sub(r"\s+", " ", str(text)).strip())
    if len(flat) > MARKDOWN_CELL_MAX:
        flat = flat[: MARKDOWN_CELL_MAX - 3] + "..."
    import html

    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def markdown_code(text: object) -> str:
    """Inline code for an id or name, safe in a table cell: backticks cannot end the span, `|` cannot
    start a new column (GitHub unescapes `\\|` inside code in a table), a newline cannot end the row.
    HTML inside a code span is shown as text."""
    flat = terminal_safe(re.sub(r"\s+", " ", str(text))).replace("`", "'").replace("\\", "\\\\")
    if len(flat) > MARKDOWN_CELL_MAX:
        flat = flat[: MARKDOWN_CELL_MAX - 3] + "..."
    return "`" + flat.replace("|", "\\|") + "`"


# --- secrets: one redaction for every message that leaves the process ------------------------------
REDACTED = "***"
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # URL userinfo (up to the last "@" before the host), then query and fragment
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#'\"<>\\]*@"), r"\1"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s?#'\"<>\\]*)[?#][^\s'\"<>\\]*"), r"\1"),
    # credentials in headers and in free text
    (re.compile(r"(?i)\b(authorization|proxy-authorization)(\s*[:=]\s*)[^\r\n'\",;)\\]+"), rf"\1\2{REDACTED}"),
    (re.compile(r"(?i)\b(bearer)(\s+)(?!\*\*\*)[^\s'\",;)\\]+"), rf"\1\2{REDACTED}"),
    (re.compile(r"\b(hf|api_org)_[A-Za-z0-9]{16,}"), rf"\1_{REDACTED}"),
    (re.compile(r"(?i)\b(api[_-]?key|access[_-]?token|token|password|passwd|secret)=[^\s&'\"\\]+"), rf"\1={REDACTED}"),
    # host:port with userinfo but no scheme ("user:pw@127.0.0.1:9")
    (re.compile(r"(?<![\w/@])[^\s/@:'\"]+:[^\s/@'\"]+@(?=[\w.-]+(?::\d+)?\b)"), ""),
)


def redact_secrets(text: object) -> str:
    """`text` without anything that may be a secret: Hub tokens (`hf_...`), `Bearer`/`Basic`
    credentials, `api_key=...` pairs, and the userinfo, query and fragment of every URL.

    This is the one redaction: `terminal_safe` and the Markdown helpers apply it, so an error
    message, a note, a skip reason, a summary or a page cannot carry a token or a password, whatever
    a hostile server or HTTP library put in it.
    """
    redacted = str(text)
    for pattern, replacement in _SECRET_PATTERNS:
        redacted = pattern.sub(replacement, redacted)
    return redacted


def redact_data(value: object) -> object:
    """`value` (parsed JSON: dicts, lists, strings) with `redact_secrets` applied to every string."""
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(item) for item in value]
    return value


def redact_url(url: str) -> str:
    """`url` without `user:password@`, query string and fragment (HF_ENDPOINT may carry credentials,
    in its userinfo or as `?api_key=...`; never print or store them)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    netloc = (f"[{host}]" if host and ":" in host else host or "") + (f":{port}" if port else "")
    if not parts.scheme and not parts.netloc:
        return redact_secrets(url)
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def redact_text(text: str, url: str) -> str:
    """`text` (an error message) without secrets, and without `url`'s credentials wherever they appear."""
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
        secrets = [parts.netloc.rpartition("@")[0] if "@" in parts.netloc else "", parts.query, parts.fragment]
        password = unquote(parts.password or "")
        secrets.append(password if len(password) >= 6 else "")  # a short one would redact ordinary words
    except ValueError:
        secrets = []
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return redact_secrets(text)


def wrap_words(words: Sequence[str], *, indent: str, width: int = 100, separator: str = ", ") -> str:
    """Words joined by `separator`, wrapped into lines of at most `width` characters."""
    lines, current = [], indent
    for word in words:
        if len(current) + len(word) + len(separator) > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += word + separator
    lines.append(current.rstrip().rstrip(separator.strip()))
    return "\n".join(lines)


def natural_key(text: str) -> list[object]:
    """Sort key that orders "t5" before "t10"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def closest(value: str, choices: Sequence[str], *, n: int = 3) -> list[str]:
    """The valid values nearest to a mistyped `value` (difflib's ratio, best first); [] when none is close."""
    import difflib  # only for an error message

    return difflib.get_close_matches(value.strip().lower(), list(choices), n=n, cutoff=0.6)


def unknown_choice(
    what: str, value: str, choices: Sequence[str], *, aliases: Sequence[str] = (), listed: str | None = None
) -> str:
    """One short line for a value outside a closed set: the value, the closest valid ones, and where the rest are.

    The closest are looked for among `choices` and `aliases` (other accepted spellings). With none
    close, the line names `choices`, or says where they are listed (`listed`, e.g. "--list-tasks
    lists them") when there are too many to print.
    """
    close = closest(value, [*choices, *aliases])
    if close:
        options = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        return f"unknown {what} {value[:60]!r}; did you mean {options}?"
    return f"unknown {what} {value[:60]!r}; " + (listed or f"valid: {', '.join(choices)}")
