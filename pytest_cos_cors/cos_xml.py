"""The lxml codec: COS configuration documents in and out; the Complete Multipart Upload and
DELETE Multiple Objects request documents in; error, listing and result documents out.

The parser is hardened: it never resolves an entity, never loads a DTD, never reads a file or the
network, and refuses any document that declares a DTD or an entity instead of expanding it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .errors import MAX_BODY_BYTES, XML_SIZE_LIMIT, CosError, malformed

DECLARATION = b"<?xml version='1.0' encoding='utf-8' ?>\n"
#: The declaration of COS's Complete Multipart Upload and PUT Object - Copy results [ex].
DECLARATION_UTF8 = b'<?xml version="1.0" encoding="UTF-8"?>\n'
#: The namespace of ``CompleteMultipartUploadResult``, the only COS result that has one [ex].
COMPLETE_NAMESPACE = "http://www.qcloud.com/document/product/436/7751"
#: The most a Complete Multipart Upload or DELETE Multiple Objects body may hold: 10,000 parts or
#: 1,000 keys of 1,024 bytes fit well within it [dec].
MAX_REQUEST_XML_BYTES = 4 * 1024 * 1024
MAX_PARTS = 10000
MAX_DELETE_OBJECTS = 1000
RULE_ELEMENTS = frozenset(
    {"ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"}
)

# A child is (name, text) or (name, [children]).
Node = tuple[str, str | Sequence["Node"]]


@dataclass(frozen=True)
class ParsedConfiguration:
    """A configuration document as read, before the rule model validates it."""

    rules: tuple[tuple[tuple[str, str], ...], ...]
    response_vary: str | None


class _NoExternalResources(etree.Resolver):
    """Answers every external DTD or entity load with an empty document.

    libxml2 opens a local file named by an external DTD or parameter entity even with
    ``load_dtd=False`` and ``resolve_entities=False``; a body in an encoding that hides
    ``<!DOCTYPE`` from the byte check (UTF-16) would reach that point before being refused.
    """

    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        return self.resolve_string("", context, base_url=None)


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    parser.resolvers.add(_NoExternalResources())
    return parser


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _leaf_text(element: etree._Element, name: str, rule_index: int | None) -> str:
    if len(element):
        raise malformed(f"<{name}> may not contain elements", rule_index=rule_index, field=name)
    text = element.text or ""
    if not text.strip():
        raise malformed("empty value", rule_index=rule_index, field=name)
    return text


def parse_document(body: bytes | str, max_bytes: int = MAX_BODY_BYTES) -> etree._Element:
    """Parse a request body into its root element, or raise ``CosError``.

    Size is checked before anything is parsed (``XMLSizeLimit`` above ``max_bytes``); a DTD or
    entity declaration is refused.
    """
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if len(data) > max_bytes:
        raise CosError("XMLSizeLimit", XML_SIZE_LIMIT, detail=f"{len(data)} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise malformed("DTD and entity declarations are refused")
    if not data.strip():
        raise malformed("the body is empty")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise malformed(f"not well-formed: {error}") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise malformed("DTD and entity declarations are refused")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise malformed("entity references are refused")
    return root


def parse_configuration(body: bytes | str) -> ParsedConfiguration:
    """Read a ``<CORSConfiguration>`` into element/text pairs; structure errors are MalformedXML."""
    root = parse_document(body)
    if _local(root) != "CORSConfiguration":
        raise malformed(f"the root element is <{_local(root)}>, not <CORSConfiguration>")
    if not _blank(root.text):
        raise malformed("text directly inside <CORSConfiguration>")
    rules: list[tuple[tuple[str, str], ...]] = []
    vary: str | None = None
    seen_vary = False
    for child in root:
        name = _local(child)
        if not _blank(child.tail):
            raise malformed("text between elements of <CORSConfiguration>")
        if name == "CORSRule":
            index = len(rules)
            if not _blank(child.text):
                raise malformed("text directly inside <CORSRule>", rule_index=index)
            pairs = []
            for element in child:
                field = _local(element)
                if field not in RULE_ELEMENTS:
                    raise _unknown_element(field, index)
                if not _blank(element.tail):
                    raise malformed("text between elements of <CORSRule>", rule_index=index)
                pairs.append((field, _leaf_text(element, field, index)))
            rules.append(tuple(pairs))
        elif name == "ResponseVary":
            if seen_vary:
                raise malformed("more than one ResponseVary", field="ResponseVary")
            seen_vary = True
            vary = _leaf_text(child, name, None)
        else:
            raise _unknown_element(name, None)
    if not rules:
        raise malformed("a configuration needs at least one CORSRule", field="CORSRule")
    return ParsedConfiguration(tuple(rules), vary)


def _unknown_element(name: str, rule_index: int | None) -> CosError:
    return malformed(f"unknown element <{name}>", rule_index=rule_index, field=name)


# Characters XML 1.0 cannot carry (controls, U+FFFE/U+FFFF, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` with every character XML cannot carry percent-encoded (its UTF-8 bytes), so
    that a request path or key holding ``%01`` still gets a well-formed answer."""
    return _NOT_XML.sub(
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8", "surrogatepass")), value
    )


def _fill(parent: etree._Element, children: Sequence[Node]) -> None:
    if children:
        parent.text = "\n"
    for name, value in children:
        element = etree.SubElement(parent, name)
        if isinstance(value, str):
            element.text = xml_text(value)
        else:
            _fill(element, value)
        element.tail = "\n"


def render(
    root_name: str,
    children: Sequence[Node],
    *,
    declaration: bytes = DECLARATION,
    namespace: str | None = None,
) -> bytes:
    """A COS-style document: the declaration (``b""`` for none), then one element per line, no
    indentation; ``namespace`` as the default namespace of every element."""
    nsmap: Any = {None: namespace} if namespace else None
    root = etree.Element(root_name, nsmap=nsmap)
    _fill(root, children)
    return declaration + etree.tostring(root, encoding="utf-8")


# -- request documents of the object operations ---------------------------------------------------


def _children(element: etree._Element) -> list[etree._Element]:
    """The element children (comments and processing instructions are removed by the parser)."""
    return [child for child in element if isinstance(child.tag, str)]


def _text(element: etree._Element) -> str:
    if _children(element):
        raise malformed(f"<{_local(element)}> may not contain elements", field=_local(element))
    return element.text or ""


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """A ``<CompleteMultipartUpload>`` as ``(part number, ETag)`` pairs in document order.

    Any namespace (boto3 sends S3's), any order of ``PartNumber`` and ``ETag`` inside a
    ``Part``, unknown children of a ``Part`` (boto3's ``ChecksumCRC32``) ignored; the ETag as
    written (quotes kept). MalformedXML for anything else: no ``Part``, a ``Part`` without one
    ``PartNumber`` and one ``ETag``, a number that is not an integer, more than 10,000 parts.
    """
    root = parse_document(body, MAX_REQUEST_XML_BYTES)
    if _local(root) != "CompleteMultipartUpload":
        raise malformed(f"the root element is <{_local(root)}>, not <CompleteMultipartUpload>")
    parts: list[tuple[int, str]] = []
    for child in _children(root):
        if _local(child) != "Part":
            raise malformed(f"unknown element <{_local(child)}>", field=_local(child))
        fields: dict[str, list[str]] = {}
        for element in _children(child):
            fields.setdefault(_local(element), []).append(_text(element))
        numbers, etags = fields.get("PartNumber", []), fields.get("ETag", [])
        if len(numbers) != 1 or len(etags) != 1:
            raise malformed("a <Part> needs one <PartNumber> and one <ETag>", field="Part")
        number = numbers[0].strip()
        if not (number.isascii() and number.isdigit()) or len(number) > 9:
            raise malformed(f"part number {number!r} is not an integer", field="PartNumber")
        parts.append((int(number), etags[0].strip()))
    if not parts:
        raise malformed("a <CompleteMultipartUpload> needs at least one <Part>", field="Part")
    if len(parts) > MAX_PARTS:
        raise malformed(f"{len(parts)} parts, more than {MAX_PARTS}", field="Part")
    return parts


@dataclass(frozen=True)
class DeleteRequest:
    """A ``<Delete>`` document: the keys in order, whether the answer is quiet, and whether an
    ``Object`` names a ``VersionId`` (which the fake does not implement)."""

    keys: tuple[str, ...]
    quiet: bool
    versioned: bool


def parse_delete(body: bytes) -> DeleteRequest:
    """A ``<Delete>`` for DELETE Multiple Objects: ``Quiet`` anywhere among the objects (the JS
    SDK and boto3 put it last), any namespace. MalformedXML for another root, an unknown
    element, no ``Object``, an ``Object`` without one non-empty ``Key``, a ``Quiet`` that is not
    ``true``/``false``, more than 1,000 objects."""
    root = parse_document(body, MAX_REQUEST_XML_BYTES)
    if _local(root) != "Delete":
        raise malformed(f"the root element is <{_local(root)}>, not <Delete>")
    keys: list[str] = []
    quiet = False
    versioned = False
    for child in _children(root):
        name = _local(child)
        if name == "Quiet":
            value = _text(child).strip().lower()
            if value not in ("true", "false"):
                raise malformed(f"Quiet is {value!r}, not true or false", field="Quiet")
            quiet = value == "true"
        elif name == "Object":
            found: dict[str, list[str]] = {}
            for element in _children(child):
                field = _local(element)
                if field not in ("Key", "VersionId"):
                    raise malformed(f"unknown element <{field}> in <Object>", field=field)
                found.setdefault(field, []).append(_text(element))
            if len(found.get("Key", [])) != 1 or not found["Key"][0]:
                raise malformed("an <Object> needs one non-empty <Key>", field="Key")
            versioned = versioned or "VersionId" in found
            keys.append(found["Key"][0])
        else:
            raise malformed(f"unknown element <{name}> in <Delete>", field=name)
    if not keys:
        raise malformed("a <Delete> needs at least one <Object>", field="Object")
    if len(keys) > MAX_DELETE_OBJECTS:
        raise malformed(f"{len(keys)} objects, more than {MAX_DELETE_OBJECTS}", field="Object")
    return DeleteRequest(tuple(keys), quiet, versioned)


def render_configuration(
    rules: Sequence[Sequence[tuple[str, str]]], response_vary: str | None
) -> bytes:
    children: list[Node] = [("CORSRule", list(rule)) for rule in rules]
    if response_vary is not None:
        children.append(("ResponseVary", response_vary))
    return render("CORSConfiguration", children)


def error_body(
    code: str,
    message: str,
    resource: str,
    request_id: str,
    trace_id: str,
    extra: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The ``<Error>`` body of SPEC §2; ``extra`` elements follow ``TraceId`` (the
    ``StringToSign`` and ``FormatString`` of a ``SignatureDoesNotMatch``)."""
    return render(
        "Error",
        [
            ("Code", code),
            ("Message", message),
            ("Resource", resource),
            ("RequestId", request_id),
            ("TraceId", trace_id),
            *extra,
        ],
    )
