/* 0.1.5's display settings (accent, density, status style, motion), run-details popover, run console
   (backtick or ~) and collapsible lane rail. Preferences persist in localStorage under mimetic-observer:<key>.
   Runs before observer.js and follows the data it renders through the "mimetic:data" event. */
(function () {
  "use strict";

  var ACCENTS = ["#4d7cfe", "#7c5cff", "#34d399", "#f0a92b", "#fb5d52"];
  var CHOICES = { density: ["comfortable", "compact", "dense"], statusStyle: ["badges", "bar", "ring"], motion: ["full", "reduced"] };
  var ATTRS = { density: "data-density", statusStyle: "data-status-style", motion: "data-motion" };
  var root = document.documentElement;
  var data = null;

  function $(id) { return document.getElementById(id); }

  function pref(key, value) {
    try {
      if (value === undefined) { var raw = window.localStorage.getItem("mimetic-observer:" + key); return raw == null ? null : JSON.parse(raw); }
      window.localStorage.setItem("mimetic-observer:" + key, JSON.stringify(value));
    } catch (e) { /* storage unavailable (some file:// profiles): the choice lasts for this page only */ }
    return null;
  }

  function button(text, attrs, onclick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn";
    if (text) b.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { b.setAttribute(k, attrs[k]); });
    if (onclick) b.addEventListener("click", onclick);
    return b;
  }

  // ---- display settings ------------------------------------------------------------------------

  function inkFor(hex) {  // readable text on the accent: dark on light accents, white on dark ones
    var n = parseInt(hex.slice(1), 16), r = (n >> 16) & 255, g = (n >> 8) & 255, b = n & 255;
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.55 ? "#0b0d12" : "#ffffff";
  }

  function applyAccent(hex) {
    if (ACCENTS.indexOf(hex) === -1) { root.style.removeProperty("--accent"); root.style.removeProperty("--accent-ink"); return; }
    root.style.setProperty("--accent", hex);
    root.style.setProperty("--accent-ink", inkFor(hex));
  }

  function applyAll() {
    Object.keys(CHOICES).forEach(function (key) {
      var value = pref(key);
      root.setAttribute(ATTRS[key], CHOICES[key].indexOf(value) === -1 ? CHOICES[key][0] : value);
    });
    applyAccent(pref("accent"));
  }

  function renderSettings() {
    var swatches = $("accent-swatches");
    swatches.textContent = "";
    ACCENTS.forEach(function (hex) {
      var b = button("", { class: "swatch", "aria-label": "Accent " + hex, title: hex, "aria-pressed": String(pref("accent") === hex), "data-accent": hex },
        function () { pref("accent", hex); applyAccent(hex); renderSettings(); });
      b.className = "swatch";
      b.style.background = hex;
      swatches.appendChild(b);
    });
    Array.prototype.forEach.call(document.querySelectorAll("#display-settings [data-pref]"), function (seg) {
      var key = seg.getAttribute("data-pref");
      var current = root.getAttribute(ATTRS[key]);
      seg.textContent = "";
      CHOICES[key].forEach(function (value) {
        seg.appendChild(button(value, { "aria-pressed": String(value === current), "data-value": value },
          function () { pref(key, value); root.setAttribute(ATTRS[key], value); renderSettings(); }));
      });
    });
  }

  // ---- popovers ----------------------------------------------------------------------------------

  function toggle(id, open) {
    var node = $(id);
    var show = open === undefined ? node.hidden : open;
    ["run-details", "display-settings"].forEach(function (other) { if (other !== id) setOpen(other, false); });
    setOpen(id, show);
    if (show && id === "display-settings") renderSettings();
    if (show && id === "run-details") renderDetails();
  }

  function setOpen(id, open) {
    $(id).hidden = !open;
    var opener = document.querySelector('[aria-controls="' + id + '"]');
    if (opener) opener.setAttribute("aria-expanded", String(open));
  }

  function renderDetails() {
    var rows = $("run-details-rows");
    rows.textContent = "";
    var run = (data && data.run) || {};
    [["Run id", run.runId], ["Started", run.createdAt], ["Mode", run.mode], ["Lanes", run.simCount],
      ["Verdict", run.status], ["Package", run.packageName || "(none)"], ["Lab", run.lab ? run.lab.id : null],
      ["Evidence", "local-only files under .mimetic/runs/"]].forEach(function (row) {
      if (row[1] === null || row[1] === undefined) return;
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = row[0]; dd.textContent = String(row[1]);
      rows.appendChild(dt); rows.appendChild(dd);
    });
  }

  // ---- run console -------------------------------------------------------------------------------

  function consoleOpen() { return !$("run-console").hidden; }

  function toggleConsole(open) {
    var show = open === undefined ? !consoleOpen() : open;
    $("run-console").hidden = !show;
    if (show) renderConsole();
  }

  function renderConsole() {
    if (!consoleOpen()) return;
    var body = $("console-body");
    var atEnd = body.scrollTop + body.clientHeight >= body.scrollHeight - 4;
    var events = (data && data.events) || [];
    body.textContent = "";
    events.forEach(function (ev) {
      var li = document.createElement("li"), t = document.createElement("span"), m = document.createElement("span");
      li.setAttribute("data-level", ev.level || "info");
      t.className = "t"; t.textContent = String(ev.at || "").replace(/^.*T/, "").replace(/Z$/, "");
      m.className = "m"; m.textContent = (ev.type || "") + "  " + (ev.message || "");
      li.appendChild(t); li.appendChild(m);
      body.appendChild(li);
    });
    $("console-meta").textContent = events.length + " event" + (events.length === 1 ? "" : "s") + " · mimetic watch";
    if (atEnd) body.scrollTop = body.scrollHeight;
  }

  // ---- lane rail -----------------------------------------------------------------------------------

  function setRail(collapsed) {
    $("focus").setAttribute("data-rail", collapsed ? "collapsed" : "open");
    var b = $("rail-toggle");
    b.setAttribute("aria-expanded", String(!collapsed));
    b.textContent = collapsed ? "Show lanes" : "Hide lanes";
    pref("railCollapsed", collapsed);
  }

  // ---- wiring -------------------------------------------------------------------------------------

  function wire() {
    var actions = document.querySelector(".top-actions");
    actions.insertBefore(button("Details", { id: "details-btn", "aria-controls": "run-details", "aria-expanded": "false",
      title: "Run details" }, function (ev) { ev.stopPropagation(); toggle("run-details"); }), actions.firstChild);
    actions.appendChild(button("Console", { id: "console-btn", "aria-controls": "run-console", title: "Run console (` or ~)" },
      function () { toggleConsole(); }));
    actions.appendChild(button("Display", { id: "display-btn", "aria-controls": "display-settings", "aria-expanded": "false",
      title: "Display settings" }, function (ev) { ev.stopPropagation(); toggle("display-settings"); }));
    var back = $("focus-back");
    back.parentNode.insertBefore(button("Hide lanes", { id: "rail-toggle", "aria-controls": "focus-rail" },
      function () { setRail($("focus").getAttribute("data-rail") !== "collapsed"); }), back.nextSibling);
    setRail(pref("railCollapsed") === true);
    $("console-close").addEventListener("click", function () { toggleConsole(false); });
    document.addEventListener("click", function (ev) {  // a click outside closes an open popover
      var path = ev.composedPath();  // fixed at dispatch: a choice that redrew its own buttons is still inside
      ["run-details", "display-settings"].forEach(function (id) {
        if (!$(id).hidden && path.indexOf($(id)) === -1) setOpen(id, false);
      });
    });
    document.addEventListener("keydown", function (ev) {
      var t = ev.target, typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
      if (ev.key === "Escape") {  // the innermost open layer closes first; the grid's own Escape waits
        var open = ["display-settings", "run-details"].filter(function (id) { return !$(id).hidden; });
        if (open.length) { setOpen(open[0], false); ev.stopImmediatePropagation(); return; }
        if (consoleOpen()) { toggleConsole(false); ev.stopImmediatePropagation(); }
        return;
      }
      if (typing || ev.metaKey || ev.ctrlKey || ev.altKey) return;
      if (ev.key === "`" || ev.key === "~") { ev.preventDefault(); toggleConsole(); }
    });
    document.addEventListener("mimetic:data", function (ev) {
      data = ev.detail;
      renderConsole();
      if (!$("run-details").hidden) renderDetails();
    });
  }

  applyAll();
  wire();
})();
