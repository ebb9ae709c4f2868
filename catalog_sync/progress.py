"""Progress for ops commands: a bar redrawn in place on a terminal, plain lines otherwise (logs, CI)."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO, label: str, total: int | None = None, *, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.done = 0
        self._last_line = -1.0

    def update(self, done: int, note: str = "") -> None:
        self.done = done
        if self.tty:
            if self.total:
                filled = int(self.width * min(done, self.total) / self.total)
                bar = "#" * filled + "." * (self.width - filled)
                pct = 100 * min(done, self.total) // self.total
                text = f"\r{self.label} [{bar}] {pct:3d}% {done}/{self.total} {note}"
            else:
                text = f"\r{self.label} {done} {note}"
            self.stream.write(text.ljust(100)[:160])
            self.stream.flush()
            return
        now = time.monotonic()
        # Plain mode: one line at most per second, so a log stays readable at a million SKUs.
        if now - self._last_line >= 1.0 or (self.total and done >= self.total):
            total = f"/{self.total}" if self.total else ""
            self.stream.write(f"{self.label}: {done}{total} {note}".rstrip() + "\n")
            self.stream.flush()
            self._last_line = now

    def finish(self, note: str = "") -> None:
        if self.tty:
            self.update(self.done, note)
            self.stream.write("\n")
        else:
            total = f"/{self.total}" if self.total else ""
            self.stream.write(f"{self.label}: {self.done}{total} {note}".rstrip() + "\n")
        self.stream.flush()
