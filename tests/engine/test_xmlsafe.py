"""Untrusted XML: entity attacks, external DTDs, size, syntax errors with lines, and a valid BPMN."""
from pathlib import Path

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import xmlsafe
from engine.xmlsafe import XmlRejected, parse_xml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<definitions>&secret;</definitions>
"""

XXE_HTTP = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "http://127.0.0.1:9/steal">]>
<definitions>&secret;</definitions>
"""

XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>
<definitions/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://127.0.0.1:9/evil.dtd">
<definitions>&e;</definitions>
"""

BILLION_LAUGHS = ("""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
""" + "".join(f' <!ENTITY lol{i} "' + f"&lol{i - 1 if i > 1 else ''};" * 10 + '">\n' for i in range(1, 10)) + """]>
<lolz>&lol9;</lolz>
""").encode()


@pytest.mark.parametrize("content, line", [
    (XXE_FILE, 3), (XXE_HTTP, 2), (XXE_PARAMETER, 2), (BILLION_LAUGHS, 3),
])
def test_entity_declarations_are_rejected(content, line):
    with pytest.raises(XmlRejected) as caught:
        parse_xml(content, "evil.bpmn")
    assert caught.value.filename == "evil.bpmn"
    assert caught.value.line == line
    assert "不允许声明实体" in caught.value.message
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd leaks into the message


def test_external_dtd_is_rejected():
    with pytest.raises(XmlRejected, match="外部 DTD") as caught:
        parse_xml(EXTERNAL_DTD, "evil.bpmn")
    assert caught.value.line == 2


def test_entities_are_caught_even_where_the_prescan_cannot_read():
    # expat cannot decode GBK, so this one reaches lxml, whose docinfo still shows the declaration.
    content = '<?xml version="1.0" encoding="GBK"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>中&x;</r>'
    with pytest.raises(XmlRejected, match="不允许声明实体") as caught:
        parse_xml(content.encode("gbk"), "gbk.bpmn")
    assert caught.value.line == 2


def test_a_plain_doctype_is_harmless():
    root = parse_xml(b'<?xml version="1.0"?>\n<!DOCTYPE definitions>\n<definitions/>', "plain.bpmn")
    assert root.tag == "definitions"


def test_oversize_files_are_rejected(monkeypatch):
    big = b"<r>" + b"x" * (xmlsafe.MAX_XML_BYTES + 1) + b"</r>"
    with pytest.raises(XmlRejected, match="文件过大"):
        parse_xml(big, "big.bpmn")
    monkeypatch.setattr(xmlsafe, "MAX_XML_BYTES", 100)
    with pytest.raises(XmlRejected, match="文件过大"):
        parse_xml("<r>" + "中" * 40 + "</r>", "big.bpmn")  # counted in bytes, not characters


@pytest.mark.parametrize("content, line", [
    (b"<definitions>\n  <process>\n  </proces>\n</definitions>", 3),
    (b'<?xml version="1.0"?>\n<definitions>\n\n  <task name="a" name="b"/>\n</definitions>', 4),
    (b"<definitions>\n<process>\n", 3),
    (b"   ", None),
])
def test_malformed_xml_reports_its_line(content, line):
    with pytest.raises(XmlRejected) as caught:
        parse_xml(content, "broken.bpmn")
    assert caught.value.line == line
    text = str(caught.value)
    assert text.startswith("broken.bpmn")
    if line:
        assert f"第{line}行" in text and "XML 格式错误" in text


def test_str_content_with_an_encoding_declaration():
    root = parse_xml('<?xml version="1.0" encoding="GBK"?>\n<r name="申报"/>', "str.bpmn")
    assert root.get("name") == "申报"


def test_a_valid_bpmn_parses_and_feeds_spiffworkflow():
    path = FIXTURES / "sandbox_script.bpmn"
    root = parse_xml(path.read_bytes(), path.name)
    scripts = root.findall(".//{http://www.omg.org/spec/BPMN/20100524/MODEL}scriptTask")
    assert [task.sourceline for task in scripts] == [13, 31]  # lines survive for later messages
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(root, path.name)
    spec = parser.get_spec("sandbox_script")
    assert spec.task_specs["compute_due"].bpmn_name == "计算进度表截止日"
    assert "report_deadline(month)" in spec.task_specs["compute_due"].script
