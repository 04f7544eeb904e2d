#!/usr/bin/env python3
"""Compare a schemathesis NDJSON report with baseline.json.

Schemathesis' own --baseline keys a schema failure by the keyword path only
("…/required"), so one accepted entry would hide every missing field of that
entity. Here a failure is identified by
    operation, check, failure type, schema pointer, normalised message
e.g. ("GET /api/v2/instance", "response_schema_conformance", "JsonSchemaError",
      "/components/schemas/Instance/properties/contact/properties/email",
      '<value> is not a "email"').
A baseline entry matches when each of its given fields equals the failure's;
"operation": "*" matches every operation (for entity schemas shared by many).

Usage: triage.py REPORT.ndjson [baseline.json]   (exit 1 when there are new failures)
"""

from __future__ import annotations

import base64
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CUT = re.compile(
    r" (is not |is a required property|is too |does not match |has non-unique|is valid under|"
    r"is not valid under|was expected|has less than|has more than|is less than|is greater than|"
    r"is a disallowed|should not be valid|Additional properties|is not one of)"
)


def normalise(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    if first.endswith("is a required property"):
        return first  # keeps the property name
    m = _CUT.search(first)
    if m:
        return "<value> " + first[m.start() + 1 :]
    return first


def schema_pointer(message: str) -> str:
    m = re.search(r"^Schema at (\S+?):?$", message, re.M)
    return m.group(1) if m else ""


@dataclass
class Failure:
    operation: str
    check: str
    failure: str
    schema: str
    message: str
    examples: list = field(default_factory=list)
    count: int = 0

    @property
    def key(self):
        return (self.operation, self.check, self.failure, self.schema, self.message)


def _decode(blob) -> str:
    if blob is None:
        return ""
    if isinstance(blob, dict) and "$base64" in blob:
        try:
            return base64.b64decode(blob["$base64"]).decode("utf-8", "replace")
        except ValueError:
            return "<undecodable>"
    if isinstance(blob, (dict, list)):
        return json.dumps(blob)
    return str(blob)


def read_report(path: Path) -> tuple[dict, list[str]]:
    failures: dict[tuple, Failure] = {}
    errors: list[str] = []
    for line in path.read_text().splitlines():
        event = json.loads(line)
        if "NonFatalError" in event:
            e = event["NonFatalError"]
            value = e.get("value") or {}
            errors.append(f"{e.get('label', '')} ({e.get('phase', '')}): {value.get('type', '?')}: {str(value.get('message', ''))[:500]}")
            continue
        if "ScenarioFinished" not in event:
            continue
        rec = event["ScenarioFinished"]["recorder"]
        interactions = rec.get("interactions", {})
        cases = rec.get("cases", {})
        for case_id, checks in rec.get("checks", {}).items():
            for c in checks:
                if c.get("status") != "failure":
                    continue
                f = (c.get("failure_info") or {}).get("failure") or {}
                msg = f.get("message", "")
                ftype = f.get("type", "?")
                if ftype == "JsonSchemaError":
                    norm = normalise(msg)
                    ptr = schema_pointer(msg)
                elif ftype == "ServerError":
                    status = ((interactions.get(case_id) or {}).get("response") or {}).get("status_code")
                    norm = f"status {status}"
                    ptr = ""
                else:
                    norm = normalise(msg)
                    ptr = ""
                op = f.get("operation") or rec.get("label", "?")
                fail = Failure(op, c.get("name", "?"), ftype, ptr, norm)
                fail = failures.setdefault(fail.key, fail)
                fail.count += 1
                if len(fail.examples) < 1:
                    inter = interactions.get(case_id) or {}
                    req = inter.get("request") or {}
                    resp = inter.get("response") or {}
                    case = (cases.get(case_id) or {}).get("value") or {}
                    fail.examples.append(
                        {
                            "request": f"{req.get('method', case.get('method', '?'))} {req.get('uri', case.get('path', '?'))}",
                            "request_body": _decode(req.get("body"))[:500],
                            "status": resp.get("status_code"),
                            "response_body": _decode(resp.get("content"))[:1500],
                            "detail": msg[:1200],
                        }
                    )
    return failures, errors


def load_baseline(path: Path) -> list[dict]:
    doc = json.loads(path.read_text())
    entries = doc["accepted"]
    for e in entries:
        for k in ("check", "failure", "reason"):
            if k not in e:
                raise ValueError(f"baseline entry without {k!r}: {e}")
    return entries


def matches(entry: dict, f: Failure) -> bool:
    if entry.get("operation", "*") not in ("*", f.operation):
        return False
    for k in ("check", "failure", "schema", "message"):
        if k in entry and entry[k] != getattr(f, k):
            return False
    return True


def triage(report: Path, baseline: Path, operations: list[str] | None = None) -> int:
    failures, errors = read_report(report)
    entries = load_baseline(baseline)
    used = set()
    new = []
    known = []
    for f in failures.values():
        hit = next((i for i, e in enumerate(entries) if matches(e, f)), None)
        if hit is None:
            new.append(f)
        else:
            used.add(hit)
            known.append((f, entries[hit]))
    print("=" * 78)
    print(f"schemathesis triage: {len(failures)} distinct failure(s): {len(known)} accepted by baseline, {len(new)} new;"
          f" {len(errors)} error(s)")
    for f, e in sorted(known, key=lambda x: x[0].key):
        print(f"  accepted  {f.operation}  {f.schema or f.check}  {f.message}   ({e['reason'][:70]}…)")
    for i, e in enumerate(entries):
        if i not in used:
            print(f"  (baseline entry not seen this run: {e.get('operation', '*')} {e.get('schema', '')} {e.get('message', '')})")
    for f in sorted(new, key=lambda x: x.key):
        print("-" * 78)
        print(f"NEW  {f.operation}  [{f.check} / {f.failure}]  x{f.count}")
        if f.schema:
            print(f"     schema:   {f.schema}")
        print(f"     problem:  {f.message}")
        for ex in f.examples:
            print(f"     request:  {ex['request']}")
            if ex["request_body"]:
                print(f"     req body: {ex['request_body']}")
            print(f"     response: {ex['status']} {ex['response_body']}")
    for err in errors:
        print("-" * 78)
        print(f"ERROR {err}")
    print("=" * 78)
    if operations is not None:
        bad = {f.operation for f in new} | {e.split(" (")[0] for e in errors}
        failed = len(bad)
        print(f"schemathesis: {max(len(operations) - failed, 0)} passed, {failed} failed")
    return 1 if new or errors else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(triage(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "baseline.json"))
