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
    """`text` with every non-printable character escaped (`\\x1b` stays visible as text).

    Hub-provided strings (error messages, tags, ids of a hostile server) must not move the cursor,
    recolour or retitle the user's terminal.
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def markdown_cell(text: object) -> str:
    """A Markdown table cell: one line, no raw HTML, links or emphasis, bounded in length."""
    flat = terminal_safe(re.sub(r"\s+", " ", str(text)).strip())
    if len(flat) > MARKDOWN_CELL_MAX:
        flat = flat[: MARKDOWN_CELL_MAX - 3] + "..."
    import html

    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def markdown_code(text: object) -> str:
    """Inline code for an id or name: backticks inside it cannot end the span."""
    flat = terminal_safe(re.sub(r"\s+", " ", str(text))).replace("`", "'")
    return f"`{flat}`"


def redact_url(url: str) -> str:
    """`url` without `user:password@` (HF_ENDPOINT may carry credentials; never print or store them)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "<unparsable URL>"
    if parts.username is None and parts.password is None:
        return url
    netloc = (host or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_text(text: str, url: str) -> str:
    """`text` (an error message) with every occurrence of `url`'s credentials removed."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return text
    return text.replace(url, redact_url(url)).replace(parts.netloc, redact_url(url).split("//", 1)[-1].split("/")[0])


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
