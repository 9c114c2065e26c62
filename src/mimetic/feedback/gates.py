"""The gates a draft passes before anyone may file it (`feedback verify`, and `issue` / `issue-url`).

1. Required fields are non-empty and the draft belongs to this run.
2. Every evidence path (and the source bundle) is run-relative, inside the run, and exists as a file.
3. Every text field passes the redaction scan (secret shapes, known secret values, auth-like URL
   parameters, absolute home/temp paths). Problems name the field and the rule, never the value.
4. A dry-run observed no product, so it cannot back a target-app or actor claim.
Each problem is one sentence; an empty list means the draft may be filed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.feedback import FeedbackDraft
from mimetic.feedback.candidates import PRODUCT_OWNERS
from mimetic.bundle.store import is_relative_path
from mimetic.safety.scan import scan_text

REQUIRED_TEXT = ("run_id", "adapter_id", "scenario_id", "persona_id", "summary", "expected", "actual",
                 "source_bundle", "idempotency_key")


def text_fields(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """(dotted field name, text) for every string in a JSON-like value."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_fields(item, f"{name}.{key}" if name else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from text_fields(item, f"{name}[{index}]")


def _required(draft: FeedbackDraft, bundle: RunBundle) -> list[str]:
    problems = [f"required field {name} is empty" for name in REQUIRED_TEXT if not getattr(draft, name).strip()]
    if not draft.evidence:
        problems.append("required field evidence is empty")
    if not draft.acceptance_proof or not all(proof.strip() for proof in draft.acceptance_proof):
        problems.append("required field acceptance_proof is empty")
    if draft.run_id.strip() and draft.run_id != bundle.run_id:
        problems.append(f"run_id does not name this run ({bundle.run_id})")
    if draft.idempotency_key.strip() and not draft.idempotency_key.startswith(f"mimetic:{bundle.run_id}:"):
        problems.append(f"idempotency_key does not start with mimetic:{bundle.run_id}:")
    if draft.redaction.status != "passed":
        problems.append(f"redaction status is {draft.redaction.status}, not passed")
    return problems


def _secrets(draft: FeedbackDraft) -> tuple[list[str], set[str]]:
    problems, tainted = [], set()
    for name, text in text_fields(draft.to_json()):
        rules = scan_text(text)
        if rules:
            tainted.add(name)
            problems.append(f"field {name} fails the redaction scan ({', '.join(sorted(set(rules)))})")
    return problems, tainted


def _paths(store: RunStore, draft: FeedbackDraft, tainted: set[str]) -> list[str]:
    problems = []
    root = f"{store.artifact_root}/"
    named = [("source_bundle", draft.source_bundle)] + [(f"evidence[{i}].path", e.path) for i, e in enumerate(draft.evidence)]
    for name, path in named:
        if not path:
            continue
        shown = name if name in tainted else path  # a path that trips the scan is named by field only
        relative = path[len(root):] if path.startswith(root) else path  # run-relative, or an older rooted path
        if not is_relative_path(relative) or relative.startswith((".mimetic/", "./")):
            problems.append(f"evidence path is not inside the run: {shown}")
        elif not (store.dir / relative).is_file():
            problems.append(f"evidence file missing: {shown}")
    return problems


def draft_problems(store: RunStore, bundle: RunBundle, draft: FeedbackDraft) -> list[str]:
    secret_problems, tainted = _secrets(draft)
    problems = _required(draft, bundle) + _paths(store, draft, tainted) + secret_problems
    if bundle.mode == "dry-run" and draft.failure_owner in PRODUCT_OWNERS:
        problems.append(f"a dry-run bundle cannot back a {draft.failure_owner} claim: no product behaviour was observed")
    return problems
