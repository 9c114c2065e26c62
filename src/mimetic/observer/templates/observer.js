/* Mimetic Observer: renders mimetic.observer-data.v1 with DOM APIs only (textContent, never HTML strings). */
(function () {
  "use strict";

  var MODE = document.body.getAttribute("data-observer-mode") || "file";
  var SERVED = MODE !== "export" && location.protocol !== "file:";
  var POLL_MS = 3000;
  var HISTORY_MS = 30000;
  var PAGE_SIZE = 48;
  var RAIL_WINDOW = 120;
  var TONES = ["running", "complete", "blocked", "failed", "queued"];
  var TONE_LABELS = { running: "Running", complete: "Complete", blocked: "Blocked", failed: "Failed", queued: "Queued" };
  var VERDICT_TONES = { pass: "complete", contract_proof_only: "complete", fail: "failed", blocked: "blocked",
    timed_out: "blocked", interrupted: "blocked" };
  var VERDICT_LABELS = { pass: "Pass", contract_proof_only: "Contract proof only", fail: "Fail", blocked: "Blocked",
    timed_out: "Timed out", interrupted: "Interrupted" };
  var SETUP_QUALITY = "mimetic.setup-quality.v1";

  var state = {
    data: null, byId: {}, order: [], sigs: {}, runSig: "",
    filters: { tone: "all", kind: "all", q: "" }, page: 0,
    focusId: null, tab: "events", media: "live",
    tiles: {}, historyTimer: null
  };

  // ---- DOM helpers -----------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function safeUrl(value, allowImageData) {
    // As a browser parses it: tabs and newlines anywhere, controls and spaces at either end, are dropped
    // (so "java\tscript:" cannot pass as a relative path).
    var url = String(value == null ? "" : value).replace(/[\t\n\r]/g, "").replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, "").trim();
    if (!url) return null;
    if (/^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+\/=]+$/.test(url)) return allowImageData ? url : null;
    if (/^https?:\/\//i.test(url)) return url;
    if (/^[a-z][a-z0-9+.\-]*:/i.test(url) || url.indexOf("//") === 0 || url.indexOf("\\") !== -1) return null;
    return url;
  }

  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") el.className = value;
        else if (key === "text") el.textContent = String(value);
        else if (key === "data") Object.keys(value).forEach(function (k) { if (value[k] != null) el.dataset[k] = String(value[k]); });
        else if (key.indexOf("on") === 0) el.addEventListener(key.slice(2), value);
        else if (key === "href" || key === "src") {
          var url = safeUrl(value, key === "src");
          if (url) el.setAttribute(key, url);
        } else el.setAttribute(key, value === true ? "" : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { append(el, k); }); return; }
    el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }

  function fill(el) {
    el.textContent = "";
    for (var i = 1; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function lastLines(text, n) {
    var lines = String(text || "").replace(/\s+$/, "").split("\n");
    return lines.slice(-n).join("\n");
  }

  function countLines(text) { return text ? String(text).replace(/\s+$/, "").split("\n").length : 0; }

  function clock(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function when(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  function money(value) {
    if (value === null || value === undefined) return "cost unknown";
    return "$" + Number(value).toFixed(value > 0 && value < 0.01 ? 4 : 2);
  }

  function words(status) { return status ? String(status).replace(/_/g, " ") : status; }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function storage(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) { /* storage is unavailable in some file:// profiles; prefs simply do not persist */ }
    return null;
  }

  // ---- lane facts -------------------------------------------------------------------------------

  function completion(s) { return s.completion || {}; }
  function ui(s) { return s.ui || {}; }
  function appUrl(s) { return ui(s).appUrl || completion(s).appUrl || null; }
  function appStatus(s) { return ui(s).appStatus || completion(s).appStatus || null; }
  function actorStatus(s) { return (s.actor && s.actor.status) || ui(s).actorStatus || completion(s).actorStatus || null; }
  function nestedObserver(s) {
    var u = ui(s);
    if (u.nestedObserverPath || u.nestedObserverUrl) return "present";
    var present = completion(s).nestedObserverPresent;
    return present === true ? "present" : present === false ? "missing" : null;
  }
  function liveUrl(s) {
    if (!SERVED || !s.live) return null;
    var url = (s.embed && s.embed.kind === "iframe" && s.embed.url) || s.url;
    return url && /^https?:\/\//i.test(url) ? url : null;
  }
  function screenshot(s) {
    if (!s.screenshot) return null;
    if (SERVED && s.screenshot.indexOf("data:") !== 0) return s.screenshot + "?v=" + encodeURIComponent(s.updatedAt || "");
    return s.screenshot;
  }
  function isTerminal(s) { return s.kind === "terminal" || s.kind === "tui"; }
  function logTail(s) { return s.terminalPlain || completion(s).logTail || completion(s).actorLogTail || ""; }
  function statusTone(status) {
    return { running: "running", preparing: "running", passed: "complete", complete: "complete", contract_proof_only: "complete",
      blocked: "blocked", timed_out: "blocked", interrupted: "blocked", failed: "failed" }[status] || "queued";
  }
  // The label the server gave a status or kind ("statusLabel" / "kindLabel"), from the first lane that has it.
  function laneLabel(field, value) {
    var lane = state.data.streams.find(function (s) { return s[field] === value; });
    return (lane && lane[field + "Label"]) || value;
  }
  function haystack(s) {
    return [s.label, s.id, s.simId, s.kind, s.kindLabel, s.status, s.statusLabel, s.currentStep, appUrl(s), ui(s).route,
      s.terminal && s.terminal.title, completion(s).reason].join(" ").toLowerCase();
  }

  // ---- data in -----------------------------------------------------------------------------------

  function readEmbedded() {
    var node = $("observer-data");
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function setData(data) {
    var changed = [];
    var byId = {};
    var order = [];
    var sigs = {};
    (data.streams || []).forEach(function (s) {
      byId[s.id] = s;
      order.push(s.id);
      sigs[s.id] = JSON.stringify(s);
      if (state.sigs[s.id] !== sigs[s.id]) changed.push(s.id);
    });
    var runSig = JSON.stringify([data.run, data.summary, data.events && data.events.length, order]);
    var headerChanged = runSig !== state.runSig;
    state.data = data; state.byId = byId; state.order = order; state.sigs = sigs; state.runSig = runSig;
    document.dispatchEvent(new CustomEvent("mimetic:data", { detail: data }));  // observer-display.js follows it
    return { changed: changed, headerChanged: headerChanged };
  }

  function filtered() {
    var f = state.filters;
    var q = f.q.trim().toLowerCase();
    return state.order.filter(function (id) {
      var s = state.byId[id];
      if (f.tone !== "all" && s.tone !== f.tone) return false;
      if (f.kind !== "all" && s.kind !== f.kind) return false;
      return !q || haystack(s).indexOf(q) !== -1;
    });
  }

  // ---- run header ----------------------------------------------------------------------------------

  function renderHeader() {
    var d = state.data, run = d.run, sum = d.summary;
    document.title = "Mimetic Observer - " + run.runId;
    $("run-id").textContent = run.runId;
    $("run-title").textContent = run.title;
    $("run-summary").textContent = run.summary || "";
    var meta = [
      ["Mode", run.mode], ["Persona", run.persona && run.persona.name], ["Scenario", run.scenario && run.scenario.title],
      ["Lab", run.lab ? run.lab.id + " (" + run.lab.kind + ")" : null], ["Created", when(run.createdAt)],
      ["Package", run.packageName], ["Redaction", run.redaction && run.redaction.status]
    ].concat(studyMeta(run.study));
    fill($("run-meta"), meta.filter(function (m) { return m[1]; }).map(function (m) {
      return h("div", null, h("dt", { text: m[0] }), h("dd", { text: m[1], title: m[0] === "Scenario" && run.scenario ? run.scenario.goal : null }));
    }));
    var tone = run.tone === "running" ? "running" : (VERDICT_TONES[run.status] || run.tone);
    fill($("verdict"),
      h("span", { class: "verdict-badge", data: { tone: tone, status: run.status }, text: run.tone === "running" ? "Running" : (VERDICT_LABELS[run.status] || run.status) }),
      h("span", { class: "mode-chip", text: (run.mode === "dry-run" ? "Dry-run" : run.tone === "running" ? "Live" : "Finished") + " · " + plural(sum.streams, "lane") }));
    renderStats();
    renderNotes();
    renderFilters();
    renderFooter();
  }

  // A study's denominators: "k/n reached" per task and per persona, and the funnel when tasks are ordered.
  function studyMeta(study) {
    if (!study) return [];
    function tally(t, name) { return name + " " + t.reached + "/" + t.n; }
    var rows = [["Tasks reached", (study.tasks || []).map(function (t) { return tally(t, t.taskId); }).join(" · ")],
      ["Personas reached", (study.personas || []).map(function (p) { return tally(p, p.personaId); }).join(" · ")]];
    if (study.funnel) rows.push(["Funnel", study.funnel.map(function (f) { return tally(f, f.taskId); }).join(" > ")]);
    return rows;
  }

  function renderStats() {
    var sum = state.data.summary;
    var total = sum.streams || 1;
    var bar = h("div", { class: "bar", "aria-hidden": "true" }, TONES.filter(function (t) { return sum.byTone[t]; }).map(function (t) {
      var seg = h("span", { data: { tone: t } });
      seg.style.width = (100 * sum.byTone[t] / total) + "%";
      seg.style.background = "var(--tone)";
      return seg;
    }));
    var statusRows = Object.keys(sum.byStatus).map(function (st) {
      return h("span", null, laneLabel("status", st), " ", h("b", { text: sum.byStatus[st] }));
    });
    var kindRows = Object.keys(sum.byKind).filter(function (k) { return sum.byKind[k]; }).map(function (k) {
      return h("span", null, laneLabel("kind", k), " ", h("b", { text: sum.byKind[k] }));
    });
    fill($("stats"),
      h("div", { class: "stat" }, h("h4", { text: "Lanes" }), h("div", { class: "big", text: sum.streams }), bar),
      h("div", { class: "stat" }, h("h4", { text: "By status" }), h("div", { class: "rows" }, statusRows.length ? statusRows : "none")),
      h("div", { class: "stat" }, h("h4", { text: "By kind" }), h("div", { class: "rows" }, kindRows.length ? kindRows : "none")),
      h("div", { class: "stat" }, h("h4", { text: "Attention" }), h("div", { class: "rows" },
        h("span", null, "Active ", h("b", { text: sum.active })), h("span", null, "Failed ", h("b", { text: sum.failed || 0 })),
        h("span", null, "Blocked ", h("b", { text: sum.blocked })),
        h("span", null, "Warnings ", h("b", { text: sum.warnings })), h("span", null, "Events ", h("b", { text: sum.events })))));
  }

  function renderNotes() {
    var d = state.data, run = d.run;
    var gaps = run.knownGaps || [];
    var notes = [];
    // Polls redraw the notes; a section the reader opened (or closed) stays that way.
    var wasOpen = {};
    Array.prototype.forEach.call($("notes").querySelectorAll("details[data-key]"), function (el) { wasOpen[el.dataset.key] = el.open; });
    notes.push(h("div", { class: "note safety" }, h("strong", { text: "Not for public sharing as is. " }), d.publicSafety.note));
    if (gaps.length) {
      notes.push(h("details", { class: "note", data: { key: "gaps" }, open: "gaps" in wasOpen ? wasOpen.gaps : gaps.length <= 4 },
        h("summary", { text: "Known gaps (" + gaps.length + ")" }),
        h("ul", null, gaps.map(function (g) { return h("li", { text: g }); }))));
    }
    var log = h("details", { class: "note", data: { key: "events" } }, h("summary", { text: "Run events (" + d.summary.events + ")" }));
    var list = h("ol", { class: "events-list timeline" });
    log.appendChild(list);
    function fillEvents() { fill(list, timelineItems(d.events.slice(-200).reverse())); }
    log.addEventListener("toggle", function () { if (log.open) fillEvents(); });
    if (wasOpen.events) { log.open = true; fillEvents(); }
    notes.push(log);
    var links = h("div", { class: "note" }, h("strong", { text: "Evidence: " }),
      d.artifactLinks.map(function (l, i) {
        return [i ? " · " : "", MODE === "export" ? h("span", { text: l.label }) : h("a", { href: l.href, text: l.label, target: "_blank", rel: "noopener" })];
      }));
    notes.push(links);
    fill($("notes"), notes);
  }

  function renderFilters() {
    var sum = state.data.summary;
    var group = $("tone-filter");
    var buttons = [["all", "All", sum.streams]].concat(TONES.filter(function (t) { return sum.byTone[t]; }).map(function (t) {
      return [t, TONE_LABELS[t], sum.byTone[t]];
    }));
    if (state.filters.tone !== "all" && !sum.byTone[state.filters.tone]) buttons.push([state.filters.tone, TONE_LABELS[state.filters.tone], 0]);
    fill(group, buttons.map(function (b) {
      return h("button", { class: "btn", type: "button", data: { tone: b[0] === "all" ? null : b[0], filter: b[0] },
        "aria-pressed": String(state.filters.tone === b[0]) },
        b[0] === "all" ? null : h("span", { class: "tone-dot" }), b[1], " ", h("span", { class: "n", text: b[2] }));
    }));
    var select = $("kind-filter");
    var kinds = Object.keys(sum.byKind).filter(function (k) { return sum.byKind[k]; });
    fill(select, h("option", { value: "all", text: "All kinds (" + sum.streams + ")" }), kinds.map(function (k) {
      return h("option", { value: k, text: laneLabel("kind", k) + " (" + sum.byKind[k] + ")" });
    }));
    select.value = kinds.indexOf(state.filters.kind) !== -1 ? state.filters.kind : "all";
  }

  function renderFooter() {
    var d = state.data;
    fill($("footer"),
      h("span", { text: "Generated " + when(d.generatedAt) }),
      h("span", { text: d.raw.bundleSchema + " · " + d.raw.artifactRoot }),
      h("span", { text: MODE === "export" ? "Exported snapshot: open offline, no network." : SERVED ? "Served on loopback; polling every " + POLL_MS / 1000 + " s." : "Static file view." }),
      h("span", { text: "Keys: / search · Enter open lane · ← → switch lanes · Esc back" }));
  }

  // ---- grid -------------------------------------------------------------------------------------

  function mediaKey(s) {
    var live = state.media === "live" ? liveUrl(s) : null;
    if (live) return "live:" + live;
    var shot = screenshot(s);
    if (shot) return "shot:" + shot;
    if (isTerminal(s)) return "term:" + lastLines(s.terminalPlain, 14);
    return "ph:" + s.kind + ":" + (s.embed && s.embed.title) + ":" + (ui(s).route || "");
  }

  function mediaNode(s, big) {
    var live = state.media === "live" ? liveUrl(s) : null;
    if (live) {
      return [h("iframe", { src: live, title: s.label + " live view", loading: "lazy", referrerpolicy: "no-referrer",
        sandbox: "allow-scripts allow-same-origin allow-forms", allow: "clipboard-read; clipboard-write" }),
        big ? null : h("span", { class: "badge live", text: "Live" })];
    }
    var shot = screenshot(s);
    if (shot) {
      return [h("img", { src: shot, alt: "Screenshot of " + s.label, loading: "lazy", decoding: "async" }),
        big ? null : h("span", { class: "badge", text: "Screenshot" })];
    }
    if (isTerminal(s)) return h("pre", { class: "term", text: big ? s.terminalPlain || "(no output yet)" : lastLines(s.terminalPlain, 14) || "(no output yet)" });
    var vp = s.viewport ? s.viewport.width + "×" + s.viewport.height : null;
    return h("div", { class: "placeholder" },
      h("span", { class: "glyph", text: (s.kindLabel || s.kind).toUpperCase() }),
      h("span", { class: "sub", text: (s.embed && s.embed.title) || s.label }),
      h("span", { class: "sub", text: [ui(s).route, vp].filter(Boolean).join(" · ") || null }),
      s.codex ? h("span", { class: "sub", text: "Codex " + words(s.codex.state) }) : null);
  }

  function chips(s) {
    var out = [];
    var app = appUrl(s), appSt = appStatus(s);
    if (app || appSt) out.push(h("span", { class: "chip", data: { tone: appSt === "running" ? "complete" : appSt === "blocked" || appSt === "failed" ? "failed" : null }, title: app || null },
      "app ", h("b", { text: words(appSt) || "?" }), app ? " " + app.replace(/^https?:\/\//, "") : null));
    var act = actorStatus(s);
    if (act) out.push(h("span", { class: "chip", data: { tone: statusTone(act) === "queued" ? null : statusTone(act) } }, "actor ", h("b", { text: words(act) })));
    var ui = s.ui || {};
    if (ui.proofSteps) out.push(h("span", { class: "chip", data: { tone: ui.proofStepsPassed === ui.proofSteps ? "complete" : "failed" } },
      "proof ", h("b", { text: ui.proofStepsPassed + "/" + ui.proofSteps }), " steps"));
    if (s.actor) {
      if (s.actor.steps || act === "passed" || act === "failed") out.push(h("span", { class: "chip" }, h("b", { text: s.actor.steps }), " steps"));
      out.push(h("span", { class: "chip", text: money(s.actor.costUsd) }));
      if (s.actor.findings.length) out.push(h("span", { class: "chip", data: { tone: "blocked" } }, h("b", { text: s.actor.findings.length }), s.actor.findings.length === 1 ? " finding" : " findings"));
    }
    var nested = nestedObserver(s);
    if (nested) out.push(h("span", { class: "chip", data: { tone: nested === "present" ? "complete" : "blocked" } }, "observer ", h("b", { text: nested })));
    if (s.artifacts && s.artifacts.length) out.push(h("span", { class: "chip" }, h("b", { text: s.artifacts.length }), " files"));
    return out;
  }

  function tileBody(s) {
    var bar = h("span");
    bar.style.width = Math.max(0, Math.min(100, s.progress || 0)) + "%";
    var tail = isTerminal(s) && !screenshot(s) ? "" : lastLines(logTail(s), 6);
    return [
      h("div", { class: "tile-head" }, h("h3", { class: "tile-label", text: s.label, title: s.label }),
        h("span", { class: "pill", text: s.statusLabel })),
      h("div", { class: "tile-sub" }, h("span", { class: "kind", text: s.kindLabel }), h("span", { class: "mono", text: s.id }),
        h("span", { text: s.transport })),
      h("div", { class: "progress", role: "progressbar", "aria-valuenow": s.progress || 0, "aria-valuemin": 0, "aria-valuemax": 100,
        "aria-label": "Progress" }, bar),
      s.currentStep ? h("p", { class: "step", text: s.currentStep, title: s.currentStep }) : null,
      h("div", { class: "chips" }, chips(s)),
      tail ? h("pre", { class: "tail", text: tail }) : null
    ];
  }

  function buildTile(s) {
    var media = h("div", { class: "media" });
    var body = h("div", { class: "tile-body" });
    var tile = h("article", { class: "tile", tabindex: "0", role: "button", "aria-label": s.label + ", " + s.statusLabel },
      media, body);
    tile.addEventListener("click", function () { openFocus(tile.dataset.id); });
    tile.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openFocus(tile.dataset.id); } });
    updateTile(tile, s);
    return tile;
  }

  // Updates a tile in place; the media element is only replaced when what it shows changed, so a
  // live iframe keeps its parent (and its connection) across polls.
  function updateTile(tile, s) {
    tile.dataset.id = s.id;
    tile.dataset.tone = s.tone;
    tile.dataset.status = s.status;
    tile.dataset.kind = s.kind;
    tile.setAttribute("aria-label", s.label + ", " + s.statusLabel);
    var media = tile.firstChild, key = mediaKey(s);
    if (media.dataset.key !== key) { fill(media, mediaNode(s, false)); media.dataset.key = key; }
    fill(tile.lastChild, tileBody(s));
    tile.dataset.sig = state.sigs[s.id];
  }

  function tileFor(id) {
    var s = state.byId[id];
    var tile = state.tiles[id];
    if (!tile) { tile = buildTile(s); state.tiles[id] = tile; }
    else if (tile.dataset.sig !== state.sigs[id]) updateTile(tile, s);
    return tile;
  }

  function renderGrid() {
    var ids = filtered();
    var pages = Math.max(1, Math.ceil(ids.length / PAGE_SIZE));
    if (state.page >= pages) state.page = pages - 1;
    var pageIds = ids.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
    var grid = $("grid");
    var wanted = pageIds.map(tileFor);
    var current = Array.prototype.slice.call(grid.children);
    var same = current.length === wanted.length && current.every(function (el, i) { return el === wanted[i]; });
    if (!same) {
      if (!wanted.length) {
        fill(grid, h("div", { class: "empty" }, h("p", { text: "No lanes match these filters." }),
          h("button", { class: "btn", type: "button", text: "Clear filters", onclick: clearFilters })));
      } else grid.replaceChildren.apply(grid, wanted);
    }
    Object.keys(state.tiles).forEach(function (id) { if (!state.byId[id]) delete state.tiles[id]; });
    renderPager(ids.length, pages);
  }

  function renderPager(count, pages) {
    var pager = $("pager");
    if (pages <= 1) { fill(pager, count ? h("span", { text: "Showing " + plural(count, "lane") }) : null); return; }
    var from = state.page * PAGE_SIZE + 1, to = Math.min(count, (state.page + 1) * PAGE_SIZE);
    fill(pager,
      h("button", { class: "btn", type: "button", text: "‹ Prev", disabled: state.page === 0, onclick: function () { gotoPage(state.page - 1); } }),
      h("span", { text: "Lanes " + from + "–" + to + " of " + count + " · page " + (state.page + 1) + " of " + pages }),
      h("button", { class: "btn", type: "button", text: "Next ›", disabled: state.page >= pages - 1, onclick: function () { gotoPage(state.page + 1); } }));
  }

  function gotoPage(page) { state.page = page; renderGrid(); window.scrollTo({ top: $("grid").offsetTop - 120 }); }

  function clearFilters() {
    state.filters = { tone: "all", kind: "all", q: "" };
    $("search").value = "";
    state.page = 0;
    renderFilters();
    renderGrid();
  }

  // ---- focus view ----------------------------------------------------------------------------------

  function focusList() {
    var ids = filtered();
    return ids.indexOf(state.focusId) === -1 ? state.order : ids;
  }

  function openFocus(id) { if (state.byId[id]) location.hash = "focus=" + encodeURIComponent(id); }

  function leaveFocus() {
    var id = state.focusId;
    if (history.replaceState) history.replaceState(null, "", location.pathname + location.search);
    else location.hash = "";
    applyHash();
    var index = filtered().indexOf(id);
    if (index !== -1) {
      var page = Math.floor(index / PAGE_SIZE);
      if (page !== state.page) { state.page = page; renderGrid(); }
      var tile = state.tiles[id];
      if (tile) tile.focus({ preventScroll: false });
    }
  }

  function stepFocus(delta) {
    var list = focusList();
    if (!list.length) return;
    var index = list.indexOf(state.focusId);
    var next = list[(index + delta + list.length) % list.length];
    if (history.replaceState) { history.replaceState(null, "", "#focus=" + encodeURIComponent(next)); applyHash(); }
    else openFocus(next);
  }

  function applyHash() {
    var match = /^#focus=(.+)$/.exec(location.hash);
    var id = null;
    try { id = match ? decodeURIComponent(match[1]) : null; } catch (e) { /* a malformed hash opens the grid */ }
    if (id && state.byId[id]) {
      var entering = state.focusId === null;
      state.focusId = id;
      $("focus").hidden = false;
      document.body.style.overflow = "hidden";
      renderFocus(true);
      if (entering) $("focus-back").focus({ preventScroll: true });
    } else {
      state.focusId = null;
      $("focus").hidden = true;
      document.body.style.overflow = "";
    }
  }

  function renderFocus(full) {
    var s = state.byId[state.focusId];
    if (!s) { applyHash(); return; }
    var list = focusList();
    fill($("focus-title"), h("span", { class: "pill", data: { tone: s.tone, status: s.status }, text: s.statusLabel }),
      h("h2", { text: s.label, title: s.label }), h("span", { class: "kind", text: s.kindLabel }));
    $("focus-pos").textContent = (list.indexOf(s.id) + 1) + " / " + list.length;
    renderRail(list, full);
    renderStage(s);
    renderTabs(s);
  }

  function renderRail(list, full) {
    var rail = $("focus-rail");
    var index = list.indexOf(state.focusId);
    var start = Math.max(0, Math.min(index - RAIL_WINDOW / 2, list.length - RAIL_WINDOW));
    var slice = list.slice(start, start + RAIL_WINDOW);
    fill(rail, start > 0 ? h("div", { class: "more", text: start + " earlier lanes" }) : null, slice.map(function (id) {
      var lane = state.byId[id];
      return h("button", { type: "button", data: { tone: lane.tone, status: lane.status, id: id }, "aria-current": String(id === state.focusId),
        onclick: function () { history.replaceState(null, "", "#focus=" + encodeURIComponent(id)); applyHash(); } },
        h("span", { class: "tone-dot" }), h("span", { text: lane.label }));
    }), start + RAIL_WINDOW < list.length ? h("div", { class: "more", text: (list.length - start - RAIL_WINDOW) + " more lanes" }) : null);
    if (full) {
      var current = rail.querySelector('[aria-current="true"]');
      if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
    }
  }

  function renderStage(s) {
    var stage = $("focus-stage");
    var media = stage.querySelector(".stage-media");
    if (!media) { media = h("div", { class: "stage-media" }); fill(stage, media); }
    var key = mediaKey(s) + "|" + s.id;
    if (media.dataset.key !== key) { fill(media, mediaNode(s, true)); media.dataset.key = key; }
    media.dataset.tone = s.tone;
    while (media.nextSibling) stage.removeChild(media.nextSibling);
    var c = completion(s), u = ui(s);
    var facts = [
      ["Status", s.statusLabel + (c.reason ? " — " + c.reason : "")], ["Current step", s.currentStep], ["Progress", (s.progress || 0) + "%"],
      ["App", [words(appStatus(s)), appUrl(s)].filter(Boolean).join(" · ")], ["Actor", words(actorStatus(s))],
      ["Nested Observer", nestedObserver(s) && (nestedObserver(s) + (u.nestedObserverPath ? " · " + u.nestedObserverPath : ""))],
      ["Visual", words(u.visualStatus || c.visualStatus)], ["Route", u.route], ["Intent", u.intent],
      ["Viewport", s.viewport ? s.viewport.width + "×" + s.viewport.height + (s.viewport.isMobile ? " mobile" : "") : null],
      ["Transport", s.transport + (s.live ? " · live" : "")], ["Lane", s.id + " · " + s.simId], ["Updated", when(s.updatedAt)]
    ];
    stage.appendChild(h("dl", { class: "facts" }, facts.filter(function (f) { return f[1]; }).map(function (f) {
      return h("div", null, h("dt", { text: f[0] }), h("dd", { text: f[1] }));
    })));
    if (s.actor) stage.appendChild(actorCard(s.actor));
    if (s.actor && s.actor.explorerFindings && s.actor.explorerFindings.length) stage.appendChild(explorerCard(s.actor.explorerFindings));
    if (s.codex) stage.appendChild(h("div", { class: "card" }, h("h3", { text: "Codex app-server" }),
      h("p", { text: s.codex.contract || "" }), h("span", { class: "chip", text: words(s.codex.state) })));
  }

  function actorCard(a) {
    var tokens = a.tokens ? (a.tokens.input + a.tokens.output) : 0;
    return h("div", { class: "card" },
      h("h3", null, "Actor", h("span", { class: "pill", data: { tone: statusTone(a.status) }, text: words(a.status) }),
        a.verdict ? h("span", { class: "chip", text: "verdict " + a.verdict }) : null),
      h("div", { class: "chips" }, h("span", { class: "chip", text: a.kind + (a.model ? " · " + a.model : "") }),
        h("span", { class: "chip" }, h("b", { text: a.steps }), " steps"), h("span", { class: "chip", text: money(a.costUsd) }),
        tokens ? h("span", { class: "chip", text: tokens.toLocaleString() + " tokens" }) : null,
        a.durationMs ? h("span", { class: "chip", text: Math.round(a.durationMs / 1000) + " s" }) : null),
      a.reason ? h("p", { text: a.reason }) : null,
      a.findings.length ? h("ul", { class: "findings" }, a.findings.map(function (f) {
        return h("li", { data: { severity: f.severity } }, h("div", { text: f.observed }),
          h("small", { text: [f.severity, f.owner === "actor" ? "actor clumsiness" : "product", f.where, f.expected ? "expected: " + f.expected : null].filter(Boolean).join(" · ") }));
      })) : h("p", { class: "hint", text: "No findings reported." }));
  }

  // The keyless explorer's findings, each with the screenshot of where it was seen.
  function explorerCard(findings) {
    var tone = { error: "high", warning: "medium", info: "low" };
    return h("div", { class: "card explorer-findings" }, h("h3", { text: "Explorer findings (" + findings.length + ")" }),
      h("ul", { class: "findings" }, findings.map(function (f) {
        return h("li", { data: { severity: tone[f.severity] || "low" } }, h("div", { text: f.title }),
          h("small", { text: [f.severity, words(f.kind), f.route].join(" · ") }),
          f.screenshot ? h("a", { href: f.screenshot, target: "_blank", rel: "noopener" },
            h("img", { src: f.screenshot, alt: "Screenshot: " + f.title, loading: "lazy" })) : null);
      })));
  }

  function logSections(s) {
    var c = completion(s);
    return [["Terminal" + (s.terminal && s.terminal.title ? " — " + s.terminal.title : ""), s.terminalPlain],
      ["Completion log", c.logTail], ["Actor last message", c.actorLastMessageTail || (s.actor && s.actor.lastMessageTail)],
      ["Actor log", c.actorLogTail]].filter(function (x) { return x[1]; });
  }

  function renderTabs(s) {
    var counts = { events: (s.timeline || []).length, files: (s.artifacts || []).length,
      logs: logSections(s).reduce(function (n, x) { return n + countLines(x[1]); }, 0) };
    Array.prototype.forEach.call($("focus-tabs").children, function (tab) {
      var name = tab.dataset.tab;
      tab.setAttribute("aria-selected", String(name === state.tab));
      tab.lastChild.textContent = counts[name];
    });
    var body = $("focus-tab-body");
    if (state.tab === "events") {
      var items = (s.timeline || []).slice().reverse();
      fill(body, items.length ? h("ol", { class: "timeline" }, timelineItems(items)) : h("p", { class: "hint", text: "No events for this lane yet." }));
    } else if (state.tab === "files") renderFiles(body, s);
    else {
      var sections = logSections(s);
      fill(body, sections.length ? h("div", { class: "logs" }, sections.map(function (x) {
        return [h("h4", { text: x[0] }), h("pre", { text: x[1] })];
      })) : h("p", { class: "hint", text: "No log output for this lane." }));
    }
  }

  function timelineItems(events) {
    return events.map(function (e) {
      return h("li", null, h("time", { datetime: e.at, text: clock(e.at) }), h("span", { class: "lvl", data: { level: e.level } }),
        h("div", null, h("span", { class: "type", text: e.type }), h("span", { text: e.message })));
    });
  }

  // ---- Files tab --------------------------------------------------------------------------------------

  function renderFiles(body, s) {
    var artifacts = s.artifacts || [];
    if (!artifacts.length) { fill(body, h("p", { class: "hint", text: "No files recorded for this lane." })); return; }
    var inspect = h("div", { class: "inspect" });
    fill(body, h("ul", { class: "files" }, artifacts.map(function (a) {
      var href = "../" + a.path;
      return h("li", null, h("span", { class: "kind", text: a.kind }),
        h("span", { class: "name" }, h("span", { text: a.label }), h("small", { text: a.path })),
        MODE === "export" ? h("span", { class: "chip", text: inlined(a.path) ? "inlined" : "not in export" })
          : h("a", { class: "btn", href: href, target: "_blank", rel: "noopener", text: "open" }));
    })), inspect);
    artifacts.filter(function (a) { return a.kind === "filesystem"; }).forEach(function (a) {
      var holder = h("div", { class: "inspect-item", data: { path: a.path } });
      inspect.appendChild(holder);
      hydrate(holder, a);
    });
  }

  function inlined(path) { return state.data.inlineArtifacts && Object.prototype.hasOwnProperty.call(state.data.inlineArtifacts, path); }

  function hydrate(holder, a) {
    if (inlined(a.path)) { showArtifact(holder, a, state.data.inlineArtifacts[a.path]); return; }
    if (!SERVED) {
      fill(holder, h("p", { class: "hint" }, "Static file view cannot hydrate artifacts inline. Open the artifact link directly. ",
        MODE === "export" ? null : h("a", { href: "../" + a.path, target: "_blank", rel: "noopener", text: a.label })));
      return;
    }
    fill(holder, h("p", { class: "hint", text: "Loading " + a.path + "…" }));
    fetch("../" + a.path.split("/").map(encodeURIComponent).join("/"), { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (text) {
        var parsed = null;
        try { parsed = JSON.parse(text); } catch (e) { parsed = null; }
        if (holder.isConnected) showArtifact(holder, a, parsed !== null ? parsed : text);
      })
      .catch(function (err) { if (holder.isConnected) fill(holder, h("p", { class: "hint", text: "Could not load " + a.path + ": " + err.message })); });
  }

  function showArtifact(holder, a, content) {
    if (content && typeof content === "object" && content.schema === SETUP_QUALITY) fill(holder, setupQuality(content, a.path));
    else fill(holder, h("pre", { class: "raw", text: typeof content === "string" ? content.slice(0, 20000) : JSON.stringify(content, null, 2).slice(0, 20000) }));
  }

  function presence(value) { return value ? "present" : "missing"; }

  function checkList(checks) {
    return h("ul", { class: "checks" }, checks.map(function (c) {
      return h("li", null, h("span", { class: c.ok ? "ok" : "no", text: c.ok ? "✓" : "✗" }),
        h("div", null, h("span", { text: c.label || c.id }), c.detail ? h("small", { text: c.detail }) : null));
    }));
  }

  function setupQuality(sq, path) {
    var checks = sq.checks || [], ok = checks.filter(function (c) { return c.ok; }).length;
    var facts = sq.mimetic || {};
    var tone = sq.status === "passed" ? "complete" : sq.status === "blocked" ? "failed" : "blocked";
    var scripts = Object.keys(sq.packageScripts || {});
    var tree = sq.tree || [], previews = sq.previews || [];
    var study = sq.studyQuality;
    return h("section", { class: "sq", "aria-label": "Setup quality" },
      h("div", { class: "card" },
        h("h3", null, "Setup quality", h("span", { class: "pill", data: { tone: tone }, text: words(sq.status) })),
        h("p", { text: sq.summary }), h("div", { class: "path", text: path })),
      h("div", { class: "chips" },
        h("span", { class: "chip" }, h("b", { text: facts.personaCount || 0 }), " personas"),
        h("span", { class: "chip" }, h("b", { text: facts.scenarioCount || 0 }), " scenarios"),
        h("span", { class: "chip", data: { tone: facts.configPresent ? "complete" : "failed" }, text: "config " + presence(facts.configPresent) }),
        h("span", { class: "chip", data: { tone: facts.gitignoreContainsRuntimeIgnore ? "complete" : "failed" }, text: "runtime ignore " + presence(facts.gitignoreContainsRuntimeIgnore) }),
        h("span", { class: "chip", data: { tone: facts.packageScriptPresent ? "complete" : "blocked" }, text: "package script " + presence(facts.packageScriptPresent) })),
      h("div", null, h("h4", { text: "Checks " + ok + "/" + checks.length }), checkList(checks)),
      study ? h("div", { class: "card" }, h("h3", null, "Study quality",
        h("span", { class: "pill", data: { tone: study.rating === "high_leverage" || study.rating === "useful" ? "complete" : "blocked" }, text: words(study.rating) })),
        h("p", { text: study.summary }), checkList(study.checks || [])) : null,
      scripts.length ? h("div", null, h("h4", { text: "Package scripts (" + scripts.length + ")" }),
        h("dl", { class: "kv" }, scripts.slice(0, 18).map(function (name) { return [h("dt", { text: name }), h("dd", { text: sq.packageScripts[name] })]; }))) : null,
      tree.length ? h("div", null, h("h4", { text: "Tree (" + tree.length + (tree.length > 160 ? ", first 160" : "") + ")" }),
        h("ul", { class: "tree" }, tree.slice(0, 160).map(function (t) {
          var depth = String(t.path).split("/").length - 1;
          var row = h("li", null, h("span", { text: (t.type === "directory" ? "▸ " : "  ") + String(t.path).split("/").pop() + (t.type === "directory" ? "/" : "") }),
            h("span", { text: t.sizeBytes != null ? t.sizeBytes.toLocaleString() + " B" : "" }));
          row.firstChild.style.paddingLeft = (depth * 12) + "px";
          row.title = t.path;
          return row;
        }))) : null,
      h("div", null, h("h4", { text: "Previews (" + previews.length + ")" }), previews.length ? previews.map(function (p) {
        return h("div", { class: "preview" }, h("header", null, h("span", { text: p.path }), h("span", { class: "chip", text: p.language }),
          p.truncated ? h("span", { class: "chip", data: { tone: "blocked" }, text: "truncated" }) : null), h("pre", { text: p.text }));
      }) : h("p", { class: "hint", text: "No raw file previews persisted for this run." + (sq.redaction && sq.redaction.rawPreviews === "suppressed" ? " (suppressed: " + (sq.redaction.notes || "private run") + ")" : "") })));
  }

  // ---- history drawer -------------------------------------------------------------------------------

  function loadHistory() {
    fetch("/_mimetic/history.json", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (hist) {
      fill($("history-list"), (hist.runs || []).map(function (run) {
        var tone = VERDICT_TONES[run.status] || "queued";
        return h("li", null, h("a", { href: run.href, data: { tone: tone }, "aria-current": run.runId === state.data.run.runId ? "page" : null },
          h("div", { class: "rid", text: run.runId }),
          h("div", { class: "sub" }, h("span", { class: "pill", text: VERDICT_LABELS[run.status] || run.status || "unknown" }),
            h("span", { text: run.mode || "" }), h("span", { text: plural(run.streamCount || 0, "lane") }), h("span", { text: when(run.createdAt) }))));
      }));
    }).catch(function () { fill($("history-list"), h("li", { class: "hint", text: "History is unavailable." })); });
  }

  function toggleHistory(open) {
    var drawer = $("history");
    drawer.hidden = !open;
    clearInterval(state.historyTimer);
    if (open) { loadHistory(); state.historyTimer = setInterval(loadHistory, HISTORY_MS); $("history-close").focus(); }
  }

  // ---- polling ---------------------------------------------------------------------------------------

  function setLive(stateName, text) {
    var live = $("live");
    live.dataset.state = stateName;
    $("live-label").textContent = text;
  }

  function applyUpdate(data) {
    var delta = setData(data);
    if (delta.headerChanged) renderHeader();
    renderMediaToggle();
    if (delta.changed.length || delta.headerChanged) renderGrid();
    if (state.focusId && (delta.changed.indexOf(state.focusId) !== -1 || !state.byId[state.focusId])) renderFocus(false);
    if (state.focusId) { var list = focusList(); $("focus-pos").textContent = (list.indexOf(state.focusId) + 1) + " / " + list.length; }
    return delta;
  }

  // A served page names the data it holds (`cursor`): the server answers with only the lanes and
  // events changed since (`partial`), merged here into what the page already has.
  function merged(data) {
    if (!data.partial || !state.data) return data;
    var byId = {};
    data.streams.forEach(function (s) { byId[s.id] = s; });
    var streams = state.data.streams.map(function (s) { var next = byId[s.id]; delete byId[s.id]; return next || s; });
    Object.keys(byId).forEach(function (id) { streams.push(byId[id]); });
    var events = (state.data.events || []).concat(data.events || []).slice(-400);
    return Object.assign({}, data, { streams: streams, events: events, partial: false });
  }

  function poll() {
    var since = state.data && state.data.cursor != null ? "?since=" + encodeURIComponent(state.data.cursor) : "";
    fetch("observer-data.json" + since, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) { applyUpdate(merged(data)); setLive("ok", "Live · " + clock(new Date().toISOString())); })
      .catch(function () { setLive("error", "Reconnecting…"); })
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  function renderMediaToggle() {
    var anyLive = state.order.some(function (id) { return !!liveUrl(state.byId[id]); });
    $("media-toggle").hidden = !anyLive;
    Array.prototype.forEach.call($("media-toggle").children, function (b) { b.setAttribute("aria-pressed", String(b.dataset.media === state.media)); });
  }

  // ---- wiring -----------------------------------------------------------------------------------------

  function bind() {
    $("search").addEventListener("input", function (ev) { state.filters.q = ev.target.value; state.page = 0; renderGrid(); });
    $("tone-filter").addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b) return;
      state.filters.tone = b.dataset.filter; state.page = 0; renderFilters(); renderGrid();
    });
    $("kind-filter").addEventListener("change", function (ev) { state.filters.kind = ev.target.value; state.page = 0; renderGrid(); });
    $("focus-back").addEventListener("click", leaveFocus);
    $("focus-prev").addEventListener("click", function () { stepFocus(-1); });
    $("focus-next").addEventListener("click", function () { stepFocus(1); });
    $("focus-tabs").addEventListener("click", function (ev) {
      var tab = ev.target.closest("[data-tab]");
      if (!tab) return;
      state.tab = tab.dataset.tab; renderTabs(state.byId[state.focusId]);
    });
    $("history-btn").addEventListener("click", function () { toggleHistory($("history").hidden); });
    $("history-close").addEventListener("click", function () { toggleHistory(false); });
    $("theme-btn").addEventListener("click", function () {
      var next = document.documentElement.dataset.theme === "light" ? "dark" : "light";
      document.documentElement.dataset.theme = next; storage("mimetic-observer-theme", next);
    });
    $("media-toggle").addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-media]");
      if (!b) return;
      state.media = b.dataset.media; renderMediaToggle(); renderGrid();
      Object.keys(state.tiles).forEach(function (id) { updateTile(state.tiles[id], state.byId[id]); });
      if (state.focusId) renderFocus(false);
    });
    window.addEventListener("hashchange", applyHash);
    document.addEventListener("keydown", function (ev) {
      var typing = ev.target && (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT" || ev.target.tagName === "TEXTAREA");
      if (ev.key === "Escape") {
        if (!$("history").hidden) { toggleHistory(false); return; }
        if (state.focusId) { ev.preventDefault(); leaveFocus(); return; }
        if (typing && ev.target.id === "search") { ev.target.value = ""; state.filters.q = ""; renderGrid(); ev.target.blur(); }
        return;
      }
      if (typing || ev.metaKey || ev.ctrlKey || ev.altKey) return;
      if (state.focusId && (ev.key === "ArrowRight" || ev.key === "ArrowDown")) { ev.preventDefault(); stepFocus(1); }
      else if (state.focusId && (ev.key === "ArrowLeft" || ev.key === "ArrowUp")) { ev.preventDefault(); stepFocus(-1); }
      else if (!state.focusId && ev.key === "/") { ev.preventDefault(); $("search").focus(); }
    });
  }

  function start() {
    var theme = storage("mimetic-observer-theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
    var data = readEmbedded();
    if (!data) { fill($("grid"), h("div", { class: "empty", text: "Observer data could not be read." })); return; }
    bind();
    setData(data);
    renderHeader();
    renderMediaToggle();
    renderGrid();
    applyHash();
    $("history-btn").hidden = !SERVED;
    if (SERVED) { setLive("ok", "Live"); setTimeout(poll, POLL_MS); }
    else setLive("static", MODE === "export" ? "Exported snapshot" : "Static snapshot");
    document.body.dataset.ready = "true";
  }

  start();
})();
