"""Extractors that misbehave on purpose, loaded into the sandbox workers as a plugin.

They stand in for a parser that hangs, eats memory, crashes the process or floods the
output, on files with these made-up extensions.
"""

from __future__ import annotations

import ctypes
import time

from desktop_search.core.extract import ExtractedDocument, register_extractor


def _hang(data: bytes, name: str) -> ExtractedDocument:
    while True:
        time.sleep(1)


def _eat_memory(data: bytes, name: str) -> ExtractedDocument:
    hoard = []
    while True:
        hoard.append(bytearray(256 * 1024 * 1024))


def _crash(data: bytes, name: str) -> ExtractedDocument:
    ctypes.string_at(0)  # reads address 0: SIGSEGV
    raise AssertionError("unreachable")


def _flood(data: bytes, name: str) -> ExtractedDocument:
    return ExtractedDocument("flood " * 2_000_000)


def register() -> None:
    register_extractor([".hang"], _hang)
    register_extractor([".oom"], _eat_memory)
    register_extractor([".crash"], _crash)
    register_extractor([".flood"], _flood)
