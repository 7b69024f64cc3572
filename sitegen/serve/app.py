"""Putting the preview together: build, serve, watch, stop cleanly."""

from __future__ import annotations

import errno
import ipaddress
import shutil
import signal
import sys
import tempfile
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sitegen import progress
from sitegen.content.config import load_config
from sitegen.diagnostics import ContentError, Diagnostics
from sitegen.serve.annotate import AnnotateApi
from sitegen.serve.http import PreviewServer
from sitegen.serve.session import Session
from sitegen.serve.watcher import Watcher


@dataclass(frozen=True)
class ServeOptions:
    src: Path = Path(".")
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False
    quiet: float = 0.1  # seconds without file events before a rebuild
    search: bool = True
    progress: bool = False  # show the first build's progress on stderr (a terminal only)
    annotate: bool = False  # the claim form and its write endpoints (serve/annotate.py)
    annotate_remote: bool = False  # allow annotate mode on an address that is not loopback


class ServeError(Exception):
    """The preview cannot start (busy port, bad address)."""


class Preview:
    """A running preview: server, watcher and session. `start()` returns once
    the first build is served; `stop()` undoes everything."""

    def __init__(self, options: ServeOptions, log=print) -> None:
        self.options = options
        self.log = log
        if options.annotate and not options.annotate_remote and not _is_loopback(options.host):
            raise ServeError(f"--annotate writes the site's files: it serves only on a loopback "
                             f"address (127.0.0.1), not {options.host}; pass --annotate-remote "
                             "to allow it anyway")
        diags = Diagnostics()
        config = load_config(options.src, diags)
        if config is None:
            raise ContentError(diags)
        self.base_path = urlsplit(config.base_url).path or "/"
        if not self.base_path.endswith("/"):
            self.base_path += "/"
        self.tmp = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        self.out = self.tmp / "site"
        self.out.mkdir()
        self.session = Session(options.src, self.out, search=options.search,
                               log=progress.before(log))
        try:
            annotate = AnnotateApi(options.src) if options.annotate else None
            self.server = PreviewServer((options.host, options.port), self.session,
                                        self.base_path, annotate)
        except OSError as exc:
            self.session.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {options.port} on {options.host} is already in use; "
                                 "stop the other server, or pick another port with --port "
                                 "(--port 0 picks a free one)") from None
            raise ServeError(f"cannot listen on {options.host}:{options.port}: "
                             f"{exc.strerror}") from None
        host, port = self.server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        self.url = f"http://{shown}:{port}{self.base_path}"
        self.watcher = Watcher(options.src, self.session.rebuild, quiet=options.quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, name="sitegen-http",
                                       daemon=True)

    def start(self) -> None:
        with progress.showing(sys.stderr, self.options.progress):
            self.session.rebuild()
        self.watcher.start()
        self.thread.start()

    def stop(self) -> None:
        self.watcher.stop()
        self.session.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def serve(options: ServeOptions) -> int:
    """Run the preview until Ctrl-C; the exit code of `sitegen serve`."""
    if not _is_loopback(options.host):
        print(f"warning: serving on {options.host}: anyone who can reach this machine can see "
              "the preview, drafts included; the default 127.0.0.1 keeps it to this machine",
              file=sys.stderr)
        if options.annotate and options.annotate_remote:
            print("warning: --annotate-remote: whoever can reach this address and load a page "
                  "of the preview can write claims and entities into the site",
                  file=sys.stderr)
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C is how the preview stops. A shell that starts a command in the
        # background without job control starts it with SIGINT ignored, and Python
        # then leaves it ignored; like Hugo's server, the preview listens anyway.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        preview = Preview(options)
    except ServeError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    try:
        preview.start()
        print(f"serving {options.src.resolve()} at {preview.url} (drafts shown; Ctrl-C stops)",
              flush=True)
        if options.open_browser:
            webbrowser.open(preview.url)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
        print("stopped", flush=True)
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
