"""`sitegen serve`: a live preview that rebuilds what an edit touches and
reloads open pages.

    builder.py   serve's side of the rebuild engine (rebuild.py): the record and
                 the archive in memory, files written in place
    watcher.py   file events → debounced rebuild requests
    session.py   the builder, the reload version, the last errors, and the
                 background search refresh
    http.py      the HTTP server: built files, live reload, error overlay
"""

from sitegen.serve.app import ServeOptions, serve

__all__ = ["ServeOptions", "serve"]
