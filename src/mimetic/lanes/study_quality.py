"""How much a lane's setup is about *this* app (upstream §3.8): none, ceremonial, useful, high_leverage.

A lane that only ran `mimetic init` leaves the starter files untouched and is honestly `ceremonial`.
"Customised" means the file differs from the packaged starter and speaks the app's vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from mimetic.contracts.evidence import MimeticSetupFacts, QualityCheck, StudyQuality, StudySignals

STARTER_PERSONAS = ("synthetic-new-user.yaml", "skeptical-power-user.yaml")
STARTER_SCENARIOS = ("first-run-smoke.yaml", "onboarding-regression.yaml")
COVERAGE_WORDS = re.compile(r"\b(screen|route|role|state|path|flow|journey|surface|happy|sad|friction)s?\b", re.I)
ROLE_WORDS = re.compile(r"\b(role|workflow|creator|operator|admin|guest|player|customer|power user|novice|skeptical|"
                        r"accessibility|persona)s?\b", re.I)
JOURNEY_WORDS = re.compile(r"\b(route|screen|journey|state|happy|sad|friction|error|empty|mobile|desktop|evidence|"
                           r"expectation)s?\b", re.I)
INSIGHT_WORDS = re.compile(r"\b(observed|found|friction|improvement|issue|gap|confusing|blocked|recommend|feedback)\b|"
                           r"none observed", re.I)
APP_URL_ANCHOR = re.compile(r"(?:run\s+)?--app-url|app-url proof", re.I)
BLOCKER = re.compile(r"unknown option|unsupported|not available|(?:does|did)\s*(?:n't|not)\s+(?:support|expose|accept)|"
                     r"(?:doesnt|didnt)\s+(?:support|expose|accept)", re.I)
RUN_NEAR_APP_URL = re.compile(r"mimetic run[^\n]{0,80}--app-url", re.I)
WINDOW = 220


def _starter_dir() -> Path | None:
    try:
        import mimetic.init as init_package
    except ImportError:
        return None
    path = Path(init_package.__file__).resolve().parent / "starter"
    return path if path.is_dir() else None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _starter_text(relative: str) -> str:
    base = _starter_dir()
    return _read(base / relative) if base else ""


def _starter_values(relative: str, keys: tuple[str, ...]) -> list[str]:
    text = _starter_text(relative)
    values = []
    for key in keys:
        values += [m.strip().strip("\"'") for m in re.findall(rf"^\s*{key}:\s*(.+)$", text, re.M)]
    return [v for v in values if len(v) > 3]


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[*_`~]+", "", text).split())


def coverage_customized(source: Path) -> bool:
    coverage = _read(source / "coverage-map.md").strip()
    if coverage and coverage != _starter_text("coverage-map.md").strip() and COVERAGE_WORDS.search(coverage):
        return True
    matrix = _read(source / "coverage-matrix.md").strip()
    return bool(matrix and matrix != _starter_text("coverage-matrix.md").strip()
                and "starter" not in matrix.lower() and COVERAGE_WORDS.search(matrix))


def _customized(folder: Path, starters: tuple[str, ...], keys: tuple[str, ...], words: re.Pattern[str]) -> bool:
    files = sorted(p for p in folder.glob("*") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []
    if any(p.name not in starters for p in files):
        return True
    for path in files:
        relative = f"{folder.name}/{path.name}"
        text = _read(path)
        if text.strip() == _starter_text(relative).strip():
            continue
        starter_words = _starter_values(relative, keys)
        if words.search(text) and not any(w.lower() in text.lower() for w in starter_words):
            return True
    return False


def app_url_proof_blocked(text: str) -> bool:
    text = _normalise(text)
    for anchor in APP_URL_ANCHOR.finditer(text):
        window = text[max(0, anchor.start() - WINDOW): anchor.end() + WINDOW]
        if BLOCKER.search(window):
            return True
    return False


def rate_study(repo: Path, facts: MimeticSetupFacts, *, evidence_texts: Iterable[str] = (),
               actor_texts: Iterable[str] = (), app_url_proof_passed: bool = False) -> StudyQuality:
    source = repo / "mimetic"
    all_text = "\n".join([*evidence_texts, *actor_texts])
    blocked = app_url_proof_blocked(all_text)
    signals = StudySignals(
        coverage_customized=coverage_customized(source),
        persona_customized=_customized(source / "personas", STARTER_PERSONAS, ("name", "summary"), ROLE_WORDS),
        scenario_customized=_customized(source / "scenarios", STARTER_SCENARIOS, ("title", "goal"), JOURNEY_WORDS),
        app_url_proof_blocked=blocked,
        app_url_proof_mentioned=not blocked and (app_url_proof_passed or bool(RUN_NEAR_APP_URL.search(all_text))),
        actor_insight_captured=bool(INSIGHT_WORDS.search("\n".join(actor_texts))),
    )
    customised = signals.coverage_customized and signals.persona_customized and signals.scenario_customized
    if not facts.config_present or facts.persona_count == 0 or facts.scenario_count == 0:
        rating = "none"
    elif customised and (signals.actor_insight_captured or blocked) and (signals.app_url_proof_mentioned or blocked):
        rating = "high_leverage"
    elif customised:
        rating = "useful"
    else:
        rating = "ceremonial"
    checks = [
        QualityCheck(id="coverage-customized", label="Coverage map customised", ok=signals.coverage_customized,
                     detail="mimetic/coverage-map.md names this app's screens, routes or states." if signals.coverage_customized
                     else "Coverage map/matrix is still the starter text."),
        QualityCheck(id="personas-customized", label="Personas customised", ok=signals.persona_customized,
                     detail="At least one persona is written for this app." if signals.persona_customized
                     else "Only the starter personas exist."),
        QualityCheck(id="scenarios-customized", label="Scenarios customised", ok=signals.scenario_customized,
                     detail="At least one scenario is written for this app." if signals.scenario_customized
                     else "Only the starter scenarios exist."),
        QualityCheck(id="app-url-proof", label="App-url proof", ok=signals.app_url_proof_mentioned,
                     detail="Blocked: evidence says the --app-url proof path was unavailable." if blocked
                     else "The app was proved with `mimetic run --app-url`." if signals.app_url_proof_mentioned
                     else "No `mimetic run --app-url` proof was reached."),
        QualityCheck(id="actor-insight", label="Actor insight", ok=signals.actor_insight_captured,
                     detail="An actor reported what it observed." if signals.actor_insight_captured
                     else "No actor reported observations."),
    ]
    hits = sum(check.ok for check in checks)
    summary = f"Study-quality rating {rating} from {hits}/5 app-specific leverage signals" + (
        "; app-url proof path was blocked by actor evidence." if blocked else ".")
    return StudyQuality(rating=rating, summary=summary, checks=checks, signals=signals)
