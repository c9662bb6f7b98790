"""Real-world documents through the product: what gets indexed, how much text, can it be found.

    python -m bench.realdocs [--docs DIR] [--keep] [--phrases 5]

Copies the real-world test documents (``../shared/realdocs/tika``, or ``$DESKTOP_SEARCH_REALDOCS``,
or ``--docs``) into a temp folder, indexes the copy with ``desktop-search index`` in a fresh data
dir holding the offline model (all-MiniLM-L6-v2 from ``.test-cache``), then reports:

- per format (file extension): files, indexed with text, indexed but empty, indexed in part,
  not indexed (by kind, from ``status --failed --json``), and whether every file has a row;
- phrase findability: up to N six-word phrases spread through each file's reference text
  (``pdftotext`` for PDF, ``pandoc -t plain`` for DOCX/ODT/EPUB/HTML), each searched through
  ``desktop-search search --json --stdin --limit 10``: the share whose own file is in the top 10;
- text coverage: the share of the reference's distinct words (lower-cased, letters, 4+ long)
  found in the product's stored chunk text of the file; files under 0.5 are extraction gaps,
  or places where the reference is the one that is wrong (a mis-declared charset, rotated PDF
  text). Characters are counted as letters and digits, so layout and table rules do not count.

Tables go to stdout, the figures to ``bench/results/realdocs-<timestamp>.json``. ``--keep``
(or ``DS_BENCH_KEEP=1``) keeps the temp folder.
"""

from __future__ import annotations

import argparse
import codecs
import itertools
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.scratch import scratch_dir
from desktop_search.core.model.registry import MINILM
from desktop_search.core.paths import AppPaths
from desktop_search.core.settings import Settings, save_settings

log = logging.getLogger("bench.realdocs")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = Path(os.environ.get("DESKTOP_SEARCH_REALDOCS") or REPO.parent / "shared" / "realdocs" / "tika")
CACHE = Path(os.environ.get("DESKTOP_SEARCH_TEST_CACHE") or REPO / ".test-cache")
PANDOC_FORMATS = {".docx": "docx", ".odt": "odt", ".epub": "epub", ".html": "html", ".htm": "html"}
PHRASE_WORDS, LOW_COVERAGE, TOP = 6, 0.5, 10
STOP = frozenset(
    "a an and are as at be been but by can do for from has have he her his i if in into is it its "
    "may more no not of on or our she so such than that the their them then there these they this "
    "to was we were what when which who will with would you your all any also each other".split()
)
DATE_WORDS = frozenset({"today", "yesterday"})  # the query parser reads these (and this/last week) as dates
PUNCT = ".,;:!?\"'()[]{}«»“”\u2018\u2019"  # curly single quotes as escapes (RUF001)
SOFT_HYPHEN = "\u00ad"  # invisible: "optional\u00adhyphen" is the word "optionalhyphen"
WORD = re.compile(r"[^\W\d_]{4,}")


def html_as_utf8(data: bytes) -> bytes:
    """HTML bytes as UTF-8 for pandoc (which reads UTF-8, else Latin-1): the BOM, valid UTF-8,
    the declared charset, then cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace").encode()
    declared = re.search(rb"charset=[\"']?([\w-]+)", data[:16384], re.IGNORECASE)
    for codec in ["utf-8-sig", *([declared.group(1).decode()] if declared else []), "cp1252"]:
        try:
            return data.decode(codec).encode()
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1").encode()


def reference_text(path: Path) -> str | None:
    """The file's text by an independent extractor, or None (no extractor, or it failed)."""
    suffix, stdin = path.suffix.lower(), None
    if suffix == ".pdf":
        command = ["pdftotext", str(path), "-"]
    elif suffix in PANDOC_FORMATS:
        command = ["pandoc", "-f", PANDOC_FORMATS[suffix], "-t", "plain", "--wrap=none"]
        if PANDOC_FORMATS[suffix] == "html":
            stdin = html_as_utf8(path.read_bytes())
        else:
            command.append(str(path))
    else:
        return None
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        log.warning("reference extractor timed out on %s", path.name)
        return None
    if done.returncode != 0:
        why = done.stderr[:120].decode(errors="replace").strip()
        log.info("reference extractor failed on %s: %s", path.name, why)
        return None
    return done.stdout.decode("utf-8", errors="replace").replace(SOFT_HYPHEN, "")  # pandoc keeps them


def is_date_like(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    pairs = itertools.pairwise(lowered)
    return bool(DATE_WORDS & set(lowered)) or any(
        a in ("this", "last") and b in ("week", "month", "year") for a, b in pairs
    )


def pick_phrases(text: str, count: int) -> list[str]:
    """Up to ``count`` distinct 6-word phrases of letter-only words, evenly spaced through the text,
    each with at least 3 content words (not stop words, 3+ letters) and no date words."""
    tokens = [t.strip(PUNCT) for t in text.split()]
    candidates: list[str] = []
    i = 0
    while i + PHRASE_WORDS <= len(tokens):
        window = tokens[i : i + PHRASE_WORDS]
        content = sum(len(w) >= 3 and w.lower() not in STOP for w in window)
        if all(w.isalpha() for w in window) and content >= 3 and not is_date_like(window):
            phrase = " ".join(window)
            if phrase not in candidates:
                candidates.append(phrase)
            i += PHRASE_WORDS
        else:
            i += 1
    n = min(count, len(candidates))
    return [candidates[(2 * k + 1) * len(candidates) // (2 * n)] for k in range(n)]


def words_of(text: str) -> set[str]:
    return set(WORD.findall(text.replace(SOFT_HYPHEN, "").lower()))


def alnum(text: str) -> int:
    """Letters and digits: comparable across extractors (pandoc draws tables with dashes)."""
    return sum(c.isalnum() for c in text)


def product_texts(database: Path) -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    """(path -> (status, reason)) of every file row, and path -> its stored text (chunks laid
    back over their offsets, so the overlap counts once), read-only."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        files = {p: (s, r) for p, s, r in db.execute("SELECT path, status, reason FROM files")}
        rows = db.execute(
            "SELECT f.path, c.start, c.end, c.text FROM chunks c JOIN files f ON f.id = c.file_id"
            " ORDER BY f.path, c.start, c.end"
        ).fetchall()
    finally:
        db.close()
    pieces: dict[str, list[str]] = defaultdict(list)
    cursor: dict[str, int] = {}
    for path, start, end, text in rows:
        at = cursor.get(path, 0)
        if end > at:
            pieces[path].append(text[max(0, at - start) :])
            cursor[path] = end
    return files, {path: "\n".join(parts) for path, parts in pieces.items()}


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """Plain columns: numbers right-aligned (floats to 3 places), text left-aligned."""
    cells = [headers, *[[f"{c:.3f}" if isinstance(c, float) else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], int | float) for row in rows) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def kinds_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"


def git_head() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout

    return git("rev-parse", "--short", "HEAD").strip() + ("+dirty" if git("status", "--porcelain") else "")


def prepare(docs: Path, model_dir: Path) -> tuple[Path, AppPaths]:
    """A copy of ``docs`` and a data dir with the offline model linked and chosen, in a temp folder."""
    work = scratch_dir("ds-realdocs-").resolve()
    folder = work / "docs"
    shutil.copytree(docs, folder, symlinks=True)
    paths = AppPaths(work / "data")
    paths.ensure()
    (paths.models_dir / MINILM.name).symlink_to(model_dir.resolve(), target_is_directory=True)
    save_settings(paths.settings_file, Settings(model=MINILM.name, threads=2))
    return folder, paths


def file_record(file: Path, folder: Path, row: tuple[str, str | None] | None, kind: str | None,
                stored: str, reference: str | None) -> dict[str, Any]:  # fmt: skip
    """One file's outcome: status, kind of problem, and its text next to the reference's."""
    record: dict[str, Any] = {
        "name": str(file.relative_to(folder)), "ext": file.suffix.lower() or "(none)",
        "status": row[0] if row else None, "reason": row[1] if row else None, "kind": kind,
        "has_text": bool(stored.strip()), "product_chars": alnum(stored), "phrases": {},
        "reference": None if reference is None else "ok" if words_of(reference) else "no words",
    }  # fmt: skip
    if file.suffix.lower() in (".pdf", *PANDOC_FORMATS) and reference is None:
        record["reference"] = "failed"
    if reference is not None:
        ref_words, prod_words = words_of(reference), words_of(stored)
        common = len(ref_words & prod_words)
        record |= {
            "ref_chars": alnum(reference), "ref_words": len(ref_words),
            "product_words": len(prod_words), "common_words": common,
            "coverage": common / len(ref_words) if ref_words else None,
        }  # fmt: skip
    return record


def format_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    indexed = [r for r in records if r["status"] == "indexed"]
    ranks = [rank for r in records for rank in r["phrases"].values()]
    with_ref = [r for r in records if r.get("coverage") is not None]
    return {
        "files": len(records),
        "in_db": sum(r["status"] is not None for r in records),
        "with_text": sum(r["has_text"] for r in indexed),
        "empty": sum(not r["has_text"] for r in indexed),
        "partly": dict(Counter(r["kind"] for r in indexed if r["kind"])),
        "not_indexed": dict(Counter(r["kind"] or "?" for r in records if r["status"] != "indexed")),
        "with_reference": len(with_ref),
        "reference_failed": sum(r["reference"] == "failed" for r in records),
        "reference_no_words": sum(r["reference"] == "no words" for r in records),
        "phrases": len(ranks),
        "found_top10": sum(rank is not None for rank in ranks),
        "found_top1": ranks.count(1),
        "ref_chars": sum(r["ref_chars"] for r in with_ref),
        "product_chars": sum(r["product_chars"] for r in with_ref),
        "coverage_sum": sum(r["coverage"] for r in with_ref),
    }


def report(head: str, docs: Path, index: dict[str, Any], formats: dict[str, dict[str, Any]],
           per_file: list[dict[str, Any]], extra_rows: int) -> None:  # fmt: skip
    """The tables, to stdout."""
    print(f"\nrealdocs at {head}: {len(per_file)} files from {docs}")
    print(f"index: exit code {index['rc']}, {index['seconds']:.1f} s; {index['summary']}\n")
    outcome = ["ext", "files", "in db", "with text", "empty", "not indexed", "why not", "indexed in part"]
    print(table(outcome, [
        [e, f["files"], f["in_db"], f["with_text"], f["empty"], sum(f["not_indexed"].values()),
         kinds_text(f["not_indexed"]), kinds_text(f["partly"])]
        for e, f in formats.items()
    ]))  # fmt: skip
    missing = [r["name"] for r in per_file if r["status"] is None]
    print(f"\naccounted for: {len(per_file) - len(missing)} of {len(per_file)} files have a row in `files`"
          + (f"; missing: {', '.join(missing)}" if missing else "")
          + (f"; {extra_rows} rows for paths not in the folder" if extra_rows else ""))  # fmt: skip
    rows = []
    for ext, f in formats.items():
        if not f["with_reference"]:
            continue
        share = f["found_top10"] / f["phrases"] if f["phrases"] else 0.0
        coverage = f["coverage_sum"] / f["with_reference"] if f["with_reference"] else 0.0
        counts = ["with_reference", "reference_failed", "reference_no_words", "phrases", "found_top10"]
        rows.append([ext, *(f[c] for c in counts), share, f["found_top1"], f["ref_chars"], f["product_chars"],
                     coverage])  # fmt: skip
    print(f"\nphrase findability ({PHRASE_WORDS}-word phrases of the reference text, own file in top {TOP})"
          " and text coverage (reference's distinct words found in the product's text):")  # fmt: skip
    findability = (
        "ext with-ref ref-failed ref-empty phrases top10 share top1 ref-chars product-chars coverage"
    )
    print(table(findability.split(), rows))
    low = sorted((r for r in per_file if r.get("coverage") is not None and r["coverage"] < LOW_COVERAGE),
                 key=lambda r: (r["coverage"], r["name"]))  # fmt: skip
    print(f"\nlow coverage (< {LOW_COVERAGE}): {len(low)} files")
    if low:
        columns = ["file", "status / kind", "ref words", "product words", "common", "coverage", "ref chars",
                   "product chars"]  # fmt: skip
        print(table(columns, [
            [r["name"], f"{r['status']}" + (f" / {r['kind']}" if r["kind"] else ""), r["ref_words"],
             r["product_words"], r["common_words"], r["coverage"], r["ref_chars"], r["product_chars"]]
            for r in low
        ]))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="the documents folder (only read)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (its path is logged)")
    parser.add_argument("--phrases", type=int, default=5, help="phrases per file (default 5)")
    parser.add_argument("--model-dir", type=Path, default=CACHE / "models" / MINILM.name)
    parser.add_argument("--out", type=Path, help="default: bench/results/realdocs-<timestamp>.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.keep:
        os.environ["DS_BENCH_KEEP"] = "1"
    if not args.docs.is_dir() or not (args.model_dir / "manifest.json").is_file():
        sys.exit(f"need the documents ({args.docs}) and an exported model ({args.model_dir}): run the tests")
    head = git_head()
    folder, paths = prepare(args.docs, args.model_dir)
    originals = sorted(p for p in folder.rglob("*") if p.is_file())
    base = [sys.executable, "-m", "desktop_search", "--data-dir", str(paths.data_dir)]

    log.info("indexing %d files (a copy of %s in %s) at %s", len(originals), args.docs, folder, head)
    started = time.perf_counter()
    done = subprocess.run([*base, "index", str(folder)], capture_output=True, text=True, check=False)
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[0]
    index = {"rc": done.returncode, "seconds": time.perf_counter() - started, "summary": summary,
             "stdout": done.stdout, "stderr_tail": done.stderr[-2000:]}  # fmt: skip
    log.info("index: exit code %d in %.1f s\n%s", done.returncode, index["seconds"], done.stdout.strip())
    failed = subprocess.run(
        [*base, "status", "--failed", "--json"], capture_output=True, text=True, check=True
    )
    kinds = {r["path"]: r["kind"] for r in map(json.loads, failed.stdout.splitlines())}
    rows, texts = product_texts(paths.database)

    log.info("reference text: pdftotext for PDF, pandoc for DOCX/ODT/EPUB/HTML")
    per_file: dict[str, dict[str, Any]] = {}
    queries: list[tuple[str, str]] = []  # (path, phrase)
    for file in originals:
        key, reference = str(file), reference_text(file)
        per_file[key] = file_record(
            file, folder, rows.get(key), kinds.get(key), texts.get(key, ""), reference
        )
        queries += [(key, phrase) for phrase in pick_phrases(reference or "", args.phrases)]

    log.info("searching %d phrases", len(queries))
    search = subprocess.run(
        [*base, "search", "--json", "--stdin", "--limit", str(TOP)],
        input="".join(phrase + "\n" for _, phrase in queries), capture_output=True, text=True, check=True,
    )  # fmt: skip
    answers = [json.loads(line) for line in search.stdout.splitlines()]
    for (key, phrase), answer in zip(queries, answers, strict=True):
        ranked = [os.path.realpath(r["path"]) for r in answer["results"]]
        per_file[key]["phrases"][phrase] = ranked.index(key) + 1 if key in ranked else None

    by_ext: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in per_file.values():
        by_ext[record["ext"]].append(record)
    formats = {ext: format_summary(records) for ext, records in sorted(by_ext.items())}
    formats["all"] = format_summary(list(per_file.values()))
    report(head, args.docs, index, formats, list(per_file.values()), len(set(rows) - set(per_file)))

    out = args.out or REPO / "bench" / "results" / f"realdocs-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"commit": head, "docs": str(args.docs), "index": index, "formats": formats,
              "files": list(per_file.values())}  # fmt: skip
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log.info("saved %s", out)


if __name__ == "__main__":
    main()
