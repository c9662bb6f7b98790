"""The IR test collections in ``../shared/ir`` (SMART format) and ranking metrics.

Used by the quality test and the benchmarks: write each document to its own file, search
with the product, score the ranked files by nDCG@10, MRR@10 and Recall@100.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLLECTIONS = ("cranfield", "med", "adi")
_FILES = {
    "cranfield": ("cran.all.1400", "cran.qry", "cranqrel"),
    "med": ("MED.ALL", "MED.QRY", "MED.REL"),
    "adi": ("ADI.ALL", "ADI.QRY", "ADI.REL"),
}
_FIELD = re.compile(r"^\.([ITABWX])(?:\s+(.*))?$")


@dataclass(frozen=True)
class Collection:
    """Documents (id -> text), queries in file order (id, text), graded judgements."""

    name: str
    documents: dict[str, str]
    queries: list[tuple[str, str]]
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> gain (> 0 means relevant)


def ir_root() -> Path:
    """``$DESKTOP_SEARCH_IR`` or ``../shared/ir`` next to the repository."""
    return Path(os.environ.get("DESKTOP_SEARCH_IR") or REPO.parent / "shared" / "ir")


def _records(path: Path) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    field = None
    for raw in path.read_text(encoding="latin-1").replace("\r", "").split("\n"):
        match = _FIELD.match(raw.rstrip())
        if match:
            field = match.group(1)
            if field == "I":
                records.append({"I": (match.group(2) or "").strip()})
                field = None
            else:
                records[-1].setdefault(field, "")
            continue
        if field and records:
            records[-1][field] += raw.rstrip() + "\n"
    return records


def load_collection(name: str, root: Path | None = None) -> Collection:
    folder = (root or ir_root()) / name
    docs_file, queries_file, rel_file = _FILES[name]
    documents = {}
    for record in _records(folder / docs_file):
        title, body = record.get("T", "").strip(), record.get("W", "").strip()
        documents[record["I"]] = f"{title}\n\n{body}".strip() + "\n"
    queries = [(r["I"], " ".join(r.get("W", "").split())) for r in _records(folder / queries_file)]
    qrels: dict[str, dict[str, int]] = {}
    if name == "cranfield":
        # cranqrel numbers queries 1..225 by position in cran.qry; grade 1 (best) .. 4, -1 = none.
        ordinal_to_id = {str(i): qid for i, (qid, _) in enumerate(queries, 1)}
        for line in (folder / rel_file).read_text(encoding="latin-1").split("\n"):
            parts = line.split()
            if len(parts) >= 3 and 1 <= int(parts[2]) <= 4:
                qrels.setdefault(ordinal_to_id[parts[0]], {})[parts[1]] = 5 - int(parts[2])
    else:
        for line in (folder / rel_file).read_text(encoding="latin-1").split("\n"):
            parts = line.split()
            if len(parts) < 3:
                continue
            qid, doc = (parts[0], parts[2]) if name == "med" else (parts[0], parts[1])
            qrels.setdefault(qid, {})[doc] = 1
    return Collection(name, documents, queries, qrels)


def doc_file_name(doc_id: str) -> str:
    return f"doc-{int(doc_id):05d}.txt"


def doc_id_of(path: str) -> str:
    return str(int(Path(path).stem.split("-")[1]))


def write_documents(collection: Collection, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in collection.documents.items():
        (folder / doc_file_name(doc_id)).write_text(text, encoding="utf-8")


def ndcg_at(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if gains.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: list[str], gains: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, g in gains.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def evaluate(collection: Collection, rankings: dict[str, list[str]]) -> dict[str, float]:
    """Mean nDCG@10, MRR@10 and Recall@100 over the judged queries."""
    judged = [qid for qid, _ in collection.queries if collection.qrels.get(qid)]
    scores = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@100": 0.0}
    for qid in judged:
        ranked, gains = rankings.get(qid, []), collection.qrels[qid]
        scores["ndcg@10"] += ndcg_at(ranked, gains)
        scores["mrr@10"] += mrr_at(ranked, gains)
        scores["recall@100"] += recall_at(ranked, gains)
    return {k: v / len(judged) for k, v in scores.items()} | {"queries": float(len(judged))}


def bm25_rankings(collection: Collection, k: int = 100) -> dict[str, list[str]]:
    """An independent BM25 baseline (rank_bm25, Okapi defaults) over the same documents."""
    from rank_bm25 import BM25Okapi

    tokenize = re.compile(r"[a-z0-9]+").findall
    ids = list(collection.documents)
    bm25 = BM25Okapi([tokenize(collection.documents[d].lower()) for d in ids])
    rankings = {}
    for qid, text in collection.queries:
        scores = bm25.get_scores(tokenize(text.lower()))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])[:k]
        rankings[qid] = [ids[i] for i in order]
    return rankings
