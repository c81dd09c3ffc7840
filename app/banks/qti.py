"""IMS QTI 2.1 / 2.2 items, tests and content packages.

Reads `assessmentItem` files, an `assessmentTest` (its `assessmentItemRef`s), and content
packages (`imsmanifest.xml`, loose or in a .zip). Interactions carried over:

| interaction | Slate type |
| --- | --- |
| choiceInteraction | single_choice (single cardinality) or multiple_choice |
| textEntryInteraction | short_answer (string) or numeric (integer, float) |
| extendedTextInteraction | essay |
| matchInteraction | matching |
| orderInteraction | ordering |

Grading follows the item's response processing template. `match_correct` grades against the
correct response only: a `mapping` beside it is not used (a warning says so: the template
wins). `map_response` turns the mapping into weights relative to the best possible score, so
negative mappings keep their penalty and the bounds keep the score within range. Items with
their own response processing rules are graded against their correct response, with a warning.

Every XML file is parsed with defusedxml (app.banks.safexml): entity declarations and external
references are refused, so XXE and entity expansion never happen. A malformed file is refused,
naming the file and line. An item file a test or manifest names but the package lacks is
skipped with a warning per item; the rest imports.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from app.banks.files import (
    MANIFEST,
    MAX_XML_BYTES,
    FolderFiles,
    PackageFiles,
    ZipFiles,
    join_href,
)
from app.banks.model import (
    BankImport,
    BankImportError,
    BankWarning,
    ImportedQuestion,
    assign_ids,
    clip_fields,
    number,
)
from app.banks.safexml import (
    XmlDoc,
    child,
    children,
    descendants,
    inner_html,
    local,
    parse_xml,
)

FORMAT = "qti"
SUPPORTED = {
    "choiceInteraction",
    "textEntryInteraction",
    "extendedTextInteraction",
    "matchInteraction",
    "orderInteraction",
}
# Shown only after the response, or only in adaptive flows: not part of the question text.
_NOT_CARRIED = {
    "feedbackBlock",
    "feedbackInline",
    "modalFeedback",
    "templateBlock",
    "templateInline",
}
_TEMPLATE_NAMES = {
    "match_correct": "match_correct",
    "CC2_match": "match_correct",
    "CC2_match_basic": "match_correct",
    "map_response": "map_response",
    "CC2_map_response": "map_response",
}


def read_qti(path: Path) -> BankImport:
    """Import a QTI item, test or manifest file, or a zipped content package."""
    if zipfile.is_zipfile(path):
        package = ZipFiles(path)
        try:
            if not package.has_manifest():
                raise BankImportError(path.name, f"not a QTI content package: no {MANIFEST}")
            reader = _Reader(package, path.name)
            reader.read_manifest(MANIFEST, _parse(package, MANIFEST))
            return reader.finish()
        finally:
            package.close()
    size = path.stat().st_size
    if size > MAX_XML_BYTES:
        raise BankImportError(path.name, f"file is {size} bytes; the limit is {MAX_XML_BYTES}")
    doc = parse_xml(path.read_bytes(), path.name)
    # Files a test or manifest names are looked up beside it, never outside its folder.
    reader = _Reader(FolderFiles(path.parent), path.name)
    kind = local(doc.root.tag)
    if kind == "assessmentItem":
        reader.read_item(path.name, doc)
    elif kind == "assessmentTest":
        reader.read_test(path.name, doc)
    elif kind == "manifest":
        reader.read_manifest(path.name, doc)
    else:
        raise BankImportError(
            path.name,
            f"not a QTI 2.x item, test or content package (the root element is <{kind}>)",
        )
    return reader.finish()


def _parse(files: PackageFiles, path: str) -> XmlDoc:
    data = files.read(path)
    if data is None:
        raise BankImportError(files.label, f"{path} is not in the package")
    return parse_xml(data, path)


class _Reader:
    def __init__(self, files: PackageFiles, source_name: str) -> None:
        self.files = files
        self.bank = BankImport(source_name=source_name, format=FORMAT)
        self.seen: set[str] = set()
        self.top = source_name

    def warn(self, file: str, line: int | None, message: str) -> None:
        # Lines of the imported file itself need no file name; others (items) do.
        self.bank.warnings.append(BankWarning(line, message, "" if file == self.top else file))

    def finish(self) -> BankImport:
        assign_ids(self.bank, FORMAT)
        clip_fields(self.bank)
        return self.bank

    # -- packages and tests ------------------------------------------------------------------
    def read_manifest(self, path: str, doc: XmlDoc) -> None:
        if local(doc.root.tag) != "manifest":
            raise BankImportError(path, f"not a content package manifest (<{local(doc.root.tag)}>)")
        items: list[tuple[Element, str]] = []
        tests: list[tuple[Element, str]] = []
        for resource in descendants(doc.root, "resource"):
            kind = resource.get("type", "")
            href = resource.get("href")
            if href is None:
                first = child(resource, "file")
                href = first.get("href") if first is not None else None
            if not href:
                continue
            if kind.startswith("imsqti_item_xmlv2p"):
                items.append((resource, href))
            elif kind.startswith("imsqti_test_xmlv2p"):
                tests.append((resource, href))
        if not items and not tests:
            self.warn(path, doc.line(doc.root), "the manifest lists no QTI 2.x items or tests")
        # Items listed as resources are the package's questions; a test only adds order, so
        # it is followed only when the manifest lists no items itself.
        for resource, href in items:
            what = f"item {href!r} (resource {resource.get('identifier', '?')})"
            self._read_item_ref(path, doc, resource, href, what)
        if not items:
            for resource, href in tests:
                target = join_href(path, href)
                data = self.files.read(target) if target else None
                if data is None or target is None:
                    self.warn(
                        path,
                        doc.line(resource),
                        f"test {href!r} is not in the package; its items are not imported",
                    )
                    continue
                self.read_test(target, parse_xml(data, target))

    def read_test(self, path: str, doc: XmlDoc) -> None:
        for ref in descendants(doc.root, "assessmentItemRef"):
            href = ref.get("href", "")
            what = f"item {ref.get('identifier', '?')} ({href!r})"
            self._read_item_ref(path, doc, ref, href, what)

    def _read_item_ref(self, path: str, doc: XmlDoc, elem: Element, href: str, what: str) -> None:
        target = join_href(path, href)
        if target is not None and target in self.seen:
            return
        data = self.files.read(target) if target is not None else None
        if target is None or data is None:
            self.warn(path, doc.line(elem), f"{what} is not in the package; skipped")
            return
        self.seen.add(target)
        self.read_item(target, parse_xml(data, target))

    # -- one item ----------------------------------------------------------------------------
    def read_item(self, path: str, doc: XmlDoc) -> None:
        root = doc.root
        if local(root.tag) != "assessmentItem":
            self.warn(
                path, doc.line(root), f"<{local(root.tag)}> is not an assessmentItem; skipped"
            )
            return
        question = _ItemReader(self, path, doc).read()
        if question is not None:
            self.bank.questions.append(question)


@dataclass
class _Response:
    identifier: str
    cardinality: str
    base_type: str
    correct: list[str]
    mapping: list[tuple[str, float, bool]] = field(default_factory=list)
    has_mapping: bool = False
    default: float = 0.0
    lower: float | None = None
    upper: float | None = None


class _Skip(Exception):
    pass


class _ItemReader:
    def __init__(self, reader: _Reader, path: str, doc: XmlDoc) -> None:
        self.reader = reader
        self.path = path
        self.doc = doc
        self.root = doc.root
        self.line = doc.line(self.root)

    def warn(self, message: str, elem: Element | None = None) -> None:
        line = self.doc.line(elem) if elem is not None else self.line
        self.reader.warn(self.path, line, message)

    def read(self) -> ImportedQuestion | None:
        try:
            return self._read()
        except _Skip as skip:
            self.warn(f"item {self.root.get('identifier', '?')!r} skipped: {skip}")
            return None

    def _read(self) -> ImportedQuestion:
        body = child(self.root, "itemBody")
        if body is None:
            raise _Skip("it has no itemBody")
        responses = {r.identifier: r for r in self._responses()}
        interactions = [e for e in body.iter() if local(e.tag).endswith("Interaction")]
        question = ImportedQuestion(
            type="description",
            prompt="",
            prompt_format="html",
            title=self.root.get("title", "").strip(),
            question_id=self.root.get("identifier", "").strip(),
            source_line=self.line,
        )
        self._report_dropped(body)
        if not interactions:
            question.prompt = self._prompt(body, None, "")
            return question
        interaction = interactions[0]
        name = local(interaction.tag)
        if len(interactions) > 1:
            others = ", ".join(local(i.tag) for i in interactions[1:])
            self.warn(
                f"the item has {len(interactions)} interactions; only the first ({name}) is "
                f"imported, not {others}",
                interactions[1],
            )
        if name not in SUPPORTED:
            raise _Skip(f"{name} is not supported")
        response = responses.get(interaction.get("responseIdentifier", ""))
        if response is None and name != "extendedTextInteraction":
            raise _Skip(f"{name} names no declared response")
        template = "" if name == "extendedTextInteraction" else self._template()
        prompt_elem = child(interaction, "prompt")
        prompt_html = f"<p>{inner_html(prompt_elem)}</p>" if prompt_elem is not None else ""
        if name == "textEntryInteraction":
            prompt_html = "_____"
        question.prompt = self._prompt(body, interaction, prompt_html)
        if name == "extendedTextInteraction":
            question.type = "essay"
        else:
            assert response is not None
            if name == "choiceInteraction":
                self._choice(question, interaction, response, template)
            elif name == "textEntryInteraction":
                self._text_entry(question, response, template)
            elif name == "matchInteraction":
                self._match(question, interaction, response, template)
            else:
                self._order(question, interaction, response, template)
        return question

    # -- declarations and processing ---------------------------------------------------------
    def _responses(self) -> list[_Response]:
        out = []
        for decl in children(self.root, "responseDeclaration"):
            correct_elem = child(decl, "correctResponse")
            correct = (
                [(v.text or "").strip() for v in children(correct_elem, "value")]
                if correct_elem is not None
                else []
            )
            response = _Response(
                identifier=decl.get("identifier", ""),
                cardinality=decl.get("cardinality", "single"),
                base_type=decl.get("baseType", "identifier"),
                correct=correct,
            )
            mapping = child(decl, "mapping")
            if mapping is not None:
                response.has_mapping = True
                response.default = self._float(mapping.get("defaultValue", "0"), mapping)
                if mapping.get("lowerBound") is not None:
                    response.lower = self._float(mapping.get("lowerBound", ""), mapping)
                if mapping.get("upperBound") is not None:
                    response.upper = self._float(mapping.get("upperBound", ""), mapping)
                for entry in children(mapping, "mapEntry"):
                    sensitive = entry.get("caseSensitive", "true").strip().lower() != "false"
                    response.mapping.append(
                        (
                            entry.get("mapKey", ""),
                            self._float(entry.get("mappedValue", ""), entry),
                            sensitive,
                        )
                    )
            out.append(response)
        return out

    def _float(self, text: str, elem: Element) -> float:
        try:
            return float(text)
        except ValueError:
            raise _Skip(f"{text!r} is not a number (line {self.doc.line(elem)})") from None

    def _template(self) -> str:
        """match_correct, map_response, or "" for the correct response with a warning."""
        processing = child(self.root, "responseProcessing")
        if processing is None:
            self.warn("no responseProcessing; graded against the correct response")
            return ""
        url = processing.get("template") or processing.get("templateLocation") or ""
        if not url:
            self.warn(
                "custom response processing rules are not carried over; graded against the "
                "correct response",
                processing,
            )
            return ""
        name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
        known = _TEMPLATE_NAMES.get(name)
        if known is None:
            self.warn(
                f"response processing template {name!r} is not supported; graded against the "
                "correct response",
                processing,
            )
            return ""
        return known

    def _mapping_ignored(self, response: _Response, template: str) -> None:
        if response.has_mapping and template != "map_response":
            self.warn(
                f"the mapping of {response.identifier} ({len(response.mapping)} entries) is "
                "not used: the response processing template grades only the correct response"
            )

    def _need_correct(self, response: _Response) -> None:
        if not response.correct:
            raise _Skip(f"{response.identifier} has no correct response to grade against")

    # -- prompt ------------------------------------------------------------------------------
    def _prompt(self, body: Element, interaction: Element | None, replacement: str) -> str:
        replace = {id(e): "" for e in body.iter() if local(e.tag) in _NOT_CARRIED}
        if interaction is not None:
            replace[id(interaction)] = replacement
        prompt = inner_html(body, replace)
        self._report_media()
        return prompt

    def _report_dropped(self, body: Element) -> None:
        dropped = [e for e in [*body.iter(), *self.root] if local(e.tag) in _NOT_CARRIED]
        if dropped:
            names = sorted({local(e.tag) for e in dropped})
            self.warn(f"{', '.join(names)} not carried over", dropped[0])

    def _report_media(self) -> None:
        refs: list[tuple[Element, str]] = []
        for elem in self.root.iter():
            tag = local(elem.tag)
            if tag == "img" and elem.get("src"):
                refs.append((elem, elem.get("src", "")))
            elif tag == "object" and elem.get("data"):
                refs.append((elem, elem.get("data", "")))
            elif tag == "stylesheet" and elem.get("href"):
                refs.append((elem, elem.get("href", "")))
        if refs:
            names = ", ".join(dict.fromkeys(ref for _, ref in refs))
            self.warn(
                f"media and style files are not carried over (question banks keep none): {names}",
                refs[0][0],
            )

    # -- interactions ------------------------------------------------------------------------
    def _choices(self, interaction: Element) -> list[dict[str, Any]]:
        options = []
        for choice in children(interaction, "simpleChoice"):
            ident = choice.get("identifier", "")
            replace = {id(e): "" for e in choice.iter() if local(e.tag) in _NOT_CARRIED}
            options.append({"id": ident, "text": inner_html(choice, replace)})
        if not options:
            raise _Skip("the interaction has no choices")
        return options

    def _choice(
        self, q: ImportedQuestion, interaction: Element, response: _Response, template: str
    ) -> None:
        q.options = self._choices(interaction)
        option_ids = [o["id"] for o in q.options]
        single = response.cardinality == "single"
        q.type = "single_choice" if single else "multiple_choice"
        self._mapping_ignored(response, template)
        if template == "map_response" and response.has_mapping:
            weights, default, lower, upper = self._weights(response, option_ids, single=single)
            best = max(option_ids, key=lambda o: weights.get(o, default))
            q.key = {"weights": weights}
            if single:
                q.key["answer"] = best
            else:
                q.key |= {
                    "answer": [o for o in option_ids if weights.get(o, default) > 0],
                    "scoring": "weighted",
                    "option_ids": option_ids,
                }
            if default:
                q.key["default_weight"] = default
            if lower is not None:
                q.key["lower"] = lower
            if upper is not None:
                q.key["upper"] = upper
            return
        self._need_correct(response)
        unknown = [c for c in response.correct if c not in option_ids]
        if unknown:
            raise _Skip(f"the correct response names unknown choices {unknown}")
        if single:
            q.key = {"answer": response.correct[0]}
        else:
            q.key = {
                "answer": response.correct,
                "scoring": "all_or_nothing",
                "option_ids": option_ids,
            }

    def _weights(
        self, response: _Response, keys: list[str], *, single: bool
    ) -> tuple[dict[str, float], float, float | None, float | None]:
        """The mapping as shares of the best score: weights, default, lower, upper."""
        values = {k: v for k, v, _ in response.mapping}
        per_key = [values.get(k, response.default) for k in keys]
        best = max(per_key, default=0.0) if single else sum(v for v in per_key if v > 0)
        if response.upper is not None:
            best = min(best, response.upper)
        if best <= 0:
            raise _Skip(f"the mapping of {response.identifier} gives no positive score")

        def share(v: float) -> float:
            return number(round(v / best, 10))

        weights = {k: share(v) for k, v in values.items() if v}
        lower = share(response.lower) if response.lower is not None else None
        upper = share(response.upper) if response.upper is not None else None
        return weights, share(response.default), lower, upper

    def _text_entry(self, q: ImportedQuestion, response: _Response, template: str) -> None:
        numeric = response.base_type in ("integer", "float")
        q.type = "numeric" if numeric else "short_answer"
        self._mapping_ignored(response, template)
        if template == "map_response" and response.has_mapping:
            if not response.mapping:
                raise _Skip(f"the mapping of {response.identifier} is empty")
            best = max(v for _, v, _ in response.mapping)
            if response.upper is not None:
                best = min(best, response.upper)
            if best <= 0:
                raise _Skip(f"the mapping of {response.identifier} gives no positive score")
            if response.default:
                self.warn(
                    f"the default mapped value {response.default:g} for other answers is not "
                    "carried over (other answers earn 0)"
                )
            entries = [(k, min(v / best, 1.0), s) for k, v, s in response.mapping if v > 0]
            if numeric:
                q.key = {
                    "answers": [
                        {"answer": number(self._number(k)), "tolerance": 0, "credit": number(c)}
                        for k, c, _ in entries
                    ]
                }
                return
            sensitive = all(s for _, c, s in entries if c >= 1.0)
            full = [k for k, c, s in entries if c >= 1.0 and s == sensitive]
            partial = [
                {"text": k, "credit": number(round(c, 10)), "case_sensitive": s}
                for k, c, s in entries
                if not (c >= 1.0 and s == sensitive)
            ]
            q.key = {"answers": full, "case_sensitive": sensitive}
            if partial:
                q.key["partial"] = partial
            return
        self._need_correct(response)
        if numeric:
            q.key = {"answer": number(self._number(response.correct[0])), "tolerance": 0}
        else:
            # QTI's match is exact, so the answer is case-sensitive.
            q.key = {"answers": response.correct, "case_sensitive": True}

    def _number(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise _Skip(f"{text!r} is not a number") from None

    def _match(
        self, q: ImportedQuestion, interaction: Element, response: _Response, template: str
    ) -> None:
        q.type = "matching"
        sets = children(interaction, "simpleMatchSet")
        if len(sets) != 2:
            raise _Skip("a matchInteraction needs two simpleMatchSets")
        stems = [
            {"id": c.get("identifier", ""), "text": inner_html(c), "role": "stem"}
            for c in children(sets[0], "simpleAssociableChoice")
        ]
        answers = [
            {"id": c.get("identifier", ""), "text": inner_html(c), "role": "choice"}
            for c in children(sets[1], "simpleAssociableChoice")
        ]
        q.options = stems + answers
        self._mapping_ignored(response, template)
        if template == "map_response" and response.has_mapping:
            pairs_all = [(" ".join(k.split()), v, s) for k, v, s in response.mapping]
            response.mapping = pairs_all
            weights, default, lower, upper = self._weights(
                response, [k for k, _, _ in pairs_all], single=False
            )
            q.key = {"pairs": self._pairs(response), "weights": weights}
            if default:
                q.key["default_weight"] = default
            if lower is not None:
                q.key["lower"] = lower
            if upper is not None:
                q.key["upper"] = upper
            return
        self._need_correct(response)
        # match_correct: the whole set of pairs must be right.
        q.key = {"pairs": self._pairs(response), "scoring": "all_or_nothing"}

    def _pairs(self, response: _Response) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for value in response.correct:
            parts = value.split()
            if len(parts) != 2:
                raise _Skip(f"{value!r} is not a pair of identifiers")
            if parts[0] in pairs:
                raise _Skip(f"{parts[0]} is matched twice: one answer per stem is supported")
            pairs[parts[0]] = parts[1]
        return pairs

    def _order(
        self, q: ImportedQuestion, interaction: Element, response: _Response, template: str
    ) -> None:
        q.type = "ordering"
        q.options = self._choices(interaction)
        if template == "map_response":
            self.warn("a mapping on an order interaction is not carried over; all or nothing")
        self._need_correct(response)
        q.key = {"order": response.correct}
