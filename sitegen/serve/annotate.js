(() => {
  "use strict";
  // sitegen serve --annotate: select a passage of the article, write the claim.
  // The page sends offsets into sitegen's plain text of one paragraph (or the
  // title); the server takes the quote from its own text (sitegen/serve/annotate.py).
  const data = JSON.parse(document.getElementById("sitegen-annotate").textContent);
  const T = {
    en: {
      newClaim: "New claim", newEntity: "New entity", addAlias: "Add alias",
      claimTitle: "New claim", entityTitle: "New entity", aliasTitle: "Add an alias",
      quote: "Quote (from the article)", id: "Claim id", claim: "Claim (as reviewed)",
      claimant: "Claimant (entity id)", createClaimant: "New entity for the claimant",
      name: "Name", type: "Type", attribution: "Attribution",
      actual: "Actual claimant (entity id, if known)", appearance: "Where the claim was made (optional)",
      url: "URL", title: "Title", date: "Date", publisher: "Publisher",
      about: "About (entity ids, separated by commas)", rating: "Rating", reviewed: "Reviewed on",
      review: "Review (Markdown; cite sources as [1], [2])", sources: "Sources",
      source: "Source", addSource: "Add a source", save: "Save", cancel: "Cancel",
      entity: "Entity (id)", alias: "Alias", entityId: "Entity id",
      saved: "Saved in {path}, line {line}. The page reloads…",
      keep: "Reload the page, keeping this form",
      oneBlock: "Select a passage inside one paragraph (or the title).",
      toolbar: "Annotate the selection", failed: "Not saved",
      keys: "Alt+Shift+A: annotate the selection",
    },
    de: {
      newClaim: "Neue Behauptung", newEntity: "Neue Entität", addAlias: "Alias hinzufügen",
      claimTitle: "Neue Behauptung", entityTitle: "Neue Entität", aliasTitle: "Alias hinzufügen",
      quote: "Zitat (aus dem Artikel)", id: "Kennung der Behauptung", claim: "Behauptung (wie geprüft)",
      claimant: "Urheber (Kennung der Entität)", createClaimant: "Neue Entität für den Urheber",
      name: "Name", type: "Art", attribution: "Zuschreibung",
      actual: "Tatsächlicher Urheber (Kennung, falls bekannt)", appearance: "Wo die Behauptung fiel (optional)",
      url: "URL", title: "Titel", date: "Datum", publisher: "Herausgeber",
      about: "Betrifft (Kennungen, durch Kommas getrennt)", rating: "Bewertung", reviewed: "Geprüft am",
      review: "Prüfung (Markdown; Quellen als [1], [2] zitieren)", sources: "Quellen",
      source: "Quelle", addSource: "Quelle hinzufügen", save: "Speichern", cancel: "Abbrechen",
      entity: "Entität (Kennung)", alias: "Alias", entityId: "Kennung der Entität",
      saved: "Gespeichert in {path}, Zeile {line}. Die Seite lädt neu…",
      keep: "Seite neu laden, Formular behalten",
      oneBlock: "Wählen Sie eine Stelle innerhalb eines Absatzes (oder des Titels).",
      toolbar: "Auswahl annotieren", failed: "Nicht gespeichert",
      keys: "Alt+Umschalt+A: Auswahl annotieren",
    },
  };
  const t = T[(data.lang || "en").split("-")[0]] || T.en;
  const entities = new Map(data.entities.map(([id, name, type, sha]) => [id, { name, type, sha }]));
  const SKIP = "sup.note-ref, .passage-start, [data-sitegen-ui], script, style";
  const norm = (s) => s.normalize("NFC");

  // -- the plain text of an element, and where a DOM point falls in it ----------
  function walk(el, points) {
    // collapses whitespace like sitegen's plain text; returns the text and, for
    // each [node, offset] of `points`, its index in the text
    let out = "", pending = false;
    const found = points.map(() => -1);
    const mark = (node, offset) => points.forEach(([n, o], i) => {
      if (found[i] < 0 && n === node && o === offset) found[i] = out.length + (pending ? 1 : 0);
    });
    const visit = (node) => {
      if (node.nodeType === Node.ELEMENT_NODE) {
        if (node.matches(SKIP)) {
          points.forEach(([n], i) => { if (found[i] < 0 && node.contains(n)) found[i] = out.length; });
          return;
        }
        if (node.tagName === "BR") { pending = out.length > 0; }
        node.childNodes.forEach((child, i) => { mark(node, i); visit(child); });
        mark(node, node.childNodes.length);
        return;
      }
      if (node.nodeType !== Node.TEXT_NODE) return;
      const text = node.data;
      for (let i = 0; i < text.length; i++) {
        mark(node, i);
        const ch = text[i];
        if (/\s/.test(ch)) { pending = out.length > 0; continue; }
        if (pending) { out += " "; pending = false; }
        out += ch;
      }
      mark(node, text.length);
    };
    visit(el);
    return { text: norm(out), at: found };
  }

  const body = document.querySelector(".article-body");
  const heading = document.querySelector(".article-header h1");
  const blockOf = new Map();  // element → index of its block in data.blocks
  if (body) {
    let k = 0;  // blocks come in document order; an element that is none is skipped
    body.querySelectorAll("p, h1, h2, h3, h4, h5, h6, li, td, th, dt, dd").forEach((el) => {
      if (el.closest(SKIP)) return;
      const j = data.blocks.indexOf(walk(el, []).text, k);
      if (j >= 0) { blockOf.set(el, j); k = j + 1; }
    });
  }

  function container(node) {
    for (let el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement; el;
         el = el.parentElement) {
      if (blockOf.has(el)) return { el, part: "body", block: blockOf.get(el) };
      if (el === heading) return { el, part: "title", block: null };
    }
    return null;
  }

  function selected() {
    // the selection as {part, block, start, end, text}, or null (or "split")
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const from = container(range.startContainer), to = container(range.endContainer);
    if (!from && !to) return null;
    if (!from || !to || from.el !== to.el) return "split";
    const w = walk(from.el, [[range.startContainer, range.startOffset],
                             [range.endContainer, range.endOffset]]);
    let [start, end] = w.at;
    if (start < 0 || end < 0 || end <= start) return null;
    end = Math.min(end, w.text.length);
    const text = w.text.slice(start, end).trim();
    if (!text) return null;
    return { part: from.part, block: from.block, start, end, text };
  }

  // -- UI helpers -------------------------------------------------------------------
  const h = (tag, attrs = {}, ...children) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === false || v == null) continue;
      if (k === "text") el.textContent = v; else el.setAttribute(k, v === true ? "" : v);
    }
    children.forEach((c) => el.append(c));
    return el;
  };
  let uid = 0;
  const field = (label, input) => {
    const id = `sitegen-a-${++uid}`;
    input.id = id;
    return h("p", { class: "sg-field" }, h("label", { for: id, text: label }), input);
  };
  const select = (name, options, value) => {
    const el = h("select", { name });
    options.forEach(([v, label]) => el.append(h("option", { value: v, text: label, selected: v === value })));
    return el;
  };
  const slug = (s) => s.normalize("NFC").replace(/[äöüÄÖÜß]/g, (c) => ({
    ä: "ae", ö: "oe", ü: "ue", Ä: "Ae", Ö: "Oe", Ü: "Ue", ß: "ss" })[c])
    .normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");

  const style = h("style", { "data-sitegen-ui": true, text: `
    .sg-bar{position:absolute;z-index:2147483646;display:flex;gap:4px;padding:4px;background:#1d2533;
      border-radius:6px;box-shadow:0 2px 10px rgba(0,0,0,.3)}
    .sg-bar button{font:14px/1.2 system-ui,sans-serif;padding:6px 10px;border:0;border-radius:4px;
      background:#fff;color:#111;cursor:pointer}
    .sg-bar button:focus-visible{outline:3px solid #ffbf47;outline-offset:1px}
    dialog.sg-dialog{max-width:42rem;width:calc(100% - 2rem);max-height:90vh;overflow:auto;
      font:15px/1.45 system-ui,sans-serif;color:#111;background:#fff;border:1px solid #888;border-radius:8px}
    dialog.sg-dialog h2{margin:0 0 .5rem;font-size:1.2rem}
    .sg-field{margin:.5rem 0;display:flex;flex-direction:column;gap:2px}
    .sg-field input,.sg-field select,.sg-field textarea{font:inherit;padding:4px 6px;border:1px solid #666;
      border-radius:4px;color:#111;background:#fff}
    .sg-quote{margin:0 0 .5rem;padding:.4rem .6rem;border-left:4px solid #e0a000;background:#fff8e1}
    .sg-error{color:#8a1c12;background:#fdecea;padding:.4rem .6rem;border-radius:4px}
    .sg-error:empty,.sg-status:empty{display:none}
    .sg-actions{display:flex;gap:.5rem;justify-content:flex-end;margin-top:.75rem}
    .sg-actions button,.sg-add{font:inherit;padding:6px 14px;border-radius:4px;border:1px solid #333;
      background:#f4f4f4;color:#111;cursor:pointer}
    .sg-actions button[type=submit]{background:#1d4ed8;color:#fff;border-color:#1d4ed8}
    fieldset.sg-group{border:1px solid #bbb;border-radius:6px;margin:.5rem 0;padding:.25rem .75rem}
    .sg-bar[hidden],.sg-dialog [hidden]{display:none!important}` });
  document.head.append(style);

  // -- the toolbar that a selection brings up -------------------------------------
  const status = h("p", { class: "sg-status visually-hidden", role: "status", "aria-live": "polite",
                          "data-sitegen-ui": true });
  const bar = h("div", { class: "sg-bar", role: "toolbar", "aria-label": t.toolbar, hidden: true,
                         "data-sitegen-ui": true, title: t.keys });
  const claimButton = h("button", { type: "button", text: t.newClaim });
  const entityButton = h("button", { type: "button", text: t.newEntity });
  const aliasButton = h("button", { type: "button", text: t.addAlias });
  bar.append(claimButton, entityButton, aliasButton);
  document.body.append(bar, status);
  let current = null;  // the last usable selection

  function showBar() {
    const s = selected();
    if (s === "split") { status.textContent = t.oneBlock; bar.hidden = true; return; }
    if (!s) { if (!bar.contains(document.activeElement)) bar.hidden = true; return; }
    current = s;
    const short = s.text.length <= 120;
    entityButton.hidden = aliasButton.hidden = !short;
    const rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
    bar.style.top = `${window.scrollY + rect.bottom + 6}px`;
    bar.style.left = `${Math.max(4, window.scrollX + rect.left)}px`;
    bar.hidden = false;
  }
  document.addEventListener("selectionchange", () => {
    clearTimeout(showBar.timer);
    showBar.timer = setTimeout(showBar, 120);
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey && event.shiftKey && event.code === "KeyA") {
      showBar();
      if (!bar.hidden) { event.preventDefault(); claimButton.focus(); }
    }
  });

  // -- dialogs --------------------------------------------------------------------------
  function dialog(title, content, submit) {
    const error = h("div", { class: "sg-error", role: "alert" });
    const done = h("p", { class: "sg-status", role: "status" });
    const save = h("button", { type: "submit", text: t.save });
    const cancel = h("button", { type: "button", text: t.cancel });
    const form = h("form", { method: "dialog" }, h("h2", { text: title }), ...content, error, done,
                   h("div", { class: "sg-actions" }, cancel, save));
    const box = h("dialog", { class: "sg-dialog", "data-sitegen-ui": true, lang: data.lang,
                              "aria-label": title }, form);
    cancel.addEventListener("click", () => box.close());
    window.__sitegenHold = true;  // live reloads wait while the form is open
    box.addEventListener("close", () => {
      box.remove();
      window.__sitegenHold = false;
      if (window.__sitegenReloadPending) location.reload();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      save.disabled = true;
      const [action, payload] = submit();
      try {
        const response = await fetch(data.endpoint + action, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-Sitegen-Token": data.token },
          body: JSON.stringify(payload),
        });
        const answer = await response.json();
        if (!answer.ok) {
          error.append(h("strong", { text: `${t.failed}: ${answer.error}` }));
          if (response.status === 409) {  // the file changed: reload, keeping what was typed
            const again = h("button", { type: "button", class: "sg-add", text: t.keep });
            again.addEventListener("click", () => {
              sessionStorage.setItem(KEPT, JSON.stringify({ action, values: values(form),
                                                             selection: box.selection }));
              location.reload();
            });
            error.append(" ", again);
          }
          if (answer.diagnostics.length) {
            const list = h("ul");
            answer.diagnostics.forEach((d) => list.append(h("li", {
              text: `${d.path}:${d.line}:${d.col}: ${d.message}` + (d.hint ? ` (${d.hint})` : "") })));
            error.append(list);
          }
          save.disabled = false;
          return;
        }
        done.textContent = t.saved.replace("{path}", answer.path).replace("{line}", answer.line);
        window.sitegenAnnotateSaved = answer;
        // saved: the next live reload (after the preview's rebuild) shows the highlight
        window.__sitegenHold = false;
        if (window.__sitegenReloadPending) location.reload();
        setTimeout(() => location.reload(), 5000);  // if the live reload does not come
      } catch (exc) {
        error.textContent = `${t.failed}: ${exc}`;
        save.disabled = false;
      }
    });
    document.body.append(box);
    box.showModal();
    return box;
  }

  // what a form holds, by field name (several sources: one list per name)
  const KEPT = `sitegen-annotate-kept:${data.article}`;
  function values(form) {
    const out = {};
    form.querySelectorAll("[name]").forEach((el) => { (out[el.name] ||= []).push(el.value); });
    return out;
  }
  function restore(box, kept) {
    const form = box.querySelector("form");
    const sources = (kept["source-url"] || []).length;
    for (let i = form.querySelectorAll(".sg-source").length; i < sources; i++) {
      form.querySelector(".sg-more").click();
    }
    const seen = {};
    form.querySelectorAll("[name]").forEach((el) => {
      const list = kept[el.name] || [];
      const i = (seen[el.name] = (seen[el.name] ?? -1) + 1);
      if (i < list.length) {
        el.value = list[i];
        el.dispatchEvent(new Event("input"));
        el.dispatchEvent(new Event("change"));
      }
    });
  }

  const entityList = () => {
    const list = h("datalist", { id: `sitegen-entities-${++uid}` });
    entities.forEach((e, id) => list.append(h("option", { value: id, text: `${e.name} (${e.type})` })));
    return list;
  };
  const typeOptions = data.types.map((x) => [x, x]);

  function claimForm(s) {
    const list = entityList();
    const idInput = h("input", { name: "id", required: true, pattern: "[a-z0-9]+(-[a-z0-9]+)*",
                                 autocomplete: "off" });
    const claim = h("input", { name: "claim", required: true, value: s.text.slice(0, 140) });
    let idEdited = false;
    idInput.value = slug(claim.value);
    idInput.addEventListener("input", () => { idEdited = true; });
    claim.addEventListener("input", () => { if (!idEdited) idInput.value = slug(claim.value); });
    const claimant = h("input", { name: "claimant", list: list.id, required: true, autocomplete: "off" });
    const newName = h("input", { name: "new-name" });
    const newType = select("new-type", typeOptions, "person");
    const creating = h("fieldset", { class: "sg-group", hidden: true },
                       h("legend", { text: t.createClaimant }), field(t.name, newName),
                       field(t.type, newType));
    claimant.addEventListener("input", () => {
      const known = entities.has(claimant.value.trim());
      creating.hidden = known || !claimant.value.trim();
      if (!known) newName.value = claimant.value.trim();
    });
    const attribution = select("attribution", data.attributions.map((x) => [x, x]), "confirmed");
    const actual = h("input", { name: "actual_claimant", list: list.id, autocomplete: "off" });
    const actualField = field(t.actual, actual);
    actualField.hidden = true;
    attribution.addEventListener("change", () => { actualField.hidden = attribution.value !== "misattributed"; });
    const appUrl = h("input", { name: "appearance-url", type: "url" });
    const appTitle = h("input", { name: "appearance-title" });
    const appDate = h("input", { name: "appearance-date", placeholder: "YYYY-MM-DD" });
    const about = h("input", { name: "about", autocomplete: "off" });
    const rating = select("rating", data.ratings, data.ratings[0] && data.ratings[0][0]);
    const reviewed = h("input", { name: "reviewed", type: "date", value: data.today, required: true });
    const review = h("textarea", { name: "review", rows: 5, required: true });
    const sources = h("div");
    const addSource = () => {
      const n = sources.children.length + 1;
      sources.append(h("fieldset", { class: "sg-group sg-source" },
        h("legend", { text: `${t.source} [${n}]` }),
        field(t.url, h("input", { name: "source-url", type: "url" })),
        field(t.title, h("input", { name: "source-title" })),
        field(t.publisher, h("input", { name: "source-publisher" })),
        field(t.date, h("input", { name: "source-date", placeholder: "YYYY-MM-DD" }))));
    };
    addSource();
    const more = h("button", { type: "button", class: "sg-add sg-more", text: t.addSource });
    more.addEventListener("click", addSource);
    const content = [
      h("blockquote", { class: "sg-quote", text: s.text }),
      field(t.claim, claim), field(t.id, idInput), field(t.claimant, claimant), list, creating,
      field(t.attribution, attribution), actualField,
      h("fieldset", { class: "sg-group" }, h("legend", { text: t.appearance }),
        field(t.url, appUrl), field(t.title, appTitle), field(t.date, appDate)),
      field(t.about, about), field(t.rating, rating), field(t.reviewed, reviewed),
      field(t.review, review),
      h("fieldset", { class: "sg-group" }, h("legend", { text: t.sources }), sources, more),
    ];
    const box = dialog(t.claimTitle, content, () => {
      const known = entities.has(claimant.value.trim());
      const value = (el) => el.value.trim();
      return ["claim", {
        article: data.article, base: data.base, part: s.part, block: s.block,
        start: s.start, end: s.end, id: value(idInput), claim: value(claim),
        claimant: known ? value(claimant) : "",
        new_claimant: known ? null : { name: value(newName) || value(claimant), type: newType.value },
        attribution: attribution.value,
        actual_claimant: attribution.value === "misattributed" ? value(actual) : "",
        appearance: { url: value(appUrl), title: value(appTitle), date: value(appDate) },
        about: value(about).split(",").map((x) => x.trim()).filter(Boolean),
        rating: rating.value, reviewed: reviewed.value, review: review.value,
        sources: [...sources.querySelectorAll(".sg-source")].map((g) => ({
          url: value(g.querySelector("[name=source-url]")),
          title: value(g.querySelector("[name=source-title]")),
          publisher: value(g.querySelector("[name=source-publisher]")),
          date: value(g.querySelector("[name=source-date]")),
        })).filter((x) => x.url || x.title || x.publisher || x.date),
      }];
    });
    box.selection = s;
    claim.focus();
    return box;
  }

  function entityForm(s) {
    const name = h("input", { name: "name", required: true, value: s.text });
    const idInput = h("input", { name: "id", value: slug(s.text), pattern: "[a-z0-9]+(-[a-z0-9]+)*" });
    name.addEventListener("input", () => { idInput.value = slug(name.value); });
    const type = select("type", typeOptions, "person");
    const box = dialog(t.entityTitle, [h("blockquote", { class: "sg-quote", text: s.text }),
      field(t.name, name), field(t.entityId, idInput), field(t.type, type)],
      () => ["entity", { name: name.value.trim(), id: idInput.value.trim(), type: type.value,
                         alias: s.text }]);
    box.selection = s;
    name.focus();
    return box;
  }

  function aliasForm(s) {
    const list = entityList();
    const entity = h("input", { name: "entity", list: list.id, required: true, autocomplete: "off" });
    const alias = h("input", { name: "alias", required: true, value: s.text });
    const box = dialog(t.aliasTitle, [field(t.entity, entity), list, field(t.alias, alias)], () => {
      const id = entity.value.trim();
      return ["alias", { entity: id, alias: alias.value.trim(),
                         base: entities.has(id) ? entities.get(id).sha : "" }];
    });
    box.selection = s;
    entity.focus();
    return box;
  }

  const open = (form) => () => { if (current) { bar.hidden = true; form(current); } };
  claimButton.addEventListener("click", open(claimForm));
  entityButton.addEventListener("click", open(entityForm));
  aliasButton.addEventListener("click", open(aliasForm));
  window.sitegenAnnotate = { selected, claimForm, entityForm, aliasForm,
                            paragraphs: blockOf.size };

  // a form kept across a reload (after a conflict): open again, with the new file's state
  const kept = sessionStorage.getItem(KEPT);
  if (kept) {
    sessionStorage.removeItem(KEPT);
    const { action, values: saved, selection } = JSON.parse(kept);
    const form = { claim: claimForm, entity: entityForm, alias: aliasForm }[action];
    if (form && selection) restore(form(selection), saved);
  }
})();
