"""Command-line front end: ``desktop-search [--data-dir DIR] COMMAND``.

Commands: (none) or ``app`` starts the GUI; ``index``, ``search``, ``status``, ``forget``,
``model list|fetch|import``. User errors print one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from desktop_search import APP_ID, __version__
from desktop_search.core.errors import UserError
from desktop_search.core.paths import AppPaths, resolve_paths
from desktop_search.core.progress import Progress
from desktop_search.core.settings import load_settings

log = logging.getLogger("desktop_search")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=APP_ID, description="Find your files by meaning, privately.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        help="where all state lives (default: $DESKTOP_SEARCH_HOME or the platform's data dir)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    parser.add_argument(
        "--toggle", action="store_true", help="show or hide the running app's window (bind it to a hotkey)"
    )
    parser.add_argument("--quit", action="store_true", help="quit the running app")
    parser.add_argument(
        "--self-test", action="store_true", help="index and search a few sample files in a temporary folder"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    app = commands.add_parser("app", help="open the search window (the default)")
    app.add_argument("--background", action="store_true", help="start in the tray (used at login)")

    index = commands.add_parser("index", help="add folders and index them until done")
    index.add_argument("paths", nargs="*", type=Path, help="folders to add (default: re-index all)")

    watch = commands.add_parser("watch", help="index, then keep the index fresh until Ctrl-C / SIGTERM")
    watch.add_argument("paths", nargs="*", type=Path, help="folders to add (default: all indexed folders)")
    watch.add_argument("--quiet-seconds", type=float, default=1.0, help=argparse.SUPPRESS)

    search = commands.add_parser("search", help="search the index")
    search.add_argument("query", nargs="*", help="what to look for (see README: query syntax)")
    search.add_argument("--like", metavar="FILE", type=Path, help="files similar to this indexed file")
    search.add_argument("--limit", type=int, default=10, help="results to show (default 10)")
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.add_argument("--stdin", action="store_true", help="read one query per line from stdin")
    search.add_argument(
        "--mode", choices=("hybrid", "dense", "keyword"), default="hybrid",
        help="hybrid (default): meaning + keywords + file names; dense: meaning only; keyword: BM25 only",
    )  # fmt: skip

    status = commands.add_parser("status", help="roots, file counts, model, provider, index health")
    status.add_argument("--json", action="store_true")
    status.add_argument(
        "--failed", action="store_true", help="list every file not indexed (or indexed in part), with why"
    )

    forget = commands.add_parser("forget", help="remove a folder and purge everything indexed from it")
    forget.add_argument("path", type=Path)

    retry = commands.add_parser("retry", help="read failed, skipped and encrypted files again")
    retry.add_argument("paths", nargs="*", type=Path, help="only these files (default: all of them)")

    model = commands.add_parser("model", help="list, download or import embedding models")
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    model_commands.add_parser("list", help="known and installed models")
    fetch = model_commands.add_parser("fetch", help="download a model from the Hugging Face Hub")
    fetch.add_argument("name", nargs="?", default=None, help="model name (default: the preferred model)")
    imp = model_commands.add_parser("import", help="export a local Hugging Face model folder to ONNX")
    imp.add_argument("path", type=Path)
    imp.add_argument("--name", help="name to install it under (default: the folder name)")
    return parser


def _setup_logging(paths: AppPaths | None, verbose: bool) -> None:
    root = logging.getLogger("desktop_search")
    root.setLevel(logging.DEBUG)
    root.handlers.clear()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(console)
    if paths is not None:
        try:
            paths.log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                paths.log_file, maxBytes=2_000_000, backupCount=2, encoding="utf-8"
            )
        except OSError:
            return
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


class TerminalProgress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, progress: object) -> None:
        from desktop_search.core.indexer import IndexProgress

        if not self.enabled or not isinstance(progress, IndexProgress):
            return
        now = time.monotonic()
        if now - self._last < 0.1 and progress.done < progress.total:
            return
        self._last = now
        total = max(progress.total, 1)
        filled = int(30 * progress.done / total)
        eta = f" ETA {progress.eta_s:.0f}s" if progress.eta_s is not None else ""
        line = (
            f"\r{progress.phase:<10} [{'#' * filled}{'.' * (30 - filled)}] "
            f"{progress.done}/{progress.total} {progress.unit}, {progress.chunks_per_s:.0f} chunks/s{eta}"
        )
        sys.stderr.write(line.ljust(90))
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _cmd_index(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_search.core.engine import Engine

    with Engine.open_profile(paths) as engine:
        roots = engine.add_roots(args.paths) if args.paths else engine.roots()
        if not roots:
            raise UserError("No folders to index: give one, e.g. `desktop-search index ~/Documents`")
        model = engine.preferred_model()
        print(
            f"Model: {model.manifest.name} ({model.manifest.variant})"
            + (f" (offline fallback: {model.fallback_reason})" if model.fallback_reason else ""),
            file=sys.stderr,
        )
        bar = TerminalProgress()
        report = engine.index(roots, progress=bar)
        bar.done()
    rate = report.chunks_embedded / report.seconds if report.seconds else 0.0
    print(
        f"Indexed {report.files_indexed} files ({report.files_unchanged} unchanged, "
        f"{report.files_moved} moved, {report.files_removed} removed) in {report.seconds:.1f} s; "
        f"{report.chunks_embedded} chunks embedded ({rate:.0f}/s), {report.chunks_reused} reused."
    )
    _print_problems(report.problems, report.partly_indexed)
    return 0


LISTED_PROBLEMS = 10


def _print_problems(not_indexed: list[tuple[str, str, str]], partly: list[tuple[str, str, str]]) -> None:
    """What was not indexed (and what only in part), by kind, then the first few files."""
    from desktop_search.core.problems import summary_text

    hint = "`desktop-search status --failed` lists them"
    for rows, what in ((not_indexed, "not indexed"), (partly, "indexed in part")):
        if not rows:
            continue
        print(f"{len(rows):,} {'file' if len(rows) == 1 else 'files'} {what}: {summary_text(rows)}.")
        for path, status, reason in rows[:LISTED_PROBLEMS]:
            print(f"  {status}: {path}: {reason}")
        if len(rows) > LISTED_PROBLEMS:
            print(f"  … and {len(rows) - LISTED_PROBLEMS:,} more ({hint})")


def _cmd_watch(args: argparse.Namespace, paths: AppPaths) -> int:
    import signal
    import threading

    from desktop_search.core.engine import Engine
    from desktop_search.core.live import LiveIndexer
    from desktop_search.core.priority import lower_process_priority

    lower_process_priority()
    engine = Engine.open_profile(paths)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if args.paths:
            engine.add_roots(args.paths)
        if not engine.roots():
            raise UserError("No folders to watch: give one, e.g. `desktop-search watch ~/Documents`")
        model = engine.preferred_model()
        print(f"Model: {model.manifest.name}", file=sys.stderr)
        live = LiveIndexer(engine, quiet_s=args.quiet_seconds, progress=TerminalProgress())
        live.start()
        reported = False
        try:
            while not stop.wait(0.5):
                state = live.state()
                if state.error:
                    raise UserError(state.error)
                if not reported and state.roots:
                    for root, mode in sorted(state.roots.items()):
                        print(f"{mode.capitalize()}: {root}", file=sys.stderr)
                    print("Press Ctrl-C to stop.", file=sys.stderr)
                    reported = True
        except KeyboardInterrupt:
            pass
        print("\nStopping…", file=sys.stderr)
        if not live.stop(timeout=30):
            raise UserError("The indexer did not stop within 30 s")
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.close()
    return 0


def _cmd_search(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_search.core.engine import Engine

    args.query = " ".join(args.query)
    if not args.stdin and not args.query and not args.like:
        raise UserError("Give a query, or --stdin to read one query per line")
    if args.limit <= 0:
        raise UserError("--limit must be positive")
    if not paths.database.exists():
        raise UserError(f"Nothing indexed in {paths.data_dir} yet: run `desktop-search index FOLDER` first")
    with Engine.open_profile(paths) as engine:
        searcher = engine.searcher()
        if args.like:
            like = args.like.expanduser().resolve()
            state = engine.store.file_state(str(like))
            if state is None or state.status != "indexed":
                why = (
                    "was not read (see `desktop-search status --failed`)" if state else "is not in the index"
                )
                raise UserError(f"{args.like} {why}: --like needs a file of an indexed folder")
            queries = iter([str(like)])
        elif args.stdin:
            queries = (line.rstrip("\r\n") for line in sys.stdin)
        else:
            queries = iter([args.query])
        for query in queries:
            if args.like:
                response = searcher.more_like_this(path=query, limit=args.limit)
            else:
                response = searcher.search(query, args.limit, args.mode)
            if args.json:
                payload = {"query": query, "results": [r.to_json() for r in response.results]}
                sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                _print_results(response)
    return 0


def _print_results(response: object) -> None:
    from desktop_search.core.search import SearchResponse

    assert isinstance(response, SearchResponse)
    if not response.results:
        print(f"No results for “{response.query}”.")
    for rank, result in enumerate(response.results, 1):
        where = (
            f"p. {result.best.page}"
            if result.best.page
            else (f"line {result.best.line}" if result.best.line else "")
        )
        print(f"{rank:>2}. {result.path}  [{result.score:.3f}{', ' + where if where else ''}]")
        print(f"    {' '.join(result.best.snippet.split())}")
    count = len(response.results)
    print(f"({count} result{'' if count == 1 else 's'} in {response.seconds * 1000:.0f} ms)")


def _cmd_status(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_search.core.engine import Engine

    with Engine.open_profile(paths) as engine:
        status = engine.status()
        if args.failed:
            not_indexed = engine.store.problem_files(limit=10**9)
            partly = engine.store.partly_indexed_files(limit=10**9)
    if args.failed:
        _print_failed(not_indexed, partly, as_json=args.json)
        return 0
    if args.json:
        print(json.dumps(status.to_json(), indent=2))
        return 0
    model, provider, index = status.model, status.provider, status.index
    if status.recovery:
        print(f"Notice:   {status.recovery['message']}")
    print(f"Data dir: {status.data_dir}")
    print("Folders:  " + (", ".join(status.roots) or "none yet"))
    print("Files:    " + (", ".join(f"{n} {s}" for s, n in sorted(status.files.items())) or "none"))
    print(f"Chunks:   {status.chunks}")
    print(f"Model:    {model.name}, {model.variant} ({model.origin}; {model.source})")
    if model.fallback_reason:
        print(f"          offline fallback: {model.fallback_reason}")
    if model.reembed_needed:
        target = f"{model.preferred} ({model.preferred_variant})"
        print(f"          re-embedding needed: run `desktop-search index` to switch to {target}")
    print(
        f"Provider: {provider.active}"
        + (f" ({provider.fallback_reason})" if provider.fallback_reason else "")
    )
    print(
        f"Index:    {index.ann_live} vectors, {index.ann_deleted} deleted, "
        + ("healthy" if index.healthy else "out of step (will rebuild)")
    )
    if status.watch:
        for root, mode in sorted(status.watch.roots.items()):
            print(f"Live:     {mode} {root} (pid {status.watch.pid})")
    if status.pending:
        print(f"Queued:   {status.pending} files to look at")
    for kinds, what in ((status.not_indexed, "Not read"), (status.partly_indexed, "In part")):
        if kinds:
            counts = ", ".join(f"{count:,} {kind}" for kind, count in kinds.items())
            print(f"{what + ':':<10}{sum(kinds.values()):,} ({counts})")
    if status.not_indexed or status.partly_indexed:
        print("          `desktop-search status --failed` lists them with the reasons")
    return 0


def _print_failed(
    not_indexed: list[tuple[str, str, str]], partly: list[tuple[str, str, str]], as_json: bool
) -> None:
    """Every file not indexed or indexed in part, with its status, kind and reason."""
    from desktop_search.core.problems import reason_kind

    rows = [*not_indexed, *partly]
    if as_json:
        for path, state, reason in rows:
            record = {"path": path, "status": state, "kind": reason_kind(state, reason), "reason": reason}
            print(json.dumps(record, ensure_ascii=False))
        return
    if not rows:
        print("Every file was indexed.")
    for path, state, reason in rows:
        print(f"{reason_kind(state, reason)}: {path}: {reason}")


def _cmd_forget(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_search.core.engine import Engine

    with Engine.open_profile(paths) as engine:
        removed = engine.forget(args.path)
    print(f"Forgot {args.path}: {removed} files purged from the index.")
    return 0


def _cmd_retry(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_search.core.engine import Engine

    with Engine.open_profile(paths) as engine:
        bar = TerminalProgress()
        report = engine.retry_problems(args.paths or None, progress=bar)
        bar.done()
    print(f"Indexed {report.files_indexed} files; {len(report.problems)} still not indexed.")
    for path, status, reason in report.problems[:50]:
        print(f"  {status}: {path}: {reason}")
    return 0


def _cmd_model(args: argparse.Namespace, paths: AppPaths) -> int:
    from desktop_search.core.engine import model_locations
    from desktop_search.core.model.provision import fetch_model, import_model, installed_models
    from desktop_search.core.model.registry import KNOWN_MODELS

    paths.ensure()
    locations = model_locations(paths)
    settings = load_settings(paths.settings_file)
    if args.model_command == "list":
        installed = {m.manifest.name: m for m in installed_models(locations)}
        for name, spec in KNOWN_MODELS.items():
            mark = "*" if name == settings.model else " "
            where = (
                f"installed ({installed[name].origin}: {installed[name].folder})"
                if name in installed
                else "not installed"
            )
            print(f"{mark} {name:<22} {where}\n    {spec.description}")
            if name in installed:
                manifest = installed[name].manifest
                print(
                    f"    variants: {', '.join(manifest.variant_names())}; on a CPU runs "
                    f"{manifest.cpu_variant} ({manifest.cpu_variant_reason or 'no measurement'})"
                )
        for name, found in installed.items():
            if name not in KNOWN_MODELS:
                print(f"  {name:<22} installed ({found.origin}: {found.folder})")
        return 0
    if args.model_command == "fetch":
        bar = _ByteProgress()
        resolved = fetch_model(locations, args.name or settings.model, bar)
        bar.done()
    else:
        resolved = import_model(locations, args.path, args.name)
    print(f"Installed {resolved.manifest.name} ({resolved.manifest.model_id}) in {resolved.folder}")
    return 0


class _ByteProgress:
    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, progress: Progress) -> None:
        if self.enabled:
            percent = f"{100 * progress.fraction:5.1f} %" if progress.fraction is not None else ""
            sys.stderr.write(f"\rDownloading {progress.done / 1e6:7.1f} MB {percent}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _cmd_app(args: argparse.Namespace, paths: AppPaths) -> int:
    message = "toggle" if getattr(args, "toggle", False) else "quit" if getattr(args, "quit", False) else None
    if sys.platform == "win32" and message is None:
        # PySide6 carries an older MSVC runtime than onnxruntime needs, and whichever DLL is
        # loaded first is used by both: onnxruntime's must come first or its import fails.
        import onnxruntime  # noqa: F401
    try:
        from desktop_search.ui.app import run_app
    except ImportError as exc:
        raise UserError(f"The GUI needs PySide6 ({exc}); the CLI commands still work") from exc
    if message is not None:  # to the running app: no window, no model
        return run_app(paths, message=message)
    return run_app(paths, background=getattr(args, "background", False))


_COMMANDS = {
    "index": _cmd_index,
    "watch": _cmd_watch,
    "search": _cmd_search,
    "status": _cmd_status,
    "forget": _cmd_forget,
    "retry": _cmd_retry,
    "model": _cmd_model,
    "app": _cmd_app,
    None: _cmd_app,
}


_SEARCH_OPTIONS = {"--limit": 1, "--mode": 1, "--like": 1, "--json": 0, "--stdin": 0}


def _options_before_query(argv: list[str]) -> list[str]:
    """``search -- "-draft x" --limit 1``: after ``--`` the query may start with ``-``, and the
    search options that follow it are still options (argparse would take them as words)."""
    if "search" not in argv or "--" not in argv or argv.index("--") < argv.index("search"):
        return argv
    split = argv.index("--")
    options: list[str] = []
    words: list[str] = []
    rest = iter(argv[split + 1 :])
    for token in rest:
        name = token.split("=", 1)[0]
        if name in _SEARCH_OPTIONS and words:  # an option after the query's first word
            options.append(token)
            if _SEARCH_OPTIONS[name] and "=" not in token:
                options.append(next(rest, ""))
        else:
            words.append(token)
    return [*argv[:split], *options, "--", *words]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``desktop-search`` command."""
    import multiprocessing

    multiprocessing.freeze_support()  # extraction workers of a frozen (PyInstaller) app
    args = _build_parser().parse_args(_options_before_query(list(sys.argv[1:] if argv is None else argv)))
    try:
        paths = resolve_paths(args.data_dir)
        paths.ensure()
    except OSError as exc:
        print(f"{APP_ID}: error: cannot use data dir: {exc}", file=sys.stderr)
        return 1
    _setup_logging(paths, args.verbose)
    try:
        if args.self_test:
            from desktop_search.self_test import run_self_test

            return run_self_test(paths)
        return _COMMANDS[args.command](args, paths)
    except UserError as exc:
        log.debug("User error", exc_info=True)
        print(f"{APP_ID}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{APP_ID}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def gui_main() -> int:
    """Entry point of the GUI launcher (no console window on Windows)."""
    return main(["app"])
