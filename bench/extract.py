"""Extraction throughput: PDF pages/s and Office files/s, in the worker pool and in-process.

    python -m bench.extract [--pdfs 40] [--pages 25] [--docx 300] [--workers 2]

Documents are written by the same generators as the tests (a text PDF page is ~12 lines of
prose; a DOCX is ~10 paragraphs). Each set is extracted once in this process (the parser
alone) and once through ``ExtractionPool`` (spawned workers, pipes, limits), after warm-up.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from desktop_search.core.extract import extract
from desktop_search.core.extract.sandbox import ExtractionPool
from tests.fixtures import documents as docs

log = logging.getLogger("bench.extract")
LINE = "The cooperative's orchard produced more apples than any year since records began."


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pdfs", type=int, default=40)
    parser.add_argument("--pages", type=int, default=25)
    parser.add_argument("--docx", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = Path(tempfile.mkdtemp(prefix="ds-extract-"))
    pdfs = [
        docs.write(
            folder,
            f"r{i}.pdf",
            docs.pdf_bytes([[f"{LINE} {i}.{p}.{n}" for n in range(12)] for p in range(args.pages)]),
        )
        for i in range(args.pdfs)
    ]
    docx = [
        docs.write(folder, f"d{i}.docx", docs.docx_bytes([f"{LINE} paragraph {n} of {i}" for n in range(10)]))
        for i in range(args.docx)
    ]
    limit = 100 * 1024 * 1024
    with ExtractionPool(workers=args.workers) as pool:
        pool.extract(pdfs[0], limit)
        pool.extract(docx[0], limit)
        for label, files, unit in (("PDF", pdfs, args.pages), ("DOCX", docx, 1)):
            started = time.perf_counter()
            for path in files:
                extract(path, limit)
            in_process = time.perf_counter() - started
            started = time.perf_counter()
            outcomes = list(pool.extract_many([(path, limit) for path in files]))
            pooled = time.perf_counter() - started
            assert all(not isinstance(o, Exception) for _, o in outcomes)
            what = "pages" if unit > 1 else "files"
            log.info(
                "%s: %d files (%d %s): in-process %.0f %s/s; pool of %d workers %.0f %s/s",
                label, len(files), len(files) * unit, what, len(files) * unit / in_process, what,
                args.workers, len(files) * unit / pooled, what,
            )  # fmt: skip


if __name__ == "__main__":
    main()
