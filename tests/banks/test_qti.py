"""QTI: match and order interactions, packages, and hostile XML (XXE, entity bombs, zip slip)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.assess import grade_response
from app.banks.importer import read_bank
from app.banks.model import BankImportError

NS = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"'
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
MAP_RESPONSE = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"


def item(ident: str, body: str, declaration: str, template: str = MATCH_CORRECT) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem {NS} identifier="{ident}" title="Item {ident}" adaptive="false"
    timeDependent="false">
  {declaration}
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>{body}</itemBody>
  <responseProcessing template="{template}"/>
</assessmentItem>
"""


CHOICE = item(
    "choice1",
    """<p>Pick the noble gas.</p>
    <choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">
      <simpleChoice identifier="A">Neon</simpleChoice>
      <simpleChoice identifier="B">Iron</simpleChoice>
    </choiceInteraction>""",
    """<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>A</value></correctResponse></responseDeclaration>""",
)
MATCH = item(
    "match1",
    """<matchInteraction responseIdentifier="RESPONSE" maxAssociations="3">
      <prompt>Match each capital to its country.</prompt>
      <simpleMatchSet>
        <simpleAssociableChoice identifier="P" matchMax="1">Paris</simpleAssociableChoice>
        <simpleAssociableChoice identifier="R" matchMax="1">Rome</simpleAssociableChoice>
      </simpleMatchSet>
      <simpleMatchSet>
        <simpleAssociableChoice identifier="F" matchMax="1">France</simpleAssociableChoice>
        <simpleAssociableChoice identifier="I" matchMax="1">Italy</simpleAssociableChoice>
        <simpleAssociableChoice identifier="S" matchMax="1">Spain</simpleAssociableChoice>
      </simpleMatchSet>
    </matchInteraction>""",
    """<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">
    <correctResponse><value>P F</value><value>R I</value></correctResponse>
    <mapping defaultValue="0"><mapEntry mapKey="P F" mappedValue="1"/>
      <mapEntry mapKey="R I" mappedValue="1"/><mapEntry mapKey="R S" mappedValue="-1"/></mapping>
    </responseDeclaration>""",
    MAP_RESPONSE,
)
ORDER = item(
    "order1",
    """<orderInteraction responseIdentifier="RESPONSE" shuffle="true">
      <prompt>Order the planets from the Sun.</prompt>
      <simpleChoice identifier="E">Earth</simpleChoice>
      <simpleChoice identifier="M">Mercury</simpleChoice>
      <simpleChoice identifier="V">Venus</simpleChoice>
    </orderInteraction>""",
    """<responseDeclaration identifier="RESPONSE" cardinality="ordered" baseType="identifier">
    <correctResponse><value>M</value><value>V</value><value>E</value></correctResponse>
    </responseDeclaration>""",
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_match_interaction_with_map_response(tmp_path: Path) -> None:
    (q,) = read_bank(write(tmp_path, "match.xml", MATCH)).questions
    assert q.type == "matching" and q.kind == "matching"
    assert [o["text"] for o in q.options] == ["Paris", "Rome", "France", "Italy", "Spain"]
    assert q.key["pairs"] == {"P": "F", "R": "I"}
    assert grade_response(q.type, q.key, {"P": "F", "R": "I"}) == 1.0
    assert grade_response(q.type, q.key, {"P": "F", "R": "S"}) == 0.0
    assert grade_response(q.type, q.key, {"P": "F"}) == 0.5
    assert "Match each capital" in q.prompt


def test_order_interaction_becomes_ordering(tmp_path: Path) -> None:
    bank = read_bank(write(tmp_path, "order.xml", ORDER))
    (q,) = bank.questions
    assert (q.type, q.kind) == ("ordering", "ordering")
    assert bank.kinds() == {"ordering": 1}
    assert grade_response(q.type, q.key, ["M", "V", "E"]) == 1.0
    assert grade_response(q.type, q.key, ["E", "V", "M"]) == 0.0


def test_xxe_never_resolves(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", "TOP-SECRET-CONTENT")
    hostile = CHOICE.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>',
    ).replace("Pick the noble gas.", "&xxe;")
    path = write(tmp_path, "xxe.xml", hostile)
    with pytest.raises(BankImportError) as refused:
        read_bank(path)
    message = str(refused.value)
    assert message.startswith("xxe.xml: line 2:")
    assert "entity" in message
    assert "TOP-SECRET-CONTENT" not in message


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    hostile = CHOICE.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{entities}]>',
    ).replace("Pick the noble gas.", "&lol9;")
    with pytest.raises(BankImportError, match="entity"):
        read_bank(write(tmp_path, "lol.xml", hostile))


def test_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    broken = CHOICE.replace("<p>Pick the noble gas.</p>", "<p>Pick the noble gas.")
    with pytest.raises(BankImportError, match=r"^bad.xml: malformed XML near line 7"):
        read_bank(write(tmp_path, "bad.xml", broken))


def test_not_qti_xml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BankImportError, match=r"not a QTI 2.x item.*<quiz>"):
        read_bank(write(tmp_path, "moodle.xml", "<quiz><question/></quiz>"))


MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M1">
  <organizations/>
  <resources>
    <resource identifier="R1" type="imsqti_item_xmlv2p1" href="items/choice.xml">
      <file href="items/choice.xml"/></resource>
    <resource identifier="R2" type="imsqti_item_xmlv2p1" href="items/match.xml">
      <file href="items/match.xml"/></resource>
    <resource identifier="R3" type="imsqti_item_xmlv2p1" href="items/gone.xml">
      <file href="items/gone.xml"/></resource>
    <resource identifier="R4" type="imsqti_item_xmlv2p1" href="../outside.xml"/>
  </resources>
</manifest>
"""


def make_zip(path: Path, members: dict[str, str], *, top: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(top + name, text)
    return path


def test_zip_package_imports_what_exists_and_warns_per_missing_item(tmp_path: Path) -> None:
    members = {"imsmanifest.xml": MANIFEST, "items/choice.xml": CHOICE, "items/match.xml": MATCH}
    for top in ("", "package/"):
        bank = read_bank(make_zip(tmp_path / f"pkg{len(top)}.zip", members, top=top))
        assert bank.format == "qti"
        assert [q.question_id for q in bank.questions] == ["choice1", "match1"]
        missing = [w for w in bank.warnings if "not in the package" in w.message]
        assert [w.line for w in missing] == [9, 11]
        assert "items/gone.xml" in missing[0].message


def test_loose_manifest_reads_items_beside_it(tmp_path: Path) -> None:
    write(tmp_path, "items/choice.xml", CHOICE)
    write(tmp_path, "items/match.xml", MATCH)
    write(tmp_path.parent, "outside.xml", CHOICE)  # never read: it is outside the package
    bank = read_bank(write(tmp_path, "imsmanifest.xml", MANIFEST))
    assert len(bank.questions) == 2
    assert len([w for w in bank.warnings if "not in the package" in w.message]) == 2


def test_malformed_item_in_a_package_names_the_item(tmp_path: Path) -> None:
    members = {
        "imsmanifest.xml": MANIFEST,
        "items/choice.xml": CHOICE.replace("</choiceInteraction>", ""),
        "items/match.xml": MATCH,
    }
    with pytest.raises(BankImportError, match=r"^items/choice.xml: malformed XML near line"):
        read_bank(make_zip(tmp_path / "bad.zip", members))


def test_zip_slip_is_refused(tmp_path: Path) -> None:
    members = {"imsmanifest.xml": MANIFEST, "../../evil.xml": CHOICE}
    with pytest.raises(BankImportError, match=r"evil.xml: path leaves the package"):
        read_bank(make_zip(tmp_path / "slip.zip", members))


def test_zip_bomb_ratio_is_refused(tmp_path: Path) -> None:
    members = {"imsmanifest.xml": MANIFEST, "items/choice.xml": CHOICE + " " * 5_000_000}
    with pytest.raises(BankImportError, match="zip bomb"):
        read_bank(make_zip(tmp_path / "bomb.zip", members))


def test_zip_without_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BankImportError, match=r"no imsmanifest\.xml"):
        read_bank(make_zip(tmp_path / "nomanifest.zip", {"items/choice.xml": CHOICE}))


def test_test_file_follows_its_item_refs(tmp_path: Path) -> None:
    write(tmp_path, "items/order.xml", ORDER)
    test = f"""<assessmentTest {NS} identifier="T" title="T">
      <testPart identifier="P" navigationMode="linear" submissionMode="individual">
        <assessmentSection identifier="S" title="S" visible="true">
          <assessmentItemRef identifier="I1" href="items/order.xml"/>
          <assessmentItemRef identifier="I2" href="items/missing.xml"/>
        </assessmentSection>
      </testPart></assessmentTest>"""
    bank = read_bank(write(tmp_path, "test.xml", test))
    assert [q.type for q in bank.questions] == ["ordering"]
    (warning,) = bank.warnings
    assert warning.line == 5 and "I2" in warning.message
