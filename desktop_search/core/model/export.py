"""Export a local Hugging Face model folder to the Desktop Search model folder format.

The export needs torch and optimum (the ``export`` extra). It always runs in a child
process (``python -m desktop_search.core.model.export``) so the app itself never imports
them, and so their memory is returned when it ends. Hub access is forced off: the export
reads only the local folder.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from desktop_search.core.errors import ModelUnavailableError
from desktop_search.core.files import sha256_of
from desktop_search.core.model.manifest import (
    MODEL_FILE,
    TOKENIZER_FILE,
    ModelManifest,
    Pooling,
    read_manifest,
    write_manifest,
)

log = logging.getLogger(__name__)

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "ORT_DISABLE_TELEMETRY": "1",
}


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how the result pools and prefixes."""

    source_dir: Path
    target_dir: Path
    name: str
    source_label: str
    pooling: Pooling | None = None  # None: read it from the folder (sentence-transformers)
    query_prefix: str = ""
    passage_prefix: str = ""
    max_tokens: int | None = None


def detect_pooling(source_dir: Path) -> Pooling:
    """Pooling from a sentence-transformers ``1_Pooling/config.json``; mean if unknown."""
    config = source_dir / "1_Pooling" / "config.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "mean"
    return "cls" if data.get("pooling_mode_cls_token") else "mean"


def detect_max_tokens(source_dir: Path) -> int:
    """The shortest of the model's position limit and sentence-transformers' max length."""
    limits = [512]
    for file_name, key in (
        ("sentence_bert_config.json", "max_seq_length"),
        ("config.json", "max_position_embeddings"),
    ):
        try:
            value = json.loads((source_dir / file_name).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int) and value > 0:
            limits.append(value)
    return min(limits)


def _export_in_this_process(request: ExportRequest) -> ModelManifest:
    """Run optimum's ONNX export. Imports torch; call only in the export child process."""
    from optimum.exporters.onnx import main_export

    with tempfile.TemporaryDirectory(prefix="ds-export-") as work:
        # library_name is explicit: auto-detection would pick sentence-transformers when the
        # folder has config_sentence_transformers.json and change the graph's outputs.
        main_export(
            model_name_or_path=str(request.source_dir),
            output=work,
            task="feature-extraction",
            library_name="transformers",
            device="cpu",
            do_validation=False,
        )
        exported = Path(work)
        import onnxruntime

        session = onnxruntime.InferenceSession(str(exported / MODEL_FILE), providers=["CPUExecutionProvider"])
        outputs = [o.name for o in session.get_outputs()]
        output_name = "last_hidden_state" if "last_hidden_state" in outputs else outputs[0]
        dimension = int(session.get_outputs()[outputs.index(output_name)].shape[-1])
        del session

        request.target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exported / MODEL_FILE, request.target_dir / MODEL_FILE)
        tokenizer_src = exported / TOKENIZER_FILE
        if not tokenizer_src.is_file():
            tokenizer_src = request.source_dir / TOKENIZER_FILE
        if not tokenizer_src.is_file():
            raise ModelUnavailableError(f"{request.source_dir} has no fast tokenizer (tokenizer.json)")
        shutil.copyfile(tokenizer_src, request.target_dir / TOKENIZER_FILE)

    manifest = ModelManifest(
        name=request.name,
        source=request.source_label,
        dimension=dimension,
        pooling=request.pooling or detect_pooling(request.source_dir),
        normalize=True,
        query_prefix=request.query_prefix,
        passage_prefix=request.passage_prefix,
        max_tokens=request.max_tokens or detect_max_tokens(request.source_dir),
        output_name=output_name,
        sha256=sha256_of(request.target_dir / MODEL_FILE),
        notes="exported by optimum (fp32, library=transformers)",
    )
    write_manifest(request.target_dir, manifest)
    try:
        from desktop_search.core.model.quantize import add_int8_variant

        return add_int8_variant(request.target_dir)
    except Exception:  # the fp32 model is complete and works; int8 is a speed-up
        log.exception("Could not make the int8 variant of %s; keeping fp32 only", request.name)
        return manifest


def export_model(request: ExportRequest, timeout_s: float = 1800) -> ModelManifest:
    """Export in a child process into a temp folder, then move it into place atomically."""
    if not (request.source_dir / "config.json").is_file():
        raise ModelUnavailableError(
            f"{request.source_dir} is not a Hugging Face model folder (no config.json)"
        )
    if getattr(sys, "frozen", False):  # build.spec leaves optimum and torch out of the bundle
        raise ModelUnavailableError(
            "Exporting a model needs the Python package with its export tools "
            "(pip install 'desktop-search[export]'); the installed app runs ready-made models: "
            "desktop-search model fetch"
        )
    request.target_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{request.target_dir.name}-", dir=request.target_dir.parent))
    command = [
        sys.executable, "-m", "desktop_search.core.model.export",
        "--source", str(request.source_dir), "--target", str(staging),
        "--name", request.name, "--source-label", request.source_label,
        "--query-prefix", request.query_prefix, "--passage-prefix", request.passage_prefix,
    ]  # fmt: skip
    if request.pooling:
        command += ["--pooling", request.pooling]
    if request.max_tokens:
        command += ["--max-tokens", str(request.max_tokens)]
    log.info("Exporting %s to ONNX (this takes a minute)", request.name)
    # torch would otherwise look up the user name (an NSS query) to name a cache in /tmp.
    scratch = Path(tempfile.mkdtemp(prefix="ds-export-cache-"))
    env = {**os.environ, **OFFLINE_ENV, "TORCHINDUCTOR_CACHE_DIR": str(scratch)}
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            last = detail[-1] if detail else f"exit code {result.returncode}"
            if "No module named 'optimum" in result.stderr or "No module named 'torch" in result.stderr:
                last = "the export tools are not installed (pip install 'desktop-search[export]')"
            raise ModelUnavailableError(f"Could not export {request.name}: {last}")
        manifest = read_manifest(staging, verify_checksum=True)
        if request.target_dir.exists():
            shutil.rmtree(request.target_dir)
        os.replace(staging, request.target_dir)
        return manifest
    except subprocess.TimeoutExpired as exc:
        raise ModelUnavailableError(f"Exporting {request.name} took over {timeout_s:.0f} s") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--target", required=True, type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--source-label", required=True)
    parser.add_argument("--pooling", choices=("cls", "mean"))
    parser.add_argument("--query-prefix", default="")
    parser.add_argument("--passage-prefix", default="")
    parser.add_argument("--max-tokens", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    _export_in_this_process(
        ExportRequest(
            source_dir=args.source,
            target_dir=args.target,
            name=args.name,
            source_label=args.source_label,
            pooling=args.pooling,
            query_prefix=args.query_prefix,
            passage_prefix=args.passage_prefix,
            max_tokens=args.max_tokens,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
