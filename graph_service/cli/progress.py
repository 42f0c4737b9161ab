"""A progress bar for long work, shown only on a terminal (logs and CI stay clean)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import Progress, TaskID

ProgressCallback = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called by long services as they advance."""


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback | None]:
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(f"{label}: {step}", total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield advance
