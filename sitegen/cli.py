"""Command line: argument parsing only; the work is done by the library.

Exit codes: 0 success, 1 content errors (or warnings with --strict) or a
worker process that died or got stuck (WorkerError), 2 usage errors
(argparse's own convention). SIGTERM ends a command as SystemExit(143), so that
a build cleans up after itself; SIGINT (Ctrl-C) returns 130. Worker processes
(sitegen/workers.py) do not inherit either handler.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sitegen import __version__, progress
from sitegen.check import FORMATS
from sitegen.diagnostics import ContentError, format_report
from sitegen.site.output import OutputError
from sitegen.workers import WorkerError

STOPPED = "build stopped: nothing was written, the previous output is unchanged"


def _base_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise argparse.ArgumentTypeError(
            f"not an absolute http(s) URL: {value!r} (e.g. https://example.org/archive/)")
    return value


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _add_src(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-s", "--src", type=Path, default=Path("."),
                        help="site folder (default .)")


QUIET_HELP = "no progress line (it is shown only on a terminal, for work of more than a second)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen", description="Static site generator for annotated news archives."
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into its output folder")
    _add_src(build)
    build.add_argument("-o", "--out", type=Path, help="output folder (default: site.yaml output)")
    build.add_argument(
        "--base-url", type=_base_url,
        help="absolute URL of the published site (overrides site.yaml)")
    build.add_argument("--drafts", action="store_true", help="include draft articles and pages")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    build.add_argument("--no-cache", action="store_true",
                       help="render every page, ignoring .sitegen-cache/")

    serve = commands.add_parser("serve", help="preview the site; rebuild and reload on edits")
    _add_src(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000,
                       help="port (default 8000; 0 picks a free one)")
    serve.add_argument("--open", action="store_true", help="open the preview in the web browser")
    serve.add_argument("--quiet-period", type=float, default=0.1, metavar="SECONDS",
                       help="rebuild once files have been quiet this long (default 0.1)")
    serve.add_argument("--no-search", action="store_true", help="do not build the search index")
    serve.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    serve.add_argument("--annotate", action="store_true",
                       help="select a passage on an article page to write a claim (or an entity)")
    serve.add_argument("--annotate-remote", action="store_true",
                       help="allow --annotate on an address that is not loopback (warns)")

    check = commands.add_parser("check", help="run every validation; write nothing")
    _add_src(check)
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default), json, or github (workflow annotations)")

    schemas = commands.add_parser("schemas", help="write the JSON Schemas of the content files")
    schemas.add_argument("dir", type=Path, help="folder to write the *.schema.json files into")

    imp = commands.add_parser("import", help="turn raw seed texts into articles")
    imp.add_argument("seeds", nargs="+", metavar="SEED",
                     help="seed files or glob patterns, e.g. seeds/000_x.txt 'seeds/*.txt'")
    _add_src(imp)
    imp.add_argument("--slug", help="article slug (default: from the title)")
    imp.add_argument("--lang", help="language of the text (default: site.yaml language)")
    imp.add_argument("--date", type=_date, help="publication date, YYYY-MM-DD")
    imp.add_argument("--force", action="store_true", help="overwrite an existing article")
    new = commands.add_parser("new", help="write a new site, or a claim or entity stub")
    what = new.add_subparsers(dest="what", required=True, metavar="{site,claim,entity}")
    site = what.add_parser("site", help="a ready site: settings, an example, a publishing workflow")
    site.add_argument("dir", type=Path, help="the folder to create")
    site.add_argument("--force", action="store_true",
                      help="write into a folder that is not empty (existing files are kept)")
    claim = what.add_parser("claim", help="append a claim stub to an article's claims file")
    claim.add_argument("article", help="the article's slug")
    claim.add_argument("--id", help="the claim id (default: from the quote)")
    claim.add_argument("--quote", default="", help="the passage of the article it quotes")
    _add_src(claim)
    entity = what.add_parser("entity", help="write content/entities/<id>.yaml")
    entity.add_argument("name", help="the entity's name, e.g. \"Dana Okafor\"")
    entity.add_argument("--type", default="other", help="person, organization, product, ...")
    entity.add_argument("--id", help="the entity id (default: from the name)")
    _add_src(entity)
    return parser


def _terminate(signum: int, frame: object) -> None:
    # Turn SIGTERM into an exception so a build cleans up its staging folder.
    raise SystemExit(128 + signum)


def run() -> NoReturn:
    """The `sitegen` command: `main()`, then exit at once. Freeing a large archive's
    objects one by one at interpreter exit takes longer than some builds (0.15 s
    after a quick rebuild at 10,000 articles); the output is complete by then and
    nothing is buffered but the standard streams, which are flushed first. With a
    thread still running, the normal exit waits for it."""
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: nothing more can be said
        code = code or 1
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "import":
            return _import(args)
        if args.command == "check":
            return _check(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "schemas":
            return _schemas(args)
        if args.command == "new":
            return _new(args)
    except ContentError as exc:
        print(format_report(exc.diagnostics), file=sys.stderr)
        return 1
    except OutputError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    except WorkerError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


def _build(args: argparse.Namespace) -> int:
    from sitegen.build import BuildOptions, build

    try:
        with progress.showing(sys.stderr, not args.quiet):
            result = build(
                BuildOptions(src=args.src, out=args.out, base_url=args.base_url,
                             drafts=args.drafts, strict=args.strict, cache=not args.no_cache)
            )
    except ContentError as exc:
        print(format_report(exc.diagnostics), file=sys.stderr)
        print(STOPPED, file=sys.stderr)
        return 1
    except WorkerError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        print(STOPPED, file=sys.stderr)
        return 1
    if result.diagnostics:
        print(format_report(result.diagnostics), file=sys.stderr)
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
    print(result.summary())
    return 0


def _serve(args: argparse.Namespace) -> int:
    from sitegen.serve import ServeOptions, serve

    return serve(ServeOptions(src=args.src, host=args.host, port=args.port,
                              open_browser=args.open, quiet=args.quiet_period,
                              search=not args.no_search, progress=not args.quiet,
                              annotate=args.annotate, annotate_remote=args.annotate_remote))


def _check(args: argparse.Namespace) -> int:
    from sitegen.check import check_site, render_diagnostics

    with progress.showing(sys.stderr, not args.quiet):
        diags = check_site(args.src)
    report = render_diagnostics(diags, args.format)
    if report:
        print(report)
    failed = bool(diags.errors) or (args.strict and bool(diags.warnings))
    return 1 if failed else 0


def _schemas(args: argparse.Namespace) -> int:
    from sitegen.schemas import write_schemas

    for path in write_schemas(args.dir):
        print(f"wrote {path}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from sitegen.content.config import load_config
    from sitegen.content.seeds import expand_seeds, import_seeds
    from sitegen.diagnostics import Diagnostics

    seeds, problems = expand_seeds(args.seeds)
    if args.slug and len(seeds) > 1:
        print("sitegen import: error: --slug names one article; give it with one seed only "
              f"({len(seeds)} given)", file=sys.stderr)
        return 2
    diags = Diagnostics()
    config = load_config(args.src, diags)
    if config is None:
        raise ContentError(diags)
    outcomes = import_seeds(
        args.src, seeds, boilerplate=config.boilerplate, slug=args.slug,
        lang=args.lang or config.language, date=args.date, force=args.force,
    )
    skipped = [o.problem for o in outcomes if o.problem is not None]
    for outcome in outcomes:
        if outcome.article is None:
            continue
        print(f"wrote {outcome.article}")
        print(f"wrote {outcome.claims}" if outcome.claims else "kept the existing claims file")
    if problems or skipped:
        print(format_report([*problems, *skipped]), file=sys.stderr)
    if len(args.seeds) > 1 or len(seeds) > 1:
        summary = f"imported {len(outcomes) - len(skipped)} of {len(outcomes)} seeds"
        if skipped:
            summary += f", skipped {len(skipped)} (why: above)"
        if problems:
            summary += f"; {len(problems)} pattern(s) matched no file"
        print(summary)
    return 1 if problems or skipped else 0


def _new(args: argparse.Namespace) -> int:
    from sitegen.content.edit import EditError
    from sitegen.new import new_claim, new_entity, new_site

    try:
        if args.what == "site":
            made = new_site(args.dir, force=args.force)
            for path in made.kept:
                print(f"kept {path} (it exists)")
            print(f"wrote a new site into {made.root} ({len(made.written)} files)")
            if not made.pinned:
                print(f"note: requirements.txt installs '{made.requirement}'; sitegen is not on "
                      "a package index, so pin its git repository there before publishing",
                      file=sys.stderr)
            print("next:")
            print(f"  cd {shlex.quote(str(made.root))}")
            print("  sitegen serve                   # preview at http://127.0.0.1:8000/, "
                  "rebuilt on every save")
            print("  sitegen import 'seeds/*.txt'    # turn your raw article texts into articles")
        elif args.what == "claim":
            made_claim = new_claim(args.src, args.article, claim_id=args.id, quote=args.quote)
            print(f"wrote claim '{made_claim.id}' into {made_claim.path} at line "
                  f"{made_claim.line}; fill in its fields, then run `sitegen check`")
        else:
            path = new_entity(args.src, args.name, entity_type=args.type, entity_id=args.id)
            print(f"wrote {path}")
    except EditError as exc:
        hint = f" (hint: {exc.hint})" if exc.hint else ""
        print(f"sitegen new {args.what}: error: {exc}{hint}", file=sys.stderr)
        return 1
    return 0
