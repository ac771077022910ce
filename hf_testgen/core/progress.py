"""Pacing and progress of long Hub jobs (the registry refresh and its verification).

`RequestBudget` keeps one process under the Hub's documented anonymous rate limit (500 requests
per 5 minutes): before a call it waits until the sliding window has room for the most requests
that call may send, and after the call it records how many it really sent. `Progress` shows a
tqdm bar on a terminal (tqdm comes with huggingface_hub) and numbered plain lines elsewhere,
because a bar redrawn with carriage returns turns a CI log into noise.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TextIO

from .text import terminal_safe

HUB_ANONYMOUS_LIMIT = 500  # requests per window, huggingface.co's documented anonymous budget
HUB_WINDOW_S = 300.0
DEFAULT_MAX_REQUESTS = 450  # stay a margin below the limit: other tools may share the address


class RequestBudget:
    """At most `max_requests` HTTP requests in any `window_s` seconds, for one process.

    Args:
        max_requests: requests allowed per window.
        window_s: the window length in seconds.
        clock, sleep: injectable for tests (default: `time.monotonic`, `time.sleep`).
    """

    def __init__(
        self,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        window_s: float = HUB_WINDOW_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests <= 0 or window_s <= 0:
            raise ValueError("a request budget needs a positive number of requests and window")
        self.max_requests = max_requests
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self.total = 0  # every request recorded, over the whole job
        self.waited_s = 0.0  # time spent waiting for the window

    def in_window(self) -> int:
        """Requests recorded in the last `window_s` seconds."""
        horizon = self._clock() - self.window_s
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()
        return len(self._sent)

    def room(self) -> int:
        """Requests that still fit in the window now (what one call may send after `wait_for`)."""
        return max(0, self.max_requests - self.in_window())

    def wait_for(self, requests: int) -> float:
        """Block until `requests` more fit in the window; return the seconds waited."""
        wanted = max(0, min(requests, self.max_requests))
        waited = 0.0
        while self.in_window() + wanted > self.max_requests:
            pause = max(0.01, self._sent[0] + self.window_s - self._clock())
            self._sleep(pause)
            waited += pause
        self.waited_s += waited
        return waited

    def record(self, requests: int) -> None:
        """Count `requests` just sent (stamped now: later than sent, so they expire late, never early)."""
        now = self._clock()
        self._sent.extend([now] * max(0, requests))
        self.total += max(0, requests)


class Progress:
    """One step per model type: a tqdm bar on a terminal, `[3/40] bert: ...` lines otherwise.

    Args:
        total: the number of steps.
        description: what the steps are (shown on the bar).
        stream: where to write (default: stderr, so stdout keeps the report).
        bar: force the bar on or off (default: on when `stream` is a terminal).
    """

    def __init__(self, total: int, *, description: str = "", stream: TextIO | None = None, bar: bool | None = None):
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        if bar is None:
            bar = bool(getattr(self._stream, "isatty", lambda: False)())
        if bar:
            try:
                from tqdm import tqdm
            except ImportError:  # tqdm ships with huggingface_hub; without it, plain lines do
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total, desc=description, file=self._stream, unit="type", leave=True)

    def step(self, label: str, message: str) -> None:
        """Mark one step done and say how it went (both shown as text: they may hold registry or Hub text)."""
        label, message = terminal_safe(label), terminal_safe(message)
        self.done += 1
        if self._bar is not None:
            self._bar.set_postfix_str(f"{label}: {message}", refresh=False)
            self._bar.update(1)
        else:
            print(f"[{self.done}/{self.total}] {label}: {message}", file=self._stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
