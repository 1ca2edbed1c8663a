"""SARIF 2.1.0 for code scanning: validation diagnostics and audit findings.

Both kinds of result point at a line of the policy repository (a finding at the rule it
breaks), so a pull request that changes policies shows its problems where they are written.
Fingerprints are stable hashes of what a result is about, not of its text, so rewording a
message does not re-open every alert.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from govern import __version__
from govern.model import Finding, Severity
from govern.policy.diagnostics import Diagnostic, display_path

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/govern/govern"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def fingerprint(*parts: str) -> str:
    """A stable hash of what a result is about (not of its wording), for ``partialFingerprints``."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def sarif_log(rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> str:
    """One SARIF 2.1.0 log (one run by govern) holding ``rules`` and ``results``, as JSON."""
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "govern",
                        "version": __version__,
                        "informationUri": INFO_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def sarif_location(uri: str, line: int, col: int | None = None) -> dict[str, Any]:
    """A physical location: ``uri`` at ``line`` (and ``col``), both at least 1."""
    region: dict[str, Any] = {"startLine": max(1, line)}
    if col is not None:
        region["startColumn"] = max(1, col)
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}


def diagnostics_sarif(diagnostics: Iterable[Diagnostic]) -> str:
    """SARIF for ``govern policy validate``."""
    items = sorted(diagnostics)
    codes = sorted({d.code for d in items})
    rules = [
        {"id": c, "name": c, "shortDescription": {"text": f"policy file problem: {c}"}}
        for c in codes
    ]
    results = []
    for d in items:
        uri = Path(display_path(d.file)).as_posix()
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": codes.index(d.code),
                "level": "error" if d.level == "error" else "warning",
                "message": {"text": d.message},
                "locations": [sarif_location(uri, d.line, d.col)],
                "partialFingerprints": {
                    "governDiagnostic/v1": fingerprint(uri, str(d.line), d.code, d.message)
                },
            }
        )
    return sarif_log(rules, results)


def findings_sarif(
    findings: Iterable[Finding], policies_root: Path, descriptions: dict[str, str]
) -> str:
    """SARIF for ``govern audit``: each finding at the policy line of its rule."""
    items = list(findings)
    ids = sorted({f.rule_id for f in items})
    worst: dict[str, Severity] = {}
    for f in items:
        if f.rule_id not in worst or list(Severity).index(f.severity) < list(Severity).index(
            worst[f.rule_id]
        ):
            worst[f.rule_id] = f.severity
    rules = [
        {
            "id": rid,
            "name": rid,
            "shortDescription": {"text": descriptions.get(rid) or rid},
            "defaultConfiguration": {"level": LEVELS[worst[rid]]},
            "properties": {"security-severity": SECURITY_SEVERITY[worst[rid]]},
        }
        for rid in ids
    ]
    root = display_path(policies_root)
    results = []
    for f in items:
        uri = Path(root, f.source.file).as_posix() if f.source else Path(root).as_posix()
        location = sarif_location(uri, f.source.line if f.source else 1)
        location["logicalLocations"] = [
            {
                "name": str(f.evidence.get("path") or f.community_id),
                "fullyQualifiedName": f.community_id,
                "kind": "resource",
            }
        ]
        results.append(
            {
                "ruleId": f.rule_id,
                "ruleIndex": ids.index(f.rule_id),
                "level": LEVELS[f.severity],
                "message": {"text": f.message},
                "locations": [location],
                "partialFingerprints": {
                    "governFinding/v1": fingerprint(f.rule_id, f.community_id, f.principal_id or "")
                },
                "properties": {
                    "severity": f.severity.value,
                    "communityId": f.community_id,
                    "principalId": f.principal_id,
                    "evidence": f.evidence,
                },
            }
        )
    return sarif_log(rules, results)
