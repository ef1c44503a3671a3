"""Untrusted XML: the BPMN and DMN files analysts upload (DESIGN decision 8).

lxml parses with entity resolution, DTD loading and network off, and without huge_tree, so libxml2's
own limits stay on. A document that declares entities or points at an external DTD is refused
outright: BPMN never needs either, and refusing is simpler to reason about than expanding safely.
The declarations are found twice: by an expat scan of the prolog before lxml sees the bytes (it stops
at the root element, so it costs nothing), and from lxml's docinfo afterwards, for encodings expat
cannot read.

Errors come back as XmlRejected with the file name, the line and a Chinese message; elements keep
`sourceline`, so later checks (registry) can point at lines too.
"""
import re
import xml.parsers.expat

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024


class XmlRejected(Exception):
    def __init__(self, filename, line, message):
        self.filename = filename
        self.line = line
        self.message = message
        where = f"{filename}" + (f" 第{line}行" if line else "")
        super().__init__(f"{where}：{message}")


_DECLARATION = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")


def _as_bytes(content):
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        # The text is already decoded; its declaration must not claim another encoding.
        return _DECLARATION.sub(r"\1\2utf-8\2", content, count=1).encode("utf-8")
    raise TypeError("content must be bytes or str")


class _StopScan(Exception):
    pass


def _scan_prolog(data, filename):
    """Refuse entity declarations and external DTDs before lxml parses anything."""
    scanner = xml.parsers.expat.ParserCreate()
    scanner.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(name, system_id, public_id, has_internal_subset):
        if system_id or public_id:
            raise XmlRejected(filename, scanner.CurrentLineNumber, "不允许引用外部 DTD（DOCTYPE SYSTEM/PUBLIC）")

    def entity(name, *args):
        raise XmlRejected(filename, scanner.CurrentLineNumber, f"不允许声明实体（<!ENTITY {name}>）")

    def root(name, attributes):
        raise _StopScan

    scanner.StartDoctypeDeclHandler = doctype
    scanner.EntityDeclHandler = entity
    scanner.UnparsedEntityDeclHandler = entity
    scanner.StartElementHandler = root
    try:
        scanner.Parse(data, True)
    except (_StopScan, xml.parsers.expat.ExpatError, ValueError):
        pass  # root reached, or syntax or an encoding expat lacks (GBK): lxml reports and checks again


def _line_of(data, needle):
    position = data.find(needle)
    return data.count(b"\n", 0, position) + 1 if position >= 0 else 1


def parse_xml(content, filename):
    """The root element of an uploaded BPMN/DMN document, or XmlRejected."""
    data = _as_bytes(content)
    if len(data) > MAX_XML_BYTES:
        raise XmlRejected(filename, None, f"文件过大（{len(data)} 字节，上限 {MAX_XML_BYTES // (1024 * 1024)} MB）")
    if not data.strip():
        raise XmlRejected(filename, None, "文件为空")
    _scan_prolog(data, filename)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise XmlRejected(filename, err.lineno, f"XML 格式错误：{err.msg}") from None
    if root is None:
        raise XmlRejected(filename, None, "不是 XML 文档")
    docinfo = root.getroottree().docinfo
    if docinfo.system_url or docinfo.public_id:
        raise XmlRejected(filename, _line_of(data, b"<!DOCTYPE"), "不允许引用外部 DTD（DOCTYPE SYSTEM/PUBLIC）")
    dtd = docinfo.internalDTD
    entities = [entity.name for entity in dtd.iterentities()] if dtd is not None else []
    if entities:
        raise XmlRejected(filename, _line_of(data, b"<!ENTITY"), f"不允许声明实体（<!ENTITY {entities[0]}>）")
    return root
