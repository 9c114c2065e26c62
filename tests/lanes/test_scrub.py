"""Text from a lane loses local paths and (when redacting) every spelling of a private repo name."""

from __future__ import annotations

from mimetic.lanes.scrub import lane_scrubber


def test_paths_become_markers_on_whole_components_only():
    scrub = lane_scrubber(lane_root="/tmp/p/.mimetic/tmp/oss-meta/r/oss-01", project_root="/tmp/p", home="/home/dev")
    text = scrub.text("cloned into /tmp/p/.mimetic/tmp/oss-meta/r/oss-01/repo; cache /home/dev/.npm; "
                      "profile /tmp/playwright-abc/Default; /tmp/p/x")
    assert text == "cloned into [lane-root]/repo; cache ~/.npm; profile [local-path]; [target-cwd]/x"


def test_a_private_repo_name_is_replaced_by_its_label_in_every_spelling():
    scrub = lane_scrubber(lane_root=None, project_root=None, home=None, repos=[("Acme/Secret-Shop", "repo-01")])
    assert scrub.text("acme/secret-shop at Acme__Secret-Shop, package secret-shop") == \
        "repo-01 at repo-01, package repo-01"
    generic = lane_scrubber(lane_root=None, project_root=None, home=None, repos=[("acme/web", "repo-02")])
    assert generic.text("acme/web serves the web app") == "repo-02 serves the web app"


def test_secrets_are_redacted_too():
    assert "ghp_" not in lane_scrubber(lane_root=None, project_root=None, home=None).text("token ghp_" + "a" * 30)
