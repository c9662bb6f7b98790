"""An int8 copy of a model folder's weights, and whether a CPU should run it by default.

Dynamic quantisation (onnxruntime): weights stored as signed int8, one scale per output
channel, activations quantised per batch at run time. On a 2-core laptop-class CPU it embeds
~2.7x faster than fp32 at cosine ~0.994 to the fp32 vectors (``bench/embed.py``).

The int8 variant becomes the CPU default only when both hold:

* its vectors on the gate texts below have mean cosine >= 0.99 to fp32 (checked here, on
  the machine that prepares the model), and
* the registry records the nDCG@10 of the product's default (hybrid) search with fp32 and
  with int8, measured by ``bench.quality --precision``, and int8 loses at most 1 % on every
  collection (models not measured keep fp32 as their default; the variant is still there
  for users who choose it). Dense-only retrieval loses more (``bench.embed`` reports it):
  keyword matching in the hybrid ranking absorbs part of the int8 noise.

Quantising needs the ``onnx`` package (part of the export extra), so it runs in the export
child process or through ``python -m desktop_search.core.model.quantize FOLDER``.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_search.core.errors import DownloadCancelledError
from desktop_search.core.files import sha256_of
from desktop_search.core.model.manifest import (
    MODEL_FILE,
    ModelFolderError,
    ModelManifest,
    ModelVariant,
    read_manifest,
    write_manifest,
)
from desktop_search.core.model.registry import get_spec
from desktop_search.core.progress import ShouldCancel, never_cancel

log = logging.getLogger(__name__)

INT8_FILE = "model_int8.onnx"
INT8_METHOD = "onnxruntime dynamic quantisation: int8 weights, per output channel; fp32 activations in/out"
MIN_COSINE_MEAN = 0.99
MAX_NDCG_DROP = 0.01


# Varied, realistic passages (notes, mail, code, prose, lists, other languages) whose vectors
# fp32 and int8 must agree on. Not tuned: any mix of kinds people keep would do.
GATE_TEXTS = (
    "Meeting notes 14 March: agreed to move the launch to April, Priya owns the pricing page, "
    "legal review of the terms is still open.",
    "Dear Sam, thanks for the invoice. We will pay within 30 days; please send the VAT number.",
    "def retry(call, attempts=5):\n    for i in range(attempts):\n        try:\n            return call()\n"
    "        except TimeoutError:\n            time.sleep(2 ** i)",
    "The boundary layer separates from the wing at high angles of attack, and the lift drops.",
    "Preheat the oven to 200 C. Mash three ripe bananas with melted butter, add sugar and flour.",
    "Tenancy agreement: the tenant shall give two months' written notice before leaving the flat.",
    "Q3 revenue grew 12 % year on year, driven by subscriptions; churn fell to 2.1 %.",
    "Symptoms include fever, dry cough and fatigue; most patients recover within two weeks.",
    "TODO: renew passport, book dentist, call the bank about the mortgage rate.",
    "Die Ergebnisse zeigen eine deutliche Verbesserung der Messgenauigkeit.",
    "SELECT name, count(*) FROM orders JOIN customers USING (customer_id) GROUP BY name;",
    "It was a bright cold day in April, and the clocks were striking thirteen.",
    "Flight BA 117 departs London Heathrow 08:25, arrives New York JFK 11:05, seat 32A.",
    "The mitochondria produce ATP through oxidative phosphorylation across the inner membrane.",
    "Error: connection refused (port 5432). Is the database server running on this host?",
    "Pack for the trip: hiking boots, rain jacket, charger, passport, sunscreen.",
    "Newton's second law states that force equals mass times acceleration.",
    "Résumé: ingénieure logicielle, dix ans d'expérience en systèmes distribués.",
    "Abstract. We propose a method for estimating heat transfer in hypersonic flow over cones.",
    "x",
    "Password reset: click the link below within 24 hours to choose a new password.",
    "Chapter 3. The village lay in a valley, and the river ran fast after the spring rains.",
    "Install with pip install desktop-search, then run desktop-search index ~/Documents.",
    "Budget 2027: rent 14,400; salaries 96,000; equipment 8,500; travel 3,200.",
)


def quantize_int8(source: Path, target: Path) -> None:
    """Write the int8 copy of the ONNX graph ``source`` to ``target``."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )


def measured_ndcg_drop(name: str) -> float | None:
    """The worst relative nDCG@10 drop of int8 recorded for a registry model, if measured."""
    spec = get_spec(name)
    if spec is None or not spec.int8_ndcg:
        return None
    return max((fp32 - int8) / fp32 for _, fp32, int8 in spec.int8_ndcg)


def add_int8_variant(folder: Path) -> ModelManifest:
    """Quantise ``folder``'s model, measure it against fp32, record it and the CPU default."""
    from desktop_search.core.model.embed import Embedder

    manifest = read_manifest(folder)
    target = folder / INT8_FILE
    quantize_int8(folder / MODEL_FILE, target)
    variant = ModelVariant(
        name="int8", file=INT8_FILE, sha256=sha256_of(target), method=INT8_METHOD, cosine_mean=0, cosine_min=0
    )
    with_int8 = dataclasses.replace(manifest, variants=(variant,))
    reference = Embedder(folder, with_int8, provider="cpu").embed_passages(GATE_TEXTS)
    candidate = Embedder(folder, with_int8.with_variant("int8"), provider="cpu").embed_passages(GATE_TEXTS)
    cosines = (reference * candidate).sum(axis=1)
    variant = dataclasses.replace(
        variant, cosine_mean=round(float(cosines.mean()), 5), cosine_min=round(float(np.min(cosines)), 5)
    )
    drop = measured_ndcg_drop(manifest.name)
    if variant.cosine_mean < MIN_COSINE_MEAN:
        choice, reason = "fp32", f"int8 cosine to fp32 {variant.cosine_mean:.4f} < {MIN_COSINE_MEAN}"
    elif drop is None:
        choice, reason = "fp32", "int8 search quality not measured for this model (bench.quality)"
    elif drop > MAX_NDCG_DROP:
        choice, reason = "fp32", f"int8 nDCG@10 drop {drop:.1%} > {MAX_NDCG_DROP:.0%}"
    else:
        choice = "int8"
        reason = (
            f"int8 cosine to fp32 {variant.cosine_mean:.4f} (min {variant.cosine_min:.4f}); "
            f"search nDCG@10 drop at most {max(drop, 0):.1%} (bench.quality)"
        )
    result = dataclasses.replace(
        with_int8, variants=(variant,), cpu_variant=choice, cpu_variant_reason=reason
    )
    write_manifest(folder, result)
    log.info("%s: CPU runs %s (%s)", manifest.name, choice, reason)
    return result


def add_int8_variant_in_child(
    folder: Path, timeout_s: float = 900, should_cancel: ShouldCancel = never_cancel
) -> bool:
    """``add_int8_variant`` in a child process (it needs ``onnx``); False if it could not run.
    ``should_cancel()`` (asked every 0.1 s) ends the child and raises ``DownloadCancelledError``:
    the folder keeps its fp32 model and manifest (the manifest is replaced whole or not at all)."""
    if getattr(sys, "frozen", False):  # the installed app carries no onnx (build.spec)
        log.info("No int8 variant for %s: the installed app runs the model as downloaded", folder.name)
        return False
    env = {**os.environ, "ORT_DISABLE_TELEMETRY": "1"}
    command = [sys.executable, "-m", "desktop_search.core.model.quantize", str(folder)]
    deadline = time.monotonic() + timeout_s
    # Output to a file, not a pipe: a pipe nobody reads while we poll could fill and stall it.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as output:
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
        try:
            while (returncode := child.poll()) is None:
                if should_cancel():
                    raise DownloadCancelledError(f"Preparing the int8 variant of {folder.name} stopped")
                if time.monotonic() > deadline:
                    log.warning(
                        "Making the int8 variant of %s took over %.0f s; keeping fp32 only", folder, timeout_s
                    )
                    return False
                time.sleep(0.1)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
                _remove_unrecorded_int8(folder)
        if returncode != 0:
            output.seek(0)
            lines = output.read().strip().splitlines()
            log.warning("No int8 variant for %s: %s", folder.name, lines[-1] if lines else returncode)
            return False
    return True


def _remove_unrecorded_int8(folder: Path) -> None:
    """Remove an int8 file the manifest does not name (half written by a stopped child)."""
    try:
        recorded = any(variant.file == INT8_FILE for variant in read_manifest(folder).variants)
    except ModelFolderError:
        recorded = False
    if not recorded:
        (folder / INT8_FILE).unlink(missing_ok=True)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Add the int8 variant to a model folder.")
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    add_int8_variant(args.folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
