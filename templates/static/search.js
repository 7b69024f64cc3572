// sitegen search page: queries one Pagefind bundle per language side by side
// (each with its own stemming), merges the results, and keeps the query and
// filters in the URL (?q=...&rating=...) so a search can be shared and the
// back button works. All paths are relative to the site root, so the search
// works from any folder of any static host.
//
// After an edit, the changed pages are indexed into a small recent bundle per
// language (pagefind/recent.json lists them), and the main bundles' old
// versions of those pages, and pages deleted since, are tombstones: dropped
// from results and subtracted from facet counts, with the filter values
// recent.json records for them (a result carries only its id and score).

const root = document.getElementById("search");
const siteRoot = new URL(root.dataset.root, location.href);
// [[bundle, language], ...]: one Pagefind bundle per language, or per
// language and year for very large archives
const bundleList = JSON.parse(root.dataset.bundles || "[]");
const ratings = JSON.parse(root.dataset.ratings || "{}");
const text = JSON.parse(root.dataset.text || "{}");
const say = (key, values = {}) =>
  (text[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
const uiLang = document.documentElement.lang || "en";
const PAGE_SIZE = 20;
const DATE_SORT_DEPTH = 100; // results per language loaded to order by date
const FACET_KEYS = ["kind", "rating", "attribution", "language", "entity", "publisher", "year"];
const FACETS = FACET_KEYS.map((key) => [key, say(`facet_${key}`)]);
const KIND_LABELS = { article: say("kind_article"), claim: say("kind_claim"), entity: say("kind_entity") };
const TOP_VALUES = 12;

const form = root.querySelector(".search-form");
const input = root.querySelector("#search-q");
const sortSelect = root.querySelector("#search-sort");
const layout = root.querySelector(".search-layout");
const facetsBox = root.querySelector(".facets");
const statusLine = root.querySelector(".search-status");
const list = root.querySelector(".search-results");
const moreButton = root.querySelector(".search-more");

const languageNames = (() => {
  try {
    return new Intl.DisplayNames([uiLang], { type: "language" });
  } catch {
    return null;
  }
})();

function valueLabel(key, value) {
  if (key === "kind") return KIND_LABELS[value] || value;
  if (key === "rating") return ratings[value]?.label || value;
  if (key === "attribution") return say(`attribution_${value}`);
  if (key === "language") return languageNames?.of(value) || value;
  return value;
}

// -- state in the URL --------------------------------------------------------

function readState() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const key of FACET_KEYS) {
    const values = params.getAll(key).filter(Boolean);
    if (values.length) filters[key] = values;
  }
  return { q: (params.get("q") || "").trim(), sort: params.get("sort") === "date" ? "date" : "", filters };
}

function writeState(state, push) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort) params.set("sort", state.sort);
  for (const key of FACET_KEYS) for (const value of state.filters[key] || []) params.append(key, value);
  const query = params.toString();
  const url = query ? `?${query}` : location.pathname;
  if (url === location.search || (!query && !location.search)) return;
  history[push ? "pushState" : "replaceState"](null, "", url);
}

// -- Pagefind bundles ----------------------------------------------------------

async function loadRecent() {
  try {
    const response = await fetch(new URL("pagefind/recent.json", siteRoot), { cache: "no-cache" });
    if (!response.ok) return { recent: [], stale: {} };
    const data = await response.json();
    return { recent: data.recent || [], stale: data.stale || {} };
  } catch {
    return { recent: [], stale: {} };
  }
}

async function loadBundle(name, lang, stale) {
  const pagefind = await import(new URL(`pagefind/${name}/pagefind.js`, siteRoot).href);
  await pagefind.options({ baseUrl: siteRoot.pathname, excerptLength: 30 });
  await pagefind.init();
  // id → filter values, of the pages this bundle indexes in an older version
  const tombstones = new Map(Object.entries(stale[name] || {}));
  // Pagefind reports filter counts with results only once its filter index is loaded.
  const totals = await pagefind.filters();
  for (const filters of tombstones.values()) addCounts(totals, filters, -1);
  return { name, lang, pagefind, totals, tombstones };
}

let bundles = null;
function loadBundles() {
  bundles ??= loadRecent().then(async ({ recent, stale }) => {
    const main = bundleList.map(([name, lang]) => loadBundle(name, lang, stale));
    // A recent bundle that fails to load (a half-finished upload) leaves its pages
    // out of the results, never their stale versions: the tombstones still apply.
    const extra = recent.map(([name, lang]) =>
      loadBundle(name, lang, stale).catch((error) => {
        console.error(error);
        return null;
      }),
    );
    return (await Promise.all([...main, ...extra])).filter(Boolean);
  });
  return bundles;
}

// counts: {key: {value: n}} as Pagefind gives them, or a page's {key: [values]}
function addCounts(target, counts, sign = 1) {
  for (const [key, values] of Object.entries(counts || {})) {
    target[key] ??= {};
    const entries = Array.isArray(values) ? values.map((v) => [v, 1]) : Object.entries(values);
    for (const [value, n] of entries) target[key][value] = (target[key][value] || 0) + sign * n;
  }
}

let generation = 0;
let current = { results: [], shown: 0 };

async function run(state) {
  const token = ++generation;
  const all = await loadBundles();
  const active = state.q || Object.keys(state.filters).length;
  const counts = {};
  if (!active) {
    for (const { totals } of all) addCounts(counts, totals);
    renderFacets(counts, state);
    statusLine.textContent = say("search_prompt");
    list.replaceChildren();
    moreButton.hidden = true;
    current = { results: [], shown: 0 };
    return;
  }
  const filters = Object.fromEntries(Object.entries(state.filters).map(([k, v]) => [k, { any: v }]));
  const options = { filters };
  if (state.sort === "date") options.sort = { date: "desc" };
  const responses = await Promise.all(all.map(({ pagefind }) => pagefind.search(state.q || null, options)));
  if (token !== generation) return;
  let results = [];
  responses.forEach((response, i) => {
    const bundle = all[i];
    addCounts(counts, response?.filters);
    for (const result of response?.results || []) {
      const stale = bundle.tombstones.get(result.id);
      if (stale) addCounts(counts, stale, -1);
      else results.push({ result, lang: bundle.lang, bundle: bundle.name });
    }
  });
  if (state.sort === "date") {
    results = results.filter((r) => r.result.data);
    const loaded = await Promise.all(
      all.flatMap((bundle) =>
        results.filter((r) => r.bundle === bundle.name).slice(0, DATE_SORT_DEPTH).map(load),
      ),
    );
    if (token !== generation) return;
    results = loaded.sort((a, b) => (b.data.meta.date || "").localeCompare(a.data.meta.date || ""));
  } else {
    results.sort((a, b) => b.result.score - a.result.score);
  }
  current = { results, shown: 0, state };
  renderFacets(counts, state);
  statusLine.textContent = statusText(results.length, state.q);
  list.replaceChildren();
  await showMore(token);
}

async function load(entry) {
  entry.data ??= await entry.result.data();
  return entry;
}

async function showMore(token = generation) {
  const next = current.results.slice(current.shown, current.shown + PAGE_SIZE);
  const loaded = await Promise.all(next.map(load));
  if (token !== generation) return;
  for (const entry of loaded) list.append(renderResult(entry));
  current.shown += loaded.length;
  moreButton.hidden = current.shown >= current.results.length;
}

function statusText(n, q) {
  const what = n === 1 ? say("search_results_one") : say("search_results", { n });
  if (!q) return n ? say("search_filtered", { what }) : say("search_none_filtered");
  return n ? say("search_for", { what, q }) : say("search_none", { q });
}

// -- rendering ---------------------------------------------------------------

function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function safeExcerpt(html) {
  // Pagefind escapes the page text and adds <mark>; let nothing else through.
  const template = document.createElement("template");
  template.innerHTML = html.replace(/<(?!\/?mark>)/g, "&lt;");
  return template.content;
}

function renderResult({ data, lang }) {
  const meta = data.meta || {};
  const kind = meta.kind || "";
  const head = element("p", { class: "result-meta" }, element("span", { class: "result-kind" }, KIND_LABELS[kind] || kind));
  if (meta.rating) {
    const rating = ratings[meta.rating];
    const cls = `rating rating-${meta.rating}${rating && !rating.final ? " rating-open" : ""}`;
    head.append(" ", element("span", { class: cls }, rating?.label || meta.rating));
  }
  if (meta.claimant) head.append(" ", element("span", { class: `result-claimant attribution-${meta.attribution || "confirmed"}` }, claimantLine(meta)));
  if (meta.date) head.append(" ", element("time", { datetime: meta.date }, meta.date));
  if (meta.date_estimated) head.append(" ", element("span", { class: "date-estimated" }, `(${say("date_estimated")})`));
  if (meta.date_note) head.append(" ", element("span", { class: "date-note" }, `(${meta.date_note})`));
  head.append(" ", element("span", { class: "result-lang" }, valueLabel("language", lang)));
  const title = element("h2", { class: "result-title", lang }, element("a", { href: data.url }, meta.title || data.url));
  const excerpt = element("p", { class: "result-excerpt", lang });
  excerpt.append(safeExcerpt(data.excerpt || ""));
  const item = element("li", { class: `result result-${kind}` }, head, title, excerpt);
  if (meta.summary) item.append(element("p", { class: "result-summary" }, meta.summary));
  return item;
}

// Who a claim is from: a bare name only when the attribution is confirmed.
function claimantLine(meta) {
  const claimant = meta.claimant;
  if (meta.attribution === "unconfirmed") return say("claimant_unconfirmed", { claimant });
  if (meta.attribution === "misattributed") {
    return meta.actual_claimant
      ? say("claimant_misattributed_actual", { claimant, actual: meta.actual_claimant })
      : say("claimant_misattributed", { claimant });
  }
  return claimant;
}

function renderFacets(counts, state) {
  const groups = [];
  for (const [key, label] of FACETS) {
    // a value no result has is left out (Pagefind lists them at 0), unless chosen
    const values = Object.fromEntries(Object.entries(counts[key] || {}).filter(([, n]) => n > 0));
    for (const chosen of state.filters[key] || []) values[chosen] ??= 0;
    const entries = Object.entries(values).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (!entries.length) continue;
    const fieldset = element("fieldset", { class: `facet facet-${key}` }, element("legend", {}, label));
    const items = entries.map(([value, n]) => facetOption(key, value, n, state));
    fieldset.append(...items.slice(0, TOP_VALUES));
    if (items.length > TOP_VALUES) {
      const more = element("details", {}, element("summary", {}, say("search_more_values", { n: items.length - TOP_VALUES })));
      more.append(...items.slice(TOP_VALUES));
      if (items.slice(TOP_VALUES).some((i) => i.querySelector("input").checked)) more.open = true;
      fieldset.append(more);
    }
    groups.push(fieldset);
  }
  facetsBox.replaceChildren(...groups);
}

function facetOption(key, value, n, state) {
  const id = `f-${key}-${value}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const checked = (state.filters[key] || []).includes(value);
  const box = element("input", { type: "checkbox", id, name: key, value, checked });
  return element(
    "div",
    { class: "facet-option" },
    box,
    " ",
    element("label", { for: id }, valueLabel(key, value), " ", element("span", { class: "count" }, `(${n})`)),
  );
}

// -- events ------------------------------------------------------------------

function stateFromForm() {
  const filters = {};
  for (const box of facetsBox.querySelectorAll("input[type=checkbox]:checked")) {
    (filters[box.name] ??= []).push(box.value);
  }
  return { q: input.value.trim(), sort: sortSelect.value, filters };
}

function showState(state) {
  input.value = state.q;
  sortSelect.value = state.sort;
}

let typingTimer = 0;
input.addEventListener("input", () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    const state = stateFromForm();
    writeState(state, false);
    run(state);
  }, 250);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typingTimer);
  const state = stateFromForm();
  writeState(state, true);
  run(state);
});
sortSelect.addEventListener("change", () => {
  const state = stateFromForm();
  writeState(state, true);
  run(state);
});
facetsBox.addEventListener("change", () => {
  const state = stateFromForm();
  writeState(state, true);
  run(state);
});
moreButton.addEventListener("click", () => showMore());
window.addEventListener("popstate", () => {
  const state = readState();
  showState(state);
  run(state);
});

layout.hidden = false;
const initial = readState();
showState(initial);
run(initial).catch((error) => {
  statusLine.textContent = say("search_failed");
  console.error(error);
});
