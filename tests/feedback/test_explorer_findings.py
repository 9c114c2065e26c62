"""Explorer findings become target-app candidates: one per defect across lanes, ranked by severity then reach."""

from __future__ import annotations

from fixtures.feedback_bundles import BundleBuilder, stream_token

from mimetic.contracts.evidence import ActorReport
from mimetic.contracts.explorer import ExplorerAction, ExplorerControl, ExplorerFinding, ExplorerStyle, ExplorerTrace
from mimetic.explorer.report import as_actor_finding
from mimetic.feedback.candidates import derive_candidates

START = [ExplorerAction(kind="goto", value="/")]
DEAD = ExplorerFinding(id="dead-control-aaa", kind="dead_control", severity="error", title='Dead control: button "Add" does nothing',
                       detail="Nothing changed.", route="/", control=ExplorerControl(key="#add", role="button", name="Add"),
                       path=[*START, ExplorerAction(kind="click", target="#add")], screenshot_path="screenshots/explore/desktop/step-001.png")
AXE = ExplorerFinding(id="axe-violation-bbb", kind="axe_violation", severity="error", rule="image-alt",
                      title="Accessibility (image-alt, critical)", route="/", path=START)
SLOW = ExplorerFinding(id="slow-response-ccc", kind="slow_response", severity="warning", title="Slow page", route="/",
                       path=START)


def explorer_lane(builder: BundleBuilder, stream_id: str, persona: str, style: str, findings: list[ExplorerFinding]) -> None:
    stream = builder.stream(stream_id)
    trace = ExplorerTrace(seed=0, surface="desktop", persona_id=persona, start_route="/", stopped_by="exhausted",
                          style=ExplorerStyle(input=style, patience_ms=5000, max_states=5, max_actions=5, max_ms=1000),
                          findings=findings)
    path = f"actors/{stream_token(stream_id)}.json"
    builder.store.write_json(path, ActorReport(id=stream_id, kind="explore", status="failed",
                                               findings=[as_actor_finding(f) for f in findings],
                                               exploration=trace).to_json())
    builder.store.write_bytes("screenshots/explore/desktop/step-001.png", b"\x89PNG\r\n")
    builder._attach(stream, "Actor report", path, "actor")


def test_a_defect_seen_by_two_personas_is_one_candidate_ranked_above_a_defect_seen_once(tmp_path):
    builder = BundleBuilder(tmp_path)
    explorer_lane(builder, "lane-a", "keys", "keyboard", [AXE, SLOW])
    explorer_lane(builder, "lane-b", "keys", "keyboard", [DEAD])
    explorer_lane(builder, "lane-c", "thumb", "touch", [DEAD])
    store = builder.write()
    found = [c for c in derive_candidates(store, store.load_bundle()) if c.id.startswith("explorer-")]
    assert [c.id for c in found] == ["explorer-dead-control-aaa", "explorer-axe-violation-bbb", "explorer-slow-response-ccc"]
    dead = found[0]
    assert dead.failure_owner == "target-app" and dead.severity == "high" and dead.actor == "explore"
    assert "2 persona/input combination(s) in 2 lane(s)" in dead.actual and "click #add" in dead.actual
    assert {e.kind for e in dead.evidence} >= {"trace", "screenshot"}
    assert dead.acceptance_proof[-1] == "mimetic replay live-feedback-01 --lane lane-b --json"
    assert found[2].severity == "medium"


def test_explorer_reports_do_not_also_make_a_per_lane_product_finding(tmp_path):
    builder = BundleBuilder(tmp_path)
    explorer_lane(builder, "lane-a", "keys", "keyboard", [DEAD])
    store = builder.write()
    ids = [c.id for c in derive_candidates(store, store.load_bundle())]
    assert "explorer-dead-control-aaa" in ids and not [i for i in ids if i.startswith("product-finding")]
