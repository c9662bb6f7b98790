"""Text out of the XML parts of office documents, with the standard library's parser.

ElementTree never fetches external entities, and the expat it uses refuses
exponential entity expansion ("billion laughs"), so a hostile part fails to parse
rather than eating memory. Parse errors become a ``failed`` status with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from desktop_search.core.extract.document import ExtractionError


def parse(data: bytes, part: str) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ExtractionError("failed", f"corrupt document: {part}: {exc}") from exc


def local(tag: str) -> str:
    """The tag without its namespace: '{http://...}p' -> 'p'."""
    return tag.rsplit("}", 1)[-1]


def walk_text(
    element: ET.Element,
    on_start: Callable[[ET.Element, list[str]], None],
    on_end: Callable[[ET.Element, list[str]], None],
    text_of: Callable[[ET.Element], bool] = lambda _node: True,
    tails: bool = True,
) -> str:
    """Depth-first text of ``element`` (iteratively: deep nesting cannot overflow the stack).

    ``on_start``/``on_end`` may append separators for an element to the output list;
    ``text_of`` says whose text counts (DOCX: only ``w:t``), ``tails`` whether the text
    after elements (mixed content, as in OpenDocument) counts.
    """
    out: list[str] = []
    stack: list[tuple[ET.Element, Iterator[ET.Element] | None]] = [(element, None)]
    while stack:
        node, children = stack[-1]
        if children is None:
            on_start(node, out)
            if node.text and text_of(node):
                out.append(node.text)
            stack[-1] = (node, iter(node))
            continue
        child = next(children, None)
        if child is not None:
            stack.append((child, None))
            continue
        stack.pop()
        on_end(node, out)
        if tails and stack and node.tail:
            out.append(node.tail)
    return "".join(out)


def first_text(root: ET.Element, tag: str) -> str | None:
    """Text of the first element named ``tag`` (any namespace), stripped; None if empty."""
    for node in root.iter():
        if local(node.tag) == tag and node.text and node.text.strip():
            return node.text.strip()
    return None
