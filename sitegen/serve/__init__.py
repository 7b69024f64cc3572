"""`sitegen serve`: a live preview that rebuilds what an edit touches and
reloads open pages.

    watcher.py   file events → debounced rebuild requests
    session.py   the incremental builder, the reload version, the last errors,
                 and the background search refresh
    http.py      the HTTP server: built files, live reload, error overlay
"""

from sitegen.serve.app import ServeOptions, serve

__all__ = ["ServeOptions", "serve"]
