"""Human lines for a study's tallies (`k/n reached` per task and persona, the funnel), shared by review and stats."""

from __future__ import annotations



def counts(tally: dict) -> str:
    from mimetic.contracts.study import Tally
    from mimetic.studies.outcomes import outcome_counts

    return outcome_counts(Tally.model_validate(tally))


def study_lines(study: dict) -> list[str]:
    lines = [f"- task {t['taskId']}{'' if t.get('required', True) else ' (optional)'}: {counts(t)}"
             + (f", {t['friction']} with friction" if t.get("friction") else "") for t in study.get("tasks", [])]
    lines += [f"- persona {p['personaId']}: {counts(p)}" for p in study.get("personas", [])]
    if study.get("funnel"):
        lines.append("- funnel: " + " > ".join(f"{f['taskId']} {f['reached']}/{f['n']}" for f in study["funnel"]))
    if study.get("require") is not None:
        met = "met" if study.get("requireMet", True) else "NOT met by " + ", ".join(study.get("belowRequire", []))
        lines.append(f"- require {study['require']:g}: {met}")
    return lines
