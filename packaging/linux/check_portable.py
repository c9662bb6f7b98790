"""Refuse to package an hnswlib built for this machine's CPU only.

hnswlib's build adds ``-march=native`` unless ``HNSWLIB_NO_NATIVE=1``; a binary built that
way uses AVX/AVX-512 and dies with SIGILL on older CPUs. Baseline x86-64 code uses no
ymm/zmm registers, so any in the disassembly means the build was native.
"""

from __future__ import annotations

import platform
import re
import subprocess
import sys

import hnswlib

WIDE_REGISTERS = re.compile(r"%[yz]mm\d+")


def main() -> int:
    library = hnswlib.__file__
    if platform.machine() != "x86_64":
        print(f"{library}: not x86_64, nothing to check")
        return 0
    disassembly = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", library], capture_output=True, text=True, check=True
    ).stdout
    wide = len(WIDE_REGISTERS.findall(disassembly))
    if wide:
        print(
            f"{library} uses AVX registers {wide} times: it was built with -march=native. "
            "Rebuild it with HNSWLIB_NO_NATIVE=1 pip install --no-cache-dir --no-binary hnswlib hnswlib",
            file=sys.stderr,
        )
        return 1
    print(f"{library}: baseline x86-64 code (no AVX), runs on any x86-64 CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
