"""Text out of the XML parts of documents: hostile XML fails with a reason, text comes out in
document order with the separators a format asks for, however deep the nesting."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop_search.core.extract import ExtractionError
from desktop_search.core.extract.xmltext import first_text, local, parse, walk_text
from tests.core.extract.written import refused_written
from tests.fixtures import documents as docs


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("laughs.docx", lambda: docs.billion_laughs_docx(), "failed", "corrupt document"),
    ],
)
def test_broken_encrypted_and_hostile_files_get_a_status_and_reason(
    tmp_path: Path, name: str, make, status: str, reason: str
) -> None:
    error = refused_written(tmp_path, name, make())
    assert error.status == status and reason in error.reason


def _no_separators(node: ET.Element, out: list[str]) -> None:
    pass


def test_malformed_xml_names_the_part() -> None:
    with pytest.raises(ExtractionError) as caught:
        parse(b"<w:document xmlns:w='w'><w:body>", "word/document.xml")
    assert caught.value.status == "failed"
    assert caught.value.reason.startswith("corrupt document: word/document.xml: ")


def test_an_external_entity_is_never_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "{secret.as_uri()}">]><r>&e;</r>'
    try:
        root = parse(xml.encode(), "content.xml")
    except ExtractionError as error:
        assert error.status == "failed" and "TOP SECRET" not in error.reason
    else:
        assert "TOP SECRET" not in "".join(root.itertext())


def test_local_names_drop_the_namespace() -> None:
    root = parse(b"<office:document xmlns:office='urn:o'><plain/></office:document>", "content.xml")
    assert root.tag == "{urn:o}document" and local(root.tag) == "document"
    assert local(root[0].tag) == "plain"


def test_walk_text_gives_text_and_tails_in_document_order_with_separators() -> None:
    root = parse(b"<doc><p>one <b>two</b> three</p><p>four</p>after</doc>", "x.xml")

    def end(node: ET.Element, out: list[str]) -> None:
        if node.tag == "p":
            out.append("|")

    assert walk_text(root, _no_separators, end) == "one two three|four|after"
    assert walk_text(root, _no_separators, end, tails=False) == "one two|four|"


def test_walk_text_counts_only_the_text_of_the_chosen_elements() -> None:
    root = parse(
        b"<w:p xmlns:w='w'><w:instr>PAGE 3</w:instr><w:t>Shown</w:t><w:t> words</w:t></w:p>", "d.xml"
    )
    text = walk_text(root, _no_separators, _no_separators, text_of=lambda n: local(n.tag) == "t", tails=False)
    assert text == "Shown words"


def test_on_start_separators_come_before_the_text_of_their_element() -> None:
    root = parse(b"<r><row>a</row><row>b</row></r>", "x.xml")

    def start(node: ET.Element, out: list[str]) -> None:
        if node.tag == "row":
            out.append("> ")

    assert walk_text(root, start, _no_separators) == "> a> b"


def test_deep_nesting_does_not_overflow_the_stack() -> None:
    root = node = ET.Element("root")
    for _ in range(50_000):  # far past Python's recursion limit
        node = ET.SubElement(node, "span")
    node.text = "deepest"
    assert walk_text(root, _no_separators, _no_separators) == "deepest"


def test_first_text_is_the_first_non_blank_element_of_that_name_in_any_namespace() -> None:
    root = parse(
        b"<package xmlns:dc='http://purl.org/dc/elements/1.1/'><metadata><dc:title>  </dc:title>"
        b"<dc:title> The Tale </dc:title><title>Other</title></metadata></package>",
        "content.opf",
    )
    assert first_text(root, "title") == "The Tale"
    assert first_text(root, "creator") is None
