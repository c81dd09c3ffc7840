"""Checks an xAPI 1.0.3 statement against the specification.

The statement models of Ralph (a maintained LRS, pydantic) do the structural work: required
properties, one inverse functional identifier per agent, IRIs (RFC 3987), language maps, score
bounds, no empty values. What they leave out of the spec's rules is checked below.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from ralph.models.xapi.base.statements import BaseXapiStatement

ISO_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
# RFC 3339 date-time with a zone, as the spec recommends for every Timestamp.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
IRL = re.compile(r"^https?://[^\s]+$")


def assert_valid_statement(statement: dict[str, Any]) -> None:
    BaseXapiStatement.model_validate(statement)
    assert str(uuid.UUID(statement["id"])) == statement["id"], "id: a lowercase hyphenated UUID"
    assert statement["version"] == "1.0.3"
    for agent_key in ("actor", "authority"):
        agent = statement[agent_key]
        assert agent.get("objectType", "Agent") == "Agent"
        ifis = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in agent]
        assert len(ifis) == 1, f"{agent_key}: exactly one identifier"
        if "account" in agent:
            assert IRL.match(agent["account"]["homePage"]), f"{agent_key}.account.homePage: IRL"
            assert agent["account"]["name"]
    assert statement["verb"]["display"], "verb.display: a language map"
    assert statement["object"]["objectType"] == "Activity"
    for key in ("timestamp", "stored"):
        assert RFC3339.match(statement[key]), f"{key}: {statement[key]!r} is not RFC 3339"
        datetime.fromisoformat(statement[key].replace("Z", "+00:00"))
    result = statement.get("result", {})
    if "duration" in result:
        assert ISO_DURATION.match(result["duration"]), result["duration"]
    score = result.get("score", {})
    if "scaled" in score:
        assert -1 <= score["scaled"] <= 1
    if "raw" in score:
        assert score.get("min", score["raw"]) <= score["raw"] <= score.get("max", score["raw"])
    context = statement.get("context", {})
    if "registration" in context:
        assert str(uuid.UUID(context["registration"])) == context["registration"]
