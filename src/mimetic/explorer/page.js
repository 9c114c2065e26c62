// What the explorer reads from a page. Evaluated fresh each call (nothing is left in the app's globals).
({
  // A stable CSS path: a unique id, else tag:nth-of-type steps up to the nearest element with a unique id.
  path(el) {
    const unique = (node) => node.id && document.querySelectorAll("#" + CSS.escape(node.id)).length === 1;
    const parts = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      if (unique(node)) { parts.unshift("#" + CSS.escape(node.id)); break; }
      if (node === document.documentElement) { parts.unshift("html"); break; }
      let index = 1;
      for (let sib = node.previousElementSibling; sib; sib = sib.previousElementSibling) if (sib.tagName === node.tagName) index++;
      parts.unshift(node.tagName.toLowerCase() + ":nth-of-type(" + index + ")");
    }
    return parts.join(" > ");
  },
  visible(el) {
    const rect = el.getBoundingClientRect();
    if (rect.width <= 0 || rect.height <= 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none" && Number(style.opacity) > 0;
  },
  name(el) {
    const clip = (text) => (text || "").replace(/\s+/g, " ").trim().slice(0, 80);
    const by = el.getAttribute("aria-labelledby");
    const labelled = by && by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean).map((n) => n.textContent).join(" ");
    const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
    const img = el.querySelector && el.querySelector("img[alt]");
    return clip(el.getAttribute("aria-label")) || clip(labelled) || clip(label) || clip(el.innerText)
      || clip(el.getAttribute("title")) || clip(el.getAttribute("placeholder"))
      || clip(el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type) ? el.value : "")
      || clip(img && img.alt) || "";
  },
  role(el) {
    const explicit = (el.getAttribute("role") || "").split(/\s+/)[0];
    if (explicit) return explicit;
    const tag = el.tagName;
    if (tag === "A") return "link";
    if (tag === "BUTTON" || tag === "SUMMARY") return "button";
    if (tag === "SELECT") return "combobox";
    if (tag === "TEXTAREA") return "textbox";
    if (tag === "INPUT") {
      if (["submit", "button", "reset", "image"].includes(el.type)) return "button";
      if (el.type === "checkbox" || el.type === "radio") return el.type;
      return "textbox";
    }
    return "clickable";
  },
  // Visible, enabled controls in document order: native ones, ARIA widgets, and elements that only a
  // pointer can use (an onclick or a pointer cursor on something not focusable).
  controls() {
    const native = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], '
      + '[role=checkbox], [role=switch], [role=tab], [role=menuitem], [role=radio], [onclick], [tabindex]';
    const seen = new Set(document.querySelectorAll(native));
    const found = [];
    const all = document.body ? document.body.querySelectorAll("*") : [];
    for (let i = 0; i < all.length && i < 5000; i++) {
      const el = all[i];
      let pointerOnly = false;
      if (!seen.has(el)) {
        if (el.closest("a[href], button, label, select, textarea, summary, [role=button], [role=link], [onclick]")) continue;
        const style = getComputedStyle(el);
        const parent = el.parentElement && getComputedStyle(el.parentElement);
        if (style.cursor !== "pointer" || (parent && parent.cursor === "pointer")) continue;
        pointerOnly = true;
      }
      if (!this.visible(el)) continue;
      if (el.disabled || el.getAttribute("aria-disabled") === "true" || el.closest("[inert]")) continue;
      const rect = el.getBoundingClientRect();
      const form = el.form || el.closest("form");
      found.push({
        key: this.path(el), role: pointerOnly ? "clickable" : this.role(el), name: this.name(el), tag: el.tagName.toLowerCase(),
        type: el.tagName === "INPUT" ? el.type : el.tagName === "BUTTON" ? (el.getAttribute("type") || "submit") : "",
        href: el.tagName === "A" ? el.href : "", target: el.getAttribute("target") || "",
        form: form ? this.path(form) : "", required: !!(el.required || el.getAttribute("aria-required") === "true"),
        tabbable: el.tabIndex >= 0 && !pointerOnly, inText: this.inText(el),
        width: Math.round(rect.width), height: Math.round(rect.height),
        options: el.tagName === "SELECT" ? Array.from(el.options).filter((o) => !o.disabled).map((o) => o.value) : [],
      });
    }
    return found;
  },
  // A link inside a sentence is exempt from the target-size minimum (WCAG 2.5.8).
  inText(el) {
    if (getComputedStyle(el).display !== "inline" || !el.parentElement) return false;
    return (el.parentElement.textContent || "").trim().length > (el.textContent || "").trim().length + 20;
  },
  focusKey() {
    const el = document.activeElement;
    return el && el !== document.body && el !== document.documentElement ? this.path(el) : null;
  },
  // What changes when a control works: the DOM (values included), the URL, or the scroll position.
  digest() {
    const values = Array.from(document.querySelectorAll("input, select, textarea"))
      .map((el) => (el.type === "checkbox" || el.type === "radio") ? String(el.checked) : el.value).join("\u0001");
    const text = (document.body ? document.body.innerHTML : "") + "\u0002" + values + "\u0002" + scrollX + "," + scrollY;
    let hash = 2166136261;  // FNV-1a: only the hash crosses to Python, not the whole document
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
    return text.length + ":" + (hash >>> 0).toString(16);
  },
  // Feedback a person would see after submitting a form: an alert, an invalid field, a validation message.
  feedback(formKey) {
    if (document.querySelector("[role=alert], [aria-invalid=true], [role=status]:not(:empty)")) return true;
    const form = formKey ? document.querySelector(formKey) : null;
    if (form && !form.noValidate && !form.checkValidity()) return true;
    return false;
  },
  overflow() {
    const root = document.documentElement;
    return Math.max(root.scrollWidth, document.body ? document.body.scrollWidth : 0) - root.clientWidth;
  },
  // Resolves once the DOM has been quiet for `quiet` ms (true), or after `cap` ms (false).
  settle(args) {
    return new Promise((resolve) => {
      let timer;
      const done = (value) => { observer.disconnect(); clearTimeout(timer); clearTimeout(cap); resolve(value); };
      const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(() => done(true), args.quiet); });
      observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
      timer = setTimeout(() => done(true), args.quiet);
      const cap = setTimeout(() => done(false), args.cap);
    });
  },
})
