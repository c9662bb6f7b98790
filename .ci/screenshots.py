"""Run the app under Xvfb on a folder of real documents and save screenshots of what a user
sees: first run, indexing progress, results with highlights, the preview, settings, a model
download in progress, and the downloaded model reading the files.

    python .ci/screenshots.py [OUT_DIR]        (default: screenshots/)

Needs Xvfb, xdotool and ImageMagick's ``import`` (see README). Keys are typed with xdotool
into the real window (Qt's xcb platform), as a user would type them. A throwaway HOME holds
Documents and Desktop (the folders first run suggests) and the data dir; the offline model
comes from the test cache when it is there (else the app prepares it, a minute or so). The
settings keep the default model (bge-small), which is not installed, as on a fresh machine;
its download comes from a loopback "Hub" (``tests/hub_mirror.py``, the offline model's files,
served slowly so the progress can be seen).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fixtures import documents  # noqa: E402
from tests.hub_mirror import HubMirror  # noqa: E402

DISPLAY = ":97"


def run(*command: str, check: bool = True) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "DISPLAY": DISPLAY})
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr}")
    return done.stdout.strip()


def window_id(title: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = run("xdotool", "search", "--onlyvisible", "--name", title, check=False).split()
        if found:
            return found[-1]
        time.sleep(0.3)
    raise SystemExit(f"no window named {title!r} appeared")


def wait_for_index(data: Path, ready: str, what: str, timeout: float, settle: float = 2.0) -> None:
    """Until the SQL ``ready`` (one row, one value) is true in the app's index, read-only;
    then ``settle`` seconds for the window to show it."""
    import sqlite3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            db = sqlite3.connect(f"file:{data / 'index.sqlite3'}?mode=ro", uri=True)
            try:
                (done,) = db.execute(ready).fetchone()
            finally:
                db.close()
        except sqlite3.OperationalError:  # not created yet
            done = False
        if done:
            time.sleep(settle)
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not happen in {timeout:.0f} s")


def wait_for_indexing_under_way(data: Path) -> None:
    """Until the crawl has read a few dozen files and has more to go (a fast machine reads
    the samples in seconds: a fixed wait would find it done)."""
    ready = (
        "SELECT (SELECT COUNT(*) FROM files WHERE status = 'indexed') >= 40 AND EXISTS(SELECT 1 FROM pending)"
    )
    wait_for_index(data, ready, "indexing", 120, settle=0.3)


def wait_for_indexing(data: Path) -> None:
    ready = "SELECT EXISTS(SELECT 1 FROM files) AND NOT EXISTS(SELECT 1 FROM pending)"
    wait_for_index(data, ready, "indexing", 600)


def wait_for_reembedding(data: Path) -> None:
    """Until a second model's vectors are being written (a downloaded model reads the files)."""
    ready = "SELECT COUNT(DISTINCT model_id) > 1 FROM vectors"
    wait_for_index(data, ready, "the downloaded model reading the files", 300)


def window_size(window: str) -> tuple[int, int]:
    shape = run("xdotool", "getwindowgeometry", "--shell", window)
    values = dict(line.split("=", 1) for line in shape.split())
    return int(values["WIDTH"]), int(values["HEIGHT"])


def shoot(out: Path, name: str, window: str | None = None) -> None:
    target = out / f"{name}.png"
    run("import", "-window", window or "root", str(target))
    print(f"saved {target}")


def sample_documents(home: Path) -> None:
    """Documents of several kinds, plus a few hundred real texts so indexing takes a while."""
    docs, desktop = home / "Documents", home / "Desktop"
    (docs / "Finance").mkdir(parents=True)
    (docs / "Recipes").mkdir()
    (docs / "Research").mkdir()
    desktop.mkdir()
    documents.write(docs / "Finance", "tax-return-2025.pdf", documents.pdf_bytes([
        ["Income tax return 2025", "Collect payslips, bank interest statements and receipts",
         "for deductible expenses before the filing deadline in April."],
        ["Deductions", "Home office: a share of rent and electricity.", "Charitable gifts with receipts."],
    ], title="Tax return 2025"))  # fmt: skip
    documents.write(docs / "Finance", "budget.xlsx", documents.xlsx_bytes(
        {"2026": [["Item", "Monthly"], ["Rent", 1250], ["Groceries", 420], ["Savings for a new bicycle", 80]]}
    ))  # fmt: skip
    documents.write(docs / "Recipes", "banana-bread.docx", documents.docx_bytes([
        "Mash three ripe bananas with melted butter.",
        "Stir in sugar, an egg and flour, then bake for an hour until a skewer comes out clean.",
    ], title="Banana bread"))  # fmt: skip
    (docs / "Recipes" / "sourdough.md").write_text(
        "# Sourdough\n\nFeed the starter the night before. Mix flour, water and salt, fold every "
        "half hour, shape, proof overnight in the fridge and bake in a hot Dutch oven.\n"
    )
    documents.write(desktop, "trip-to-lisbon.pptx", documents.pptx_bytes([
        ("Lisbon in May", "Flights booked; the tram 28 through Alfama; pastel de nata in Belém.", None),
        ("Budget", "Hotel near Rossio, three nights.", "Ask about the airport shuttle."),
    ]))  # fmt: skip
    documents.write(desktop, "landlord.eml", documents.eml_bytes(
        "Boiler repair", "Hi, the boiler stopped heating water again; can the plumber come on Tuesday?"
    ))  # fmt: skip
    documents.write(docs, "locked.pdf", documents.encrypted_pdf_bytes([["secret plans"]]))
    try:
        from bench.ir import load_collection

        texts = list(load_collection("cranfield").documents.items())[:400]
    except (ImportError, OSError):
        note = "about aerodynamics, boundary layers and heat transfer."
        texts = [(str(i), f"Note {i} {note}") for i in range(400)]
    for doc_id, text in texts:
        (docs / "Research" / f"cranfield-{doc_id}.txt").write_text(text)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="ds-screens-"))
    home, data = work / "home", work / "home" / "data"
    sample_documents(home)
    cached = REPO / ".test-cache" / "models" / "all-MiniLM-L6-v2"
    if cached.is_dir():
        (data / "models").mkdir(parents=True)
        shutil.copytree(cached, data / "models" / cached.name)
    data.mkdir(parents=True, exist_ok=True)
    (data / "settings.json").write_text('{"threads": 2}')  # the default model: not installed
    mirror = HubMirror(cached, seconds_per_block=0.25).__enter__() if cached.is_dir() else None
    env = {**os.environ, "DISPLAY": DISPLAY, "HOME": str(home), "QT_QPA_PLATFORM": "xcb",
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share")}  # fmt: skip
    if mirror is not None:
        env["HF_ENDPOINT"] = mirror.url
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
    time.sleep(1.5)
    app_log = open(work / "app.log", "w")  # noqa: SIM115 (open while the app runs)
    app = subprocess.Popen(
        [sys.executable, "-m", "desktop_search", "--data-dir", str(data), "app"],
        env=env, stdout=subprocess.DEVNULL, stderr=app_log,
    )  # fmt: skip
    try:
        welcome = window_id("Welcome to Desktop Search")
        time.sleep(2.5)  # the file count arrives
        shoot(out, "1-first-run", welcome)
        run("xdotool", "windowfocus", "--sync", welcome)
        run("xdotool", "key", "Return")  # Start indexing
        main_window = window_id("^Desktop Search$")
        run("xdotool", "windowfocus", "--sync", main_window)
        wait_for_indexing_under_way(data)
        shoot(out, "2-indexing", main_window)
        wait_for_indexing(data)
        run("xdotool", "type", "--delay", "90", "bread recipe with bananas")
        time.sleep(2)
        shoot(out, "3-results", main_window)
        run("xdotool", "key", "ctrl+a")
        run("xdotool", "type", "--delay", "90", "when is the tax deadline")
        time.sleep(1.5)
        shoot(out, "4-preview", main_window)
        run("xdotool", "key", "ctrl+a")
        run("xdotool", "type", "--delay", "90", "heat transfer in boundary layers")
        time.sleep(1.5)
        run("xdotool", "key", "Down", "Down")
        time.sleep(1)
        shoot(out, "5-results-research", main_window)
        # The status row's "1 file not indexed…" (its right end): the list with the reason.
        width, height = window_size(main_window)
        run("xdotool", "mousemove", "--window", main_window, str(width - 60), str(height - 22), "click", "1")
        problems = window_id("Files not indexed")
        time.sleep(1)
        shoot(out, "10-not-indexed", problems)
        run("xdotool", "windowfocus", "--sync", problems)
        run("xdotool", "key", "Escape")
        run("xdotool", "windowfocus", "--sync", main_window)
        run("xdotool", "key", "ctrl+comma")
        settings = window_id("Desktop Search Settings")
        time.sleep(1)
        shoot(out, "6-settings", settings)
        run("xdotool", "windowfocus", "--sync", settings)
        run("xdotool", "key", "ctrl+Tab", "ctrl+Tab")  # the Model tab
        time.sleep(0.5)
        shoot(out, "7-settings-model", settings)
        if mirror is not None:
            run("xdotool", "key", "Tab", "Tab", "space")  # the model list, then Download
            time.sleep(4)
            shoot(out, "8-model-download", settings)
            run("xdotool", "key", "Escape")  # the dialog closes; the download goes on
            mirror.seconds_per_block = 0  # the rest at once
            run("xdotool", "windowfocus", "--sync", main_window)
            run("xdotool", "key", "ctrl+a", "BackSpace")  # an empty field shows what indexing does
            wait_for_reembedding(data)
            shoot(out, "9-new-model-reading", main_window)
        else:
            run("xdotool", "key", "Escape")
        subprocess.run(
            [sys.executable, "-m", "desktop_search", "--data-dir", str(data), "--quit"], env=env, timeout=60
        )
        app.wait(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
        xvfb.terminate()
        app_log.close()
        if mirror is not None:
            mirror.__exit__(None, None, None)
    log = (work / "app.log").read_text()
    if "Traceback" in log:
        print(log[-4000:])
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
