"""File events → one rebuild per burst of changes.

watchdog reports several events per save (editors write a temporary file and
rename it over the original) and hundreds for a `git checkout`; they are
collected until the tree has been quiet for `quiet` seconds, then handed over
as one set, which tells the builder what to read again. Events that arrive
during a rebuild start the next quiet period, so no change is missed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

WATCHED = ("content", "seeds", "templates")
_EDITOR_LEFTOVERS = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload")


def is_watched(rel: Path) -> bool:
    """site.yaml, or a file under content/, seeds/ or templates/ that is not an
    editor's hidden or temporary file."""
    parts = rel.parts
    if not parts or any(part.startswith(".") for part in parts):
        return False
    if parts == ("site.yaml",):
        return True
    name = parts[-1]
    if name.endswith(_EDITOR_LEFTOVERS) or name == "4913" or name.startswith("#"):
        return False
    return parts[0] in WATCHED


class Watcher(FileSystemEventHandler):
    def __init__(self, src: Path, on_change: Callable[[set[str]], None],
                 quiet: float = 0.1) -> None:
        self.src = src.resolve()
        self.on_change = on_change
        self.quiet = quiet
        self.pending: set[str] = set()
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        self.observer = Observer()
        self.observer.schedule(self, str(self.src), recursive=True)

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=10)
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        names = []
        for raw in paths:
            if not raw:
                continue
            try:
                rel = Path(str(raw)).resolve().relative_to(self.src)
            except ValueError:
                continue
            if event.is_directory:
                # a folder moved or deleted takes its files along; its "modified"
                # events only echo changes to files reported on their own
                if event.event_type in ("moved", "deleted") and rel.parts and \
                        rel.parts[0] in WATCHED:
                    names.append(rel.as_posix() + "/")
            elif is_watched(rel):
                names.append(rel.as_posix())
        if not names:
            return
        with self.lock:
            self.pending.update(names)
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(self.quiet, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            changes, self.pending = self.pending, set()
            self.timer = None
        if changes:
            self.on_change(changes)
