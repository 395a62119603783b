/* app.js - the skred web UI: a single page with hash routes
 *   #/runs[/ID]                     the run grid and one run's details
 *   #/data                          today's / tomorrow's map and table
 *   #/region/ID[/YEAR]              a region's season timeline (YEAR: the
 *                                   season starting in December of YEAR)
 *   #/warning/ID/LANG/DATE          one warning in detail
 *   #/pipeline                      topics, dead letters, warehouse
 * Text from the API only ever goes into the page as text nodes or
 * attribute values (el()/svg() below), never as markup. */
"use strict";
(() => {
  const $ = (sel) => document.querySelector(sel);
  const SVGNS = "http://www.w3.org/2000/svg";
  const STATES = ["queued", "running", "success", "failed", "up_for_retry", "skipped"];
  const FINISHED = ["success", "failed", "skipped"];
  const LEVEL_NAMES = ["not assessed", "1 low", "2 moderate", "3 considerable", "4 high", "5 very high"];
  const LANGS = { en: 2, nb: 1 };

  const S = {
    status: undefined,       // /api/v1/status, null when absent
    regions: null,           // /api/v1/regions
    lang: sessionStorage.getItem("skred.lang") || "", // "": the configured one (status)
    day: "today",
    timer: null,
    gen: 0,                  // render generation: stale async renders stop
  };

  /* ---------- DOM helpers (text only through text nodes/attributes) ---------- */
  function build(node, attrs, kids) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of kids.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  const el = (tag, attrs, ...kids) => build(document.createElement(tag), attrs, kids);
  const svg = (tag, attrs, ...kids) => build(document.createElementNS(SVGNS, tag), attrs, kids);
  const clear = (n) => { while (n.firstChild) n.removeChild(n.firstChild); return n; };

  /* ---------- API ---------- */
  class ApiError extends Error {
    constructor(status, msg) { super(msg); this.status = status; }
  }
  async function api(path, method = "GET") {
    const headers = { Accept: "application/json" };
    const tok = sessionStorage.getItem("skred.token");
    if (method !== "GET" && tok) headers.Authorization = "Bearer " + tok;
    let res;
    try {
      res = await fetch(path, { method, headers });
    } catch (e) {
      throw new ApiError(0, "cannot reach the daemon (" + e.message + ")");
    }
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (res.status === 401) {
      $("#token-form").hidden = false;
      $("#token-input").focus();
      throw new ApiError(401, "unauthorized: enter the API token and try again");
    }
    if (!res.ok) {
      const m = body && body.error ? body.error : "HTTP " + res.status;
      throw new ApiError(res.status, method + " " + path + ": " + m);
    }
    return body;
  }
  /* An endpoint that may not exist yet: null on 404. */
  async function optional(path) {
    try { return await api(path); } catch (e) {
      if (e.status === 404) return null;
      throw e;
    }
  }

  let msgTimer = null;
  function message(text, kind = "ok") {
    const m = $("#msg");
    m.textContent = text;
    m.className = kind;
    m.hidden = false;
    clearTimeout(msgTimer);
    if (kind === "ok") msgTimer = setTimeout(() => { m.hidden = true; }, 6000);
  }
  const errorMessage = (e) => message(e && e.message ? e.message : String(e), "error");

  /* ---------- dates ---------- */
  const addDays = (d, n) => {
    const t = new Date(d + "T00:00:00Z");
    t.setUTCDate(t.getUTCDate() + n);
    return t.toISOString().slice(0, 10);
  };
  const fmtTime = (iso) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "Z") : "–");
  const fmtMs = (ms) => (ms == null ? "–" : ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s");

  /* today/tomorrow: from /api/v1/status; without it, from the date the
   * warnings endpoint uses by default (also the daemon's clock). */
  async function refreshStatus() {
    let st = null;
    try { st = await optional("/api/v1/status"); } catch (e) { st = null; }
    if (!st || !st.today) {
      let today = S.status && S.status.today;
      if (!today) {
        try {
          const w = await api("/api/v1/warnings?region=3011&lang=en");
          if (w.warnings && w.warnings.length) today = w.warnings[0].valid_date;
        } catch (e) { /* stays unknown */ }
      }
      st = Object.assign({ derived: true }, st || {}, today ? { today, tomorrow: addDays(today, 1) } : {});
      if (S.status && S.status.paused !== undefined && st.paused === undefined) st.paused = S.status.paused;
    }
    S.status = st;
    /* The language shown follows the configuration until one is picked. */
    if (!S.lang) S.lang = st.lang === "en" ? "en" : st.lang ? "nb" : "en";
    showPaused();
    $("#clock").textContent = st.today ? "today " + st.today + (st.timezone ? " (" + st.timezone + ")" : "") : "";
    return st;
  }
  function showPaused() {
    const p = S.status && S.status.paused === true;
    $("#paused-banner").hidden = !p;
    const pb = $("#pause-btn"), ub = $("#unpause-btn");
    if (pb && ub) {
      const known = S.status && typeof S.status.paused === "boolean";
      pb.hidden = known && p;
      ub.hidden = known && !p;
    }
  }

  function levelBadge(level, notAssessed) {
    const l = level == null ? "" : String(level);
    return el("span", { class: "level l" + (l || "none"), "data-level": l, title: LEVEL_NAMES[level] || "no data" },
      l === "" ? "–" : notAssessed || l === "0" ? "0" : l);
  }
  const kv = (rows) => el("dl", { class: "kv" }, rows.map(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
  const section = (title, ...kids) => el("section", { class: "card" }, el("h2", null, title), ...kids);

  /* ---------- runs ---------- */
  const TASKS = ["fetch", "process", "checks"];
  const TASK_STATES = ["success", "failed", "upstream_failed", "skipped", "interrupted", "running", "queued"];
  // The grid's filters, kept across refreshes and routes.
  S.filters = S.filters || { job: "", state: "", from: "", to: "", expand: false };

  function runsSkeleton() {
    const from = el("input", { type: "date", id: "trigger-from", title: "window from (optional)" });
    const to = el("input", { type: "date", id: "trigger-to", title: "window to (optional)" });
    const regions = el("input", { type: "text", id: "trigger-regions", size: 10, placeholder: "configured",
      title: "regions as for --regions: all, A, B or ids like 3011,3012 (optional)" });
    const lang = el("select", { id: "trigger-lang", title: "languages (optional)" },
      el("option", { value: "" }, "configured"), el("option", { value: "nb" }, "nb"),
      el("option", { value: "en" }, "en"), el("option", { value: "both" }, "both"));
    const bar = el("div", { class: "toolbar" },
      el("button", { id: "trigger-btn", onclick: () => action(async () => {
        let q = [];
        if (from.value) q.push("from=" + from.value);
        if (to.value) q.push("to=" + to.value);
        if (regions.value.trim()) q.push("regions=" + encodeURIComponent(regions.value.trim()));
        if (lang.value) q.push("lang=" + lang.value);
        const r = await api("/api/v1/runs" + (q.length ? "?" + q.join("&") : ""), "POST");
        location.hash = "#/runs/" + r.id;
        return "run " + r.id + " " + (r.state || "queued") + " (" + r.window_from + " .. " + r.window_to + ")";
      }) }, "Trigger run"),
      el("label", null, "from ", from), el("label", null, "to ", to),
      el("label", null, "regions ", regions), el("label", null, "lang ", lang),
      el("button", { id: "backfill-open", class: "toggle", onclick: (e) => {
        const f = $("#backfill-form");
        f.hidden = !f.hidden;
        e.currentTarget.classList.toggle("on", !f.hidden);
      } }, "Backfill…"),
      el("span", { class: "spacer" }),
      el("button", { id: "pause-btn", onclick: () => action(async () => {
        const r = await api("/api/v1/pause", "POST");
        S.status.paused = r && r.paused !== undefined ? r.paused : true;
        return "schedules paused";
      }) }, "Pause"),
      el("button", { id: "unpause-btn", onclick: () => action(async () => {
        const r = await api("/api/v1/unpause", "POST");
        S.status.paused = r && r.paused !== undefined ? r.paused : false;
        return "schedules resumed";
      }) }, "Unpause"));
    const F = S.filters;
    const refilter = () => renderRuns(S.gen, true).catch(errorMessage);
    const fJob = el("select", { id: "filter-job", title: "only runs of this job" }, el("option", { value: "" }, "all jobs"));
    const fState = el("select", { id: "filter-state", title: "only runs in this state" }, el("option", { value: "" }, "all states"),
      STATES.map((x) => el("option", { value: x }, x.replace(/_/g, " "))));
    const fFrom = el("input", { type: "date", id: "filter-from", title: "runs whose logical date is on or after" });
    const fTo = el("input", { type: "date", id: "filter-to", title: "runs whose logical date is on or before" });
    fState.value = F.state; fFrom.value = F.from; fTo.value = F.to;
    fJob.addEventListener("change", () => { F.job = fJob.value; refilter(); });
    fState.addEventListener("change", () => { F.state = fState.value; refilter(); });
    for (const ev of ["input", "change"]) {
      fFrom.addEventListener(ev, () => { if (F.from !== fFrom.value) { F.from = fFrom.value; refilter(); } });
      fTo.addEventListener(ev, () => { if (F.to !== fTo.value) { F.to = fTo.value; refilter(); } });
    }
    const expand = el("button", { id: "grid-expand", class: "toggle" + (F.expand ? " on" : ""),
      title: "a fetch row per region (from the fetch task's outcome and error)", onclick: (e) => {
        F.expand = !F.expand;
        e.currentTarget.classList.toggle("on", F.expand);
        refilter();
      } }, "Regions");
    const filters = el("div", { class: "toolbar filters", id: "run-filters" },
      el("label", null, "job ", fJob), el("label", null, "state ", fState),
      el("label", null, "from ", fFrom), el("label", null, "to ", fTo), expand,
      el("span", { id: "grid-count", class: "muted" }));
    const legend = el("div", { class: "legend" }, STATES.map((x) =>
      el("span", null, el("i", { class: "cell s-" + x }), x.replace(/_/g, " "))),
      el("span", null, el("i", { class: "tswatch s-upstream_failed" }), "upstream failed"),
      el("span", null, el("i", { class: "tswatch s-interrupted" }), "interrupted"));
    return [bar, backfillForm(), filters, legend,
      el("div", { id: "run-grid", class: "run-grid" }, el("p", { class: "muted" }, "Loading runs…")),
      el("div", { id: "run-detail" })];
  }

  /* Backfill from the UI: a range, regions, languages and mode; a dry run
   * lists the runs it would queue; submitting queues them for the daemon. */
  function backfillForm() {
    const today = S.status && S.status.today;
    const from = el("input", { type: "date", id: "bf-from", required: true, value: today ? addDays(today, -6) : null });
    const to = el("input", { type: "date", id: "bf-to", required: true, value: today || null });
    const regions = el("input", { type: "text", id: "bf-regions", size: 10, placeholder: "configured",
      title: "regions as for --regions (optional)" });
    const lang = el("select", { id: "bf-lang" }, el("option", { value: "" }, "configured"),
      ["nb", "en", "both"].map((x) => el("option", { value: x }, x)));
    const mode = el("select", { id: "bf-mode", title: "missing: runs not yet succeeded; failed: failed ones; all: every run again" },
      ["missing", "failed", "all"].map((x) => el("option", { value: x }, x)));
    const plan = el("div", { id: "backfill-plan" });
    const query = (dry) => {
      if (!from.value || !to.value) throw new Error("backfill: from and to are required");
      const q = ["from=" + from.value, "to=" + to.value, "mode=" + mode.value];
      if (regions.value.trim()) q.push("regions=" + encodeURIComponent(regions.value.trim()));
      if (lang.value) q.push("lang=" + lang.value);
      if (dry) q.push("dry_run=1");
      return "/api/v1/backfill?" + q.join("&");
    };
    const showPlan = (r) => {
      clear(plan).appendChild(el("p", { class: "muted", id: "backfill-summary" },
        (r.dry_run ? "would queue " : "queued ") + r.runs.filter((x) => x.want).length + " run(s), " + r.skipped +
        " left as they are (mode " + r.mode + ")"));
      plan.appendChild(table(["window", "regions", "lang", "in the ledger", "action"], r.runs.map((x) =>
        el("tr", { class: "plan-run", "data-want": x.want ? "1" : "0", "data-from": x.run.window_from, "data-to": x.run.window_to },
          el("td", null, x.run.window_from + " .. " + x.run.window_to), el("td", null, x.run.regions),
          el("td", null, x.run.langs), el("td", null, x.run.id ? "run " + x.run.id + " " + x.run.state : "–"),
          el("td", null, x.want ? (r.dry_run ? "queue" : "queued") : "skip")))));
    };
    return el("form", { id: "backfill-form", class: "card", hidden: true, onsubmit: (e) => e.preventDefault() },
      el("h2", null, "Backfill"),
      el("div", { class: "toolbar" },
        el("label", null, "from ", from), el("label", null, "to ", to), el("label", null, "regions ", regions),
        el("label", null, "lang ", lang), el("label", null, "mode ", mode),
        el("button", { type: "button", id: "bf-preview", onclick: () => action(async () => {
          const r = await api(query(true), "POST");
          showPlan(r);
          return "dry run: " + r.runs.filter((x) => x.want).length + " run(s) would be queued";
        }) }, "Preview (dry run)"),
        el("button", { type: "button", id: "bf-submit", onclick: () => action(async () => {
          const r = await api(query(false), "POST");
          showPlan(r);
          return "backfill: " + r.queued + " run(s) queued for the daemon";
        }) }, "Queue backfill")),
      plan);
  }

  async function action(fn) {
    try {
      const text = await fn();
      message(text, "ok");
    } catch (e) { errorMessage(e); }
    await refreshStatus().catch(() => {});
    if (route().page === "runs") await renderRuns(S.gen).catch(errorMessage);
  }

  // Inline style attributes are refused by the page's CSP; CSSOM is not.
  const styled = (node, props) => { Object.assign(node.style, props); return node; };
  const logicalDate = (r) => (r.logical_time || "").slice(0, 10);
  function runPasses(r) {
    const F = S.filters, d = logicalDate(r);
    return (!F.job || r.job === F.job) && (!F.state || r.state === F.state) &&
      (!F.from || d >= F.from) && (!F.to || d <= F.to);
  }
  // The regions named in a run's fetch error ("region 3011 lang 2 ...").
  const failedRegions = (t) => new Set(((t && t.error) || "").match(/region \d+/g) || []);
  const regionIds = (r) => (/^[\d,\s]+$/.test(r.regions) ? r.regions.split(/[,\s]+/).filter(Boolean) : []);

  /* The grid: runs as columns (oldest left, newest right), a duration bar
   * above each, the run's state, then a row per task of its current
   * attempt (and, expanded, a fetch row per region). */
  let lastRuns = [];
  async function renderRuns(gen, cached) {
    if (!cached || !lastRuns.length) {
      const data = await api("/api/v1/runs?limit=200&tasks=1");
      if (gen !== S.gen) return;
      lastRuns = data.runs || [];
    }
    showPaused();
    const all = lastRuns;
    const fJob = $("#filter-job");
    if (fJob) {
      const jobs = [...new Set(all.map((r) => r.job))].sort();
      const have = [...fJob.options].map((o) => o.value).slice(1);
      if (JSON.stringify(have) !== JSON.stringify(jobs)) {
        while (fJob.options.length > 1) fJob.remove(1);
        jobs.forEach((j) => fJob.appendChild(el("option", { value: j }, j)));
      }
      fJob.value = S.filters.job;
    }
    const runs = all.filter(runPasses).slice().reverse(); // oldest first: newest on the right
    const grid = clear($("#run-grid"));
    const cnt = $("#grid-count");
    if (cnt) cnt.textContent = runs.length + " of " + all.length + " run(s)";
    if (!all.length) grid.appendChild(el("p", { class: "muted" }, "No runs yet."));
    else if (!runs.length) grid.appendChild(el("p", { class: "muted", id: "grid-empty" }, "No run matches the filters."));
    const sel = route().arg;
    if (runs.length) {
      const maxMs = Math.max(1, ...runs.map((r) => r.duration_ms || 0));
      const taskOf = (r, name) => (r.tasks || []).find((t) => t.task === name);
      const rows = TASKS.map((name) => ({ label: name, task: name, cell: (r) => taskOf(r, name) }));
      if (S.filters.expand) {
        const ids = [...new Set(runs.flatMap(regionIds))].sort();
        const at = rows.findIndex((x) => x.task === "fetch") + 1;
        rows.splice(at, 0, ...ids.map((id) => ({ label: "fetch " + id, task: "fetch", region: id, cell: (r) => {
          const f = taskOf(r, "fetch");
          if (!f || !regionIds(r).includes(id)) return null;
          const bad = failedRegions(f).has("region " + id);
          return Object.assign({}, f, { state: bad ? "failed" : f.state === "failed" ? "success" : f.state, region: id });
        } })));
      }
      const head = el("div", { class: "grid-row grid-bars" }, el("span", { class: "grid-label muted" }, "duration"),
        runs.map((r) => el("span", { class: "bar-slot" }, styled(el("i", {
          class: "dur-bar s-" + r.state, "data-run-id": r.id, "data-duration-ms": r.duration_ms || 0,
          title: "run " + r.id + ": " + fmtMs(r.duration_ms) }),
        { height: Math.max(2, Math.round(((r.duration_ms || 0) / maxMs) * 40)) + "px" }))));
      const runRow = el("div", { class: "grid-row grid-runs" }, el("span", { class: "grid-label" }, "run"),
        runs.map((r) => el("a", {
          class: "cell s-" + r.state + (String(r.id) === sel ? " selected" : ""),
          href: "#/runs/" + r.id, "data-run-id": r.id, "data-state": r.state, "data-origin": r.origin || "",
          title: "run " + r.id + " " + r.job + " (" + (r.origin || "?") + ") " + r.state + "\n" + logicalDate(r) +
            "  window " + r.window_from + " .. " + r.window_to + "\n" + fmtMs(r.duration_ms) +
            ", fetched " + r.fetched + ", stored " + r.stored,
        })));
      const taskRows = rows.map((row) => el("div", { class: "grid-row grid-task" + (row.region ? " grid-region" : ""),
        "data-task": row.task, "data-region": row.region || null },
        el("span", { class: "grid-label" }, row.label),
        runs.map((r) => {
          const t = row.cell(r);
          if (!t) return el("span", { class: "tcell none", "data-run-id": r.id, title: "run " + r.id + ": no " + row.label });
          return el("a", { class: "tcell s-" + t.state, href: "#/runs/" + r.id, "data-run-id": r.id,
            "data-task": row.task, "data-state": t.state, "data-duration-ms": t.duration_ms,
            "data-region": row.region || null,
            title: "run " + r.id + " " + row.label + ": " + t.state.replace(/_/g, " ") + ", " + fmtMs(t.duration_ms) +
              (t.region ? "" : ", count " + t.count) },
          styled(el("i", { class: "tbar" }), { width: Math.max(8, Math.round(((t.duration_ms || 0) / maxMs) * 100)) + "%" }));
        })));
      const dates = el("div", { class: "grid-row grid-dates muted" }, el("span", { class: "grid-label" }, ""),
        runs.map((r, i) => el("span", { class: "date-slot" },
          i === 0 || logicalDate(runs[i - 1]) !== logicalDate(r) ? logicalDate(r).slice(5) : "")));
      const inner = el("div", { class: "grid-inner" }, head, runRow, taskRows, dates);
      grid.appendChild(inner);
      grid.scrollLeft = grid.scrollWidth; // the newest in view
    }
    const det = $("#run-detail");
    if (!sel) {
      delete det.dataset.sig;
      clear(det).appendChild(el("p", { class: "muted" }, all.length ? "Click a run for its tasks, Gantt, attempts, data checks and log." : ""));
      return;
    }
    const d = await api("/api/v1/runs/" + encodeURIComponent(sel));
    if (gen !== S.gen) return;
    // Unchanged since the last refresh: left as it is (a search being typed keeps its focus).
    const sig = JSON.stringify(d);
    if (det.dataset.sig === sig && det.querySelector("section[data-run-id]")) return;
    det.dataset.sig = sig;
    const keep = $("#log-search") ? $("#log-search").value : "";
    renderRunDetail(clear(det), d);
    if (keep && $("#log-search")) { $("#log-search").value = keep; $("#log-search").dispatchEvent(new Event("input")); }
  }

  /* One run's attempts as a Gantt: a lane per task of each attempt, from
   * its start to its end on one time axis. */
  function gantt(tasks, chunks) {
    const ms = (iso) => (iso ? Date.parse(iso) : NaN);
    // Under each attempt's fetch, a lane per region and language with its chunks.
    const ts = [];
    for (const t of tasks.filter((u) => !isNaN(ms(u.start)))) {
      ts.push(t);
      if (t.task !== "fetch") continue;
      const lanes = new Map();
      for (const c of (chunks || []).filter((k) => k.attempt === t.attempt && !isNaN(ms(k.start)))) {
        const key = c.region + " " + c.lang;
        if (!lanes.has(key)) lanes.set(key, []);
        lanes.get(key).push(c);
      }
      for (const [key, cs] of [...lanes].sort()) ts.push({ lane: key, attempt: t.attempt, chunks: cs });
    }
    if (!ts.length) return el("p", { class: "muted" }, "no task timings");
    const spans = ts.flatMap((t) => t.chunks || [t]);
    const t0 = Math.min(...spans.map((t) => ms(t.start)));
    const t1 = Math.max(...spans.map((t) => (isNaN(ms(t.end)) ? ms(t.start) : ms(t.end))), t0 + 1);
    const narrow = window.innerWidth < 600; // a phone: fewer units, larger text
    const W = narrow ? 360 : 640, L = narrow ? 70 : 120, lane = 22, H = ts.length * lane + 24;
    const x = (v) => L + ((v - t0) / (t1 - t0)) * (W - L - 10);
    const kids = [];
    for (let i = 0; i <= 4; i++) {
      const v = t0 + ((t1 - t0) * i) / 4;
      kids.push(svg("line", { class: "gridline", x1: x(v), x2: x(v), y1: 0, y2: H - 18 }),
        svg("text", { class: "axis", x: x(v), y: H - 4, "text-anchor": "middle" }, fmtMs(Math.round(v - t0))));
    }
    ts.forEach((t, i) => {
      const y = i * lane + 3;
      if (t.chunks) {
        kids.push(svg("text", { class: "lane chunk-lane", x: 12, y: y + 13 }, t.lane));
        for (const c of t.chunks) {
          const s = ms(c.start), e = isNaN(ms(c.end)) ? s : ms(c.end);
          kids.push(svg("rect", { class: "gantt-chunk s-" + c.state, x: x(s), y: y + 3, height: lane - 12,
            width: Math.max(1.5, x(e) - x(s)), "data-region": c.region, "data-lang": c.lang, "data-from": c.from,
            "data-state": c.state, "data-attempt": c.attempt, "data-duration-ms": c.duration_ms },
          svg("title", null, "region " + c.region + " " + c.lang + " " + c.from + ".." + c.to + ": " + c.state +
            ", " + c.count + " warnings, " + fmtMs(c.duration_ms) + (c.error ? "\n" + c.error : ""))));
        }
        return;
      }
      const s = ms(t.start), e = isNaN(ms(t.end)) ? s : ms(t.end);
      kids.push(svg("text", { class: "lane", x: 4, y: y + 13 }, (tasks.some((u) => u.attempt !== t.attempt) ? "#" + t.attempt + " " : "") + t.task),
        svg("rect", { class: "gantt-bar s-" + t.state, x: x(s), y, height: lane - 6, width: Math.max(2, x(e) - x(s)),
          "data-task": t.task, "data-attempt": t.attempt, "data-state": t.state, "data-duration-ms": t.duration_ms,
          "data-offset-ms": s - t0 }, svg("title", null, t.task + " " + t.state + ": " + fmtMs(t.duration_ms) +
            " from +" + fmtMs(s - t0))));
    });
    return svg("svg", { id: "gantt", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "task timings" }, kids);
  }

  /* A log excerpt, each line wrapped, with a search that keeps the
   * matching lines and marks the matches (text nodes only). */
  function logView(text) {
    const lines = text.split("\n");
    const pre = el("pre", { class: "log", id: "run-log" });
    const put = (q) => {
      clear(pre);
      let hits = 0;
      lines.forEach((ln, i) => {
        const nl = i < lines.length - 1 ? "\n" : "";
        const at = q ? ln.toLowerCase().indexOf(q) : -1;
        const span = el("span", { class: "log-line" + (q && at < 0 ? " dim" : ""), hidden: q && at < 0 ? true : null });
        if (at < 0) span.appendChild(document.createTextNode(ln + nl));
        else {
          let k = 0, j = at;
          while (j >= 0) {
            span.appendChild(document.createTextNode(ln.slice(k, j)));
            span.appendChild(el("mark", null, ln.slice(j, j + q.length)));
            hits++;
            k = j + q.length;
            j = ln.toLowerCase().indexOf(q, k);
          }
          span.appendChild(document.createTextNode(ln.slice(k) + nl));
        }
        pre.appendChild(span);
      });
      const c = $("#log-count");
      if (c) c.textContent = q ? hits + " match(es) in " + lines.filter((l) => l.toLowerCase().includes(q)).length + " line(s)" : lines.length + " line(s)";
    };
    const search = el("input", { type: "search", id: "log-search", placeholder: "search the log", size: 24,
      oninput: () => put(search.value.trim().toLowerCase()) });
    const box = el("div", { class: "log-box" }, el("div", { class: "toolbar" }, search, el("span", { class: "muted", id: "log-count" })), pre);
    put("");
    return box;
  }

  function renderRunDetail(box, d) {
    const r = d.run;
    const head = el("h2", null, "Run " + r.id + " ",
      el("span", { class: "state s-" + r.state, "data-state": r.state }, r.state));
    const btns = el("div", { class: "toolbar" });
    if (FINISHED.includes(r.state))
      btns.appendChild(el("button", { id: "clear-btn", onclick: () => action(async () => {
        await api("/api/v1/runs/" + r.id + "/clear", "POST");
        return "run " + r.id + " cleared: queued again";
      }) }, "Clear"));
    const info = kv([
      ["job", r.job], ["origin", r.origin || "–"], ["logical time", fmtTime(r.logical_time)],
      ["window", r.window_from + " .. " + r.window_to], ["regions / languages", r.regions + " / " + r.langs],
      ["attempts", r.attempts + " of " + r.max_attempts], ["start", fmtTime(r.start)], ["end", fmtTime(r.end)],
      ["duration", fmtMs(r.duration_ms)], ["fetched", r.fetched], ["stored", r.stored],
      ["dead-lettered", r.dead_lettered],
    ]);
    const kids = [head, btns, info];
    if (r.error) kids.push(el("p", { class: "error-text", id: "run-error" }, r.error));
    // The run's error is shown once, above; rows that repeat it say so.
    const errCell = (e) => (e && e === r.error ? el("td", { class: "muted same-error" }, "(the error above)")
      : el("td", { class: "error-text" }, e || ""));
    const tasks = d.tasks;
    kids.push(el("h3", null, "Tasks"));
    if (!Array.isArray(tasks)) kids.push(el("p", { class: "muted" }, "n/a (this daemon does not report tasks)"));
    else if (!tasks.length) kids.push(el("p", { class: "muted" }, "none yet"));
    else {
      kids.push(gantt(tasks, d.chunks));
      kids.push(table(["attempt", "task", "state", "start", "#duration", "#count", "error"], tasks.map((t) =>
        el("tr", { class: "task", "data-task": t.task, "data-state": t.state, "data-attempt": t.attempt },
          el("td", null, t.attempt), el("td", null, t.task),
          el("td", null, el("span", { class: "state s-" + t.state }, t.state)),
          el("td", null, fmtTime(t.start)), el("td", { class: "num" }, fmtMs(t.duration_ms)),
          el("td", { class: "num" }, t.count), errCell(t.error)))));
    }
    kids.push(el("h3", null, "Attempts"));
    const at = d.attempts || [];
    kids.push(at.length ? table(["attempt", "state", "executed by", "#fetched", "#stored", "error"], at.map((a) =>
      el("tr", { class: "attempt", "data-state": a.state },
        el("td", null, a.attempt), el("td", null, el("span", { class: "state s-" + a.state }, a.state)),
        el("td", { class: "owner" }, a.owner || "-"),
        el("td", { class: "num" }, a.fetched), el("td", { class: "num" }, a.stored),
        errCell(a.error))))
      : el("p", { class: "muted" }, "none yet"));
    kids.push(el("h3", null, "Data checks"));
    const ch = d.checks || [];
    kids.push(ch.length ? el("ul", { class: "checks" }, ch.map((c) =>
      el("li", { class: "check " + (c.ok ? "ok" : "bad"), "data-check": c.name, "data-ok": c.ok ? "1" : "0" },
        el("b", null, c.ok ? "✓ " : "✗ "), c.name, c.detail ? el("span", { class: "muted" }, " — " + c.detail) : null)))
      : el("p", { class: "muted" }, "none yet"));
    /* The source's drift from the expected API shape (issue 13). */
    const dc = ch.find((c) => c.name === "source_drift");
    if (dc && !dc.ok) kids.push(el("p", { class: "warn", id: "run-drift" }, "Source drift: " + (dc.detail || "")));
    kids.push(el("h3", null, "Log excerpt"));
    kids.push(r.log_excerpt ? logView(r.log_excerpt) : el("p", { class: "muted" }, "empty"));
    box.appendChild(el("section", { class: "card", id: "run-" + r.id, "data-run-id": r.id }, kids));
  }

  /* Column names starting with "#" are numeric (right-aligned). */
  function table(head, rows, attrs) {
    return el("table", attrs || null, el("thead", null, el("tr", null, head.map((h) =>
      h.startsWith("#") ? el("th", { class: "num" }, h.slice(1)) : el("th", null, h)))),
    el("tbody", null, rows));
  }

  /* ---------- data: map + table ---------- */
  /* The map's projection; scripts/gen-regions.py projects NVE's polygons
   * (regions.js) the same way, so markers and shapes agree. */
  const COS65 = Math.cos((65 * Math.PI) / 180), SCALE = 40;
  function proj(lat, lon) {
    if (lat > 74) { // Svalbard: a scaled inset in the empty sea north-west of Lofoten
      lat = 70.2 + (lat - 76.3) * 0.55;
      lon = 5 + (lon - 10) * 0.55;
    }
    return [(lon - 4) * COS65 * SCALE + 10, (72.6 - lat) * SCALE + 10];
  }

  /* Words of the Data pages in the language shown (nb; English as written). */
  const NB = {
    "Today": "I dag", "Tomorrow": "I morgen", "Language": "Språk", "valid": "gyldig", "region": "region",
    "level": "faregrad", "main text": "hovedbudskap", "no warning": "ingen varsel", "no data": "ingen data",
    "Danger levels": "Faregrader", "map": "kart", "← map": "← kart", "← season": "← sesong", "Season": "Sesong",
    "Region": "Region", "season": "sesong", "Avalanche danger": "Skredfarevurdering", "Snow surface": "Snøoverflate",
    "Weak layers": "Svake lag", "Recent avalanche activity": "Nylig skredaktivitet",
    "Latest observations": "Siste observasjoner", "Avalanche problems": "Skredproblemer", "Advice": "Råd",
    "Mountain weather": "Fjellvær", "Measurement": "Måling", "Detail": "Detalj", "Value": "Verdi",
    "none given": "ingen oppgitt", "published": "publisert", "elevation": "høyde", "aspects": "eksposisjon",
    "cause": "årsak", "type": "type", "trigger": "utløsning", "size": "størrelse", "probability": "sannsynlighet",
    "distribution": "utbredelse", "Emergency warning": "Farevarsel",
    "warnings in the season; click a day for its warning.": "varsler i sesongen; klikk på en dag for varselet.",
    "Danger level": "Faregrad", "no problems given": "ingen skredproblemer oppgitt",
    "Hover or tap a region for its warning; click for its season.":
      "Pek eller trykk på en region for varselet; klikk for sesongen.",
  };
  const LEVEL_NAMES_NB = ["ikke vurdert", "1 liten", "2 moderat", "3 betydelig", "4 stor", "5 meget stor"];
  const tr = (s) => (S.lang === "nb" && NB[s]) || s;
  const levelName = (l) => (S.lang === "nb" ? LEVEL_NAMES_NB : LEVEL_NAMES)[l];
  /* The emergency-warning field's normal value is "none": not an alert. */
  const NO_EMERGENCY = /^\s*(ikke gitt|not given|ingen|none|-)?\s*$/i;

  async function regions() {
    /* The promise is kept: asked early (render) and awaited later. */
    if (!S.regions)
      S.regions = api("/api/v1/regions").then((d) => d.regions || [], (e) => { S.regions = null; throw e; });
    return S.regions;
  }

  function langSelect(onchange) {
    const s = el("select", { id: "lang", onchange: (e) => {
      S.lang = e.target.value;
      sessionStorage.setItem("skred.lang", S.lang);
      onchange();
    } }, ["en", "nb"].map((l) => el("option", { value: l, selected: l === S.lang }, l === "en" ? "English" : "Norsk")));
    return el("label", null, tr("Language") + " ", s);
  }

  function mapInfo(box, r, x, date) {
    clear(box).appendChild(el("div", { "data-region": r.id },
      el("b", { class: "info-name" }, x ? x.region_name : r.name), " ",
      levelBadge(x ? x.danger_level : null, x && x.not_assessed), " ",
      el("span", { class: "info-level" }, x ? levelName(x.danger_level) || x.danger_level : tr("no data")),
      el("span", { class: "muted" }, " · " + date),
      el("p", { class: "info-text" }, x ? x.main_text || "" : tr("no warning"))));
  }

  async function renderData(gen, view) {
    const st = S.status;
    if (!st || !st.today) throw new Error("the daemon's date is not known (no /api/v1/status and no warnings today)");
    document.documentElement.lang = S.lang;
    const date = S.day === "tomorrow" ? st.tomorrow : st.today;
    const dayBtn = (d, label) => el("button", { class: "toggle" + (S.day === d ? " on" : ""), id: "day-" + d,
      "aria-pressed": S.day === d ? "true" : "false", onclick: () => { S.day = d; render(); } }, label);
    view.appendChild(el("div", { class: "toolbar" },
      dayBtn("today", tr("Today") + " " + st.today), dayBtn("tomorrow", tr("Tomorrow") + " " + st.tomorrow),
      langSelect(render), el("span", { class: "muted", id: "data-date", "data-date": date }, tr("valid") + " " + date)));
    const [regs, w] = await Promise.all([regions(),
      api("/api/v1/warnings?region=all&lang=" + S.lang + "&from=" + date + "&to=" + date)]);
    if (gen !== S.gen) return;
    const byRegion = new Map();
    for (const x of w.warnings || []) byRegion.set(x.region_id, x);

    const map = svg("svg", { id: "map", viewBox: "0 0 480 600", role: "img", "aria-label": "map of Norway's avalanche regions" });
    const [x0, y0] = proj(80.9, 8.6), [x1, y1] = proj(76.0, 29.5);
    map.appendChild(svg("rect", { class: "inset", x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 4 }));
    map.appendChild(svg("text", { class: "inset-label", x: x0 + 4, y: y1 - 4 }, "Svalbard"));
    const shapes = window.SKRED_REGION_SHAPES || {};
    const info = el("div", { id: "map-info", class: "map-info", "aria-live": "polite" },
      el("span", { class: "muted" }, tr("Hover or tap a region for its warning; click for its season.")));
    let shown = null;
    const labels = [];
    for (const r of regs) {
      const x = byRegion.get(r.id);
      const lvl = x ? String(x.danger_level) : "";
      const [cx, cy] = proj(r.lat, r.lon);
      const show = () => { shown = r.id; mapInfo(info, r, x, date); };
      const go = () => { location.hash = "#/region/" + r.id; };
      const g = svg("g", { class: "region l" + (lvl || "none") + (r.type === "A" ? " type-a" : " type-b"),
        "data-region": r.id, "data-level": lvl, "data-type": r.type, tabindex: 0, role: "link",
        "aria-label": r.name + ": " + (x ? levelName(x.danger_level) || lvl : tr("no data")),
        onmouseenter: show, onfocus: show,
        /* A touch shows the warning first; a second tap opens the season. */
        onpointerdown: (e) => { if (e.pointerType === "touch" && shown !== r.id) { e.preventDefault(); show(); g.dataset.tapped = "1"; } },
        onclick: () => { if (g.dataset.tapped === "1") { delete g.dataset.tapped; return; } go(); },
        onkeydown: (e) => { if (e.key === "Enter") go(); } },
      svg("title", null, r.name + ": " + (x ? levelName(x.danger_level) || lvl : tr("no data")) + " (" + date + ")" +
        (x && x.main_text ? "\n" + x.main_text : "")),
      shapes[r.id] ? svg("path", { class: "shape", d: shapes[r.id] }) : svg("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: 7 }));
      map.appendChild(g);
      if (lvl !== "" && r.type === "A")
        labels.push(svg("text", { class: "level-label l" + lvl, x: cx.toFixed(1), y: (cy + 4).toFixed(1) }, lvl));
    }
    /* Numbers above every shape, never catching the pointer. */
    map.appendChild(svg("g", { class: "labels" }, labels));
    const legend = el("div", { class: "legend", id: "map-legend" }, [1, 2, 3, 4, 5, 0].map((l) =>
      el("span", { "data-level": l }, levelBadge(l), levelName(l))));

    const rows = [...regs].sort((a, b) => (a.type === b.type ? a.id - b.id : a.type === "A" ? -1 : 1)).map((r) => {
      const x = byRegion.get(r.id);
      return el("tr", { class: "region-row" + (r.type === "B" ? " type-b" : ""), "data-region": r.id,
        "data-level": x ? String(x.danger_level) : "", onclick: () => { location.hash = "#/region/" + r.id; } },
      el("td", { class: "num" }, r.id),
      el("td", null, el("a", { href: "#/region/" + r.id }, x ? x.region_name : r.name)),
      el("td", null, levelBadge(x ? x.danger_level : null, x && x.not_assessed)),
      el("td", { class: "main-text" }, x ? x.main_text || "" : el("span", { class: "muted" }, tr("no warning"))));
    });
    view.appendChild(el("div", { class: "data-grid" },
      el("div", { class: "card map-card" }, map, info, legend),
      el("div", { class: "card" }, table(["#id", tr("region"), tr("level"), tr("main text")], rows, { id: "regions-table" }))));
  }

  /* ---------- region timeline ---------- */
  /* A season runs 1 December .. 31 May; named by the year it starts. */
  function seasonOf(day) {
    const y = +day.slice(0, 4), m = +day.slice(5, 7);
    return m >= 7 ? y : y - 1;
  }
  const seasonRange = (y) => [y + "-12-01", y + 1 + "-05-31"];
  function season(today) { return seasonRange(seasonOf(today)); }

  /* The seasons the warehouse holds: from its first stored day to the
   * later of today and its last (NVE's API starts with 2012/13 when the
   * warehouse does not say). */
  async function seasons(today) {
    /* Asked once a minute at most: on Cassandra it counts the tables. */
    if (!S.wh || Date.now() - S.wh.at > 60000)
      S.wh = { at: Date.now(), p: optional("/api/v1/warehouse").catch(() => null) };
    const wh = await S.wh.p;
    const first = wh && wh.first_date ? seasonOf(wh.first_date) : 2012;
    const last = Math.max(seasonOf(today), wh && wh.last_date ? seasonOf(wh.last_date) : 0);
    const out = [];
    for (let y = last; y >= first; y--) out.push(y);
    return out;
  }

  async function renderTimeline(gen, view, id, seasonArg) {
    const st = S.status;
    if (!st || !st.today) throw new Error("the daemon's date is not known");
    document.documentElement.lang = S.lang;
    const sy = /^\d{4}$/.test(seasonArg || "") ? +seasonArg : seasonOf(st.today);
    const [from, to] = seasonRange(sy);
    const [regs, years, w] = await Promise.all([regions(), seasons(st.today),
      api("/api/v1/warnings?region=" + encodeURIComponent(id) + "&lang=" + S.lang + "&from=" + from + "&to=" + to + "&detail=1")]);
    if (gen !== S.gen) return;
    const reg = regs.find((r) => String(r.id) === id);
    if (!years.includes(sy)) years.push(sy);
    const regSel = el("select", { id: "region-select", onchange: (e) => { location.hash = "#/region/" + e.target.value + "/" + sy; } },
      [...regs].sort((a, b) => a.name.localeCompare(b.name, "nb")).map((r) =>
        el("option", { value: r.id, selected: String(r.id) === id }, r.name + (r.type === "B" ? " (B)" : ""))));
    const seaSel = el("select", { id: "season-select", onchange: (e) => { location.hash = "#/region/" + id + "/" + e.target.value; } },
      years.sort((a, b) => b - a).map((y) => el("option", { value: y, selected: y === sy }, y + "/" + String(y + 1).slice(2))));
    view.appendChild(el("div", { class: "toolbar" }, el("a", { href: "#/data" }, tr("← map")),
      el("h1", { id: "timeline-title" }, (reg ? reg.name : "region " + id) + " — " + tr("season") + " " + from + " .. " + to),
      el("span", { class: "spacer" }), el("label", null, tr("Region") + " ", regSel),
      el("label", null, tr("Season") + " ", seaSel), langSelect(render)));
    const byDate = new Map((w.warnings || []).map((x) => [x.valid_date, x]));
    const n = Math.round((Date.parse(to) - Date.parse(from)) / 864e5) + 1;
    /* The problems given in the season, one lane each beneath the levels. */
    const ptypes = new Map();
    for (const x of w.warnings || [])
      for (const p of x.problems || [])
        if (!ptypes.has(p.problem_type_id)) ptypes.set(p.problem_type_id, p.problem_type_name || "problem " + p.problem_type_id);
    const lanes = [...ptypes.keys()].sort((a, b) => a - b);
    const BW = 5, H = 150, L = 30, T = 18, LH = 12, LG = 34, PL = 240;
    const PT = T + H + LG;
    const chart = svg("svg", { id: "timeline", viewBox: `0 0 ${L + n * BW + 10 + PL} ${PT + lanes.length * LH + 10}`,
      "data-from": from, "data-to": to, "data-region": id, "data-season": sy });
    chart.appendChild(svg("text", { class: "axis", x: 0, y: T - 8 }, tr("Danger level")));
    for (let l = 1; l <= 5; l++) {
      const y = T + H - (l * H) / 5;
      chart.appendChild(svg("line", { class: "gridline", x1: L, x2: L + n * BW, y1: y, y2: y }));
      chart.appendChild(svg("text", { class: "axis", x: L - 6, y: y + 4, "text-anchor": "end" }, l));
    }
    let step = "", prev = null;
    for (let i = 0; i < n; i++) {
      const d = addDays(from, i);
      const x = L + i * BW;
      if (d.endsWith("-01"))
        chart.appendChild(svg("text", { class: "axis", x, y: T + H + 16 }, d.slice(0, 7)));
      if (d === st.today)
        chart.appendChild(svg("line", { class: "today", x1: x + BW / 2, x2: x + BW / 2, y1: T, y2: PT + lanes.length * LH },
          svg("title", null, "today " + d)));
      const wd = byDate.get(d);
      if (!wd) { prev = null; continue; }
      const lvl = wd.danger_level;
      const h = lvl ? (lvl * H) / 5 : 4;
      const y = T + H - h;
      /* The step line: flat across a day, straight up or down to the next. */
      step += (prev === null ? "M" + x + "," + y : "L" + x + "," + y) + "L" + (x + BW) + "," + y;
      prev = y;
      chart.appendChild(svg("rect", { class: "bar l" + lvl, x: x + 0.5, y, width: BW - 1, height: h,
        "data-date": d, "data-level": lvl, tabindex: 0,
        onclick: () => { location.hash = "#/warning/" + id + "/" + S.lang + "/" + d; },
        onkeydown: (e) => { if (e.key === "Enter") location.hash = "#/warning/" + id + "/" + S.lang + "/" + d; } },
      svg("title", null, d + ": " + (levelName(lvl) || lvl) + " — " + (wd.main_text || ""))));
      for (const p of wd.problems || []) {
        const k = lanes.indexOf(p.problem_type_id);
        chart.appendChild(svg("rect", { class: "pcell p" + (k % 6), x: x + 0.5, y: PT + k * LH + 1, width: BW - 1, height: LH - 2,
          "data-date": d, "data-problem": p.problem_type_id }, svg("title", null, d + ": " + (p.problem_type_name || ""))));
      }
    }
    if (step) chart.appendChild(svg("path", { class: "step", d: step }));
    lanes.forEach((t, k) => {
      chart.appendChild(svg("line", { class: "gridline", x1: L, x2: L + n * BW, y1: PT + (k + 1) * LH, y2: PT + (k + 1) * LH }));
      chart.appendChild(svg("text", { class: "axis lane", x: L + n * BW + 6, y: PT + k * LH + 9, "data-problem": t }, ptypes.get(t)));
    });
    if (!lanes.length)
      chart.appendChild(svg("text", { class: "axis", x: L, y: PT + 9 }, tr("no problems given")));
    else chart.appendChild(svg("text", { class: "axis", x: 0, y: PT - 4 }, tr("Avalanche problems")));
    view.appendChild(el("section", { class: "card" }, chart,
      el("p", { class: "muted" }, (w.count || 0) + " " + tr("warnings in the season; click a day for its warning."))));
  }
  /* ---------- one warning ---------- */
  const ASPECTS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];
  function rose(expo) {
    const s = svg("svg", { class: "rose", viewBox: "-50 -50 100 100", "data-expositions": expo || "" });
    for (let i = 0; i < 8; i++) {
      const a0 = ((i * 45 - 22.5 - 90) * Math.PI) / 180, a1 = ((i * 45 + 22.5 - 90) * Math.PI) / 180;
      const on = expo && expo[i] === "1";
      const p = (a) => (38 * Math.cos(a)).toFixed(1) + "," + (38 * Math.sin(a)).toFixed(1);
      s.appendChild(svg("path", { class: "sector" + (on ? " on" : ""), d: `M0,0 L${p(a0)} A38,38 0 0 1 ${p(a1)} Z`,
        "data-aspect": ASPECTS[i], "data-on": on ? "1" : "0" }, svg("title", null, ASPECTS[i] + (on ? " exposed" : ""))));
      const la = ((i * 45 - 90) * Math.PI) / 180;
      s.appendChild(svg("text", { class: "aspect", x: (46 * Math.cos(la)).toFixed(1), y: (46 * Math.sin(la) + 3).toFixed(1) },
        ASPECTS[i]));
    }
    return s;
  }
  function heights(p) {
    const a = p.exposed_height_1, b = p.exposed_height_2;
    const nb = S.lang === "nb";
    switch (p.exposed_height_fill) {
      case 1: return (nb ? "over " : "above ") + a + " m";
      case 2: return (nb ? "under " : "below ") + a + " m";
      case 3: return (nb ? "mellom " : "between ") + Math.min(a, b) + (nb ? " og " : " and ") + Math.max(a, b) + " m";
      case 4: return (nb ? "under " : "below ") + Math.min(a, b) + (nb ? " og over " : " and above ") + Math.max(a, b) + " m";
      default: return nb ? "ikke oppgitt" : "not given";
    }
  }

  async function renderWarning(gen, view, id, lang, date) {
    if (lang === "nb" || lang === "en") S.lang = lang;
    document.documentElement.lang = S.lang;
    const w = await api("/api/v1/warnings?region=" + encodeURIComponent(id) + "&lang=" + encodeURIComponent(lang) +
      "&from=" + encodeURIComponent(date) + "&to=" + encodeURIComponent(date) + "&detail=1");
    if (gen !== S.gen) return;
    const x = (w.warnings || [])[0];
    view.appendChild(el("div", { class: "toolbar" }, el("a", { href: "#/region/" + id + "/" + seasonOf(date) }, tr("← season")),
      el("a", { href: "#/data" }, tr("map")),
      el("span", { class: "spacer" }),
      el("a", { href: "#/warning/" + id + "/" + lang + "/" + addDays(date, -1), id: "prev-day" }, "← " + addDays(date, -1)),
      el("a", { href: "#/warning/" + id + "/" + lang + "/" + addDays(date, 1), id: "next-day" }, addDays(date, 1) + " →"),
      el("a", { href: "#/warning/" + id + "/" + (lang === "en" ? "nb" : "en") + "/" + date }, lang === "en" ? "norsk" : "english")));
    if (!x) {
      view.appendChild(el("p", { class: "muted", id: "no-warning" }, "No warning stored for region " + id + " on " + date + " (" + lang + ")."));
      return;
    }
    const txt = (label, v, idv) => (v ? [el("h3", null, label), el("p", { id: idv || null }, v)] : []);
    const card = el("section", { class: "card", id: "warning", "data-region": x.region_id, "data-date": x.valid_date,
      "data-level": x.danger_level, "data-lang": lang },
    el("h1", null, levelBadge(x.danger_level, x.not_assessed), " ", x.region_name, " — ", x.valid_date),
    el("p", { class: "muted" }, x.danger_level_name || levelName(x.danger_level), " · " + tr("published") + " ", fmtTime(x.publish_time),
      x.author ? " · " + x.author : ""),
    el("p", { class: "main-text", id: "w-main" }, x.main_text || ""),
    x.emergency_warning && !NO_EMERGENCY.test(x.emergency_warning)
      ? el("p", { class: "emergency", id: "w-emergency" }, tr("Emergency warning") + ": " + x.emergency_warning) : null,
    txt(tr("Avalanche danger"), x.avalanche_danger, "w-danger"),
    txt(tr("Snow surface"), x.snow_surface), txt(tr("Weak layers"), x.current_weaklayers),
    txt(tr("Recent avalanche activity"), x.latest_avalanche_activity), txt(tr("Latest observations"), x.latest_observations));
    view.appendChild(card);
    const probs = x.problems || [];
    const pc = section(tr("Avalanche problems"));
    pc.id = "problems";
    if (!probs.length) pc.appendChild(el("p", { class: "muted" }, tr("none given")));
    for (const p of probs)
      pc.appendChild(el("div", { class: "problem", "data-problem": p.problem_type_id },
        rose(p.valid_expositions),
        el("div", null, el("h3", null, p.problem_type_name || "problem"),
          p.text ? el("p", null, p.text) : null,
          kv([[tr("elevation"), heights(p)], [tr("aspects"), ASPECTS.filter((_, i) => (p.valid_expositions || "")[i] === "1").join(" ") || "–"],
            [tr("cause"), p.cause_name], [tr("type"), p.aval_type_name || p.ext_name], [tr("trigger"), p.trigger_sensitivity_name || p.trigger_simple_name],
            [tr("size"), p.size_name], [tr("probability"), p.probability_name], [tr("distribution"), p.propagation_name]]
            .filter(([, v]) => v)))));
    view.appendChild(pc);
    if ((x.advices || []).length)
      view.appendChild(section(tr("Advice"), el("ul", { id: "advice" }, x.advices.map((a) => el("li", null, a.text)))));
    const mw = x.mountain_weather;
    if (mw) {
      const rows = (mw.values || []).map((v) => el("tr", null, el("td", null, v.type_name), el("td", null, v.subtype_name), el("td", null, v.value)));
      const mwc = section(tr("Mountain weather"), mw.cloud_cover_name ? el("p", null, mw.cloud_cover_name) : null,
        mw.comment ? el("p", null, mw.comment) : null,
        rows.length ? table([tr("Measurement"), tr("Detail"), tr("Value")], rows, { id: "weather", class: "compact" }) : null);
      mwc.id = "mountain-weather";
      view.appendChild(mwc);
    }
  }

  /* ---------- pipeline ---------- */
  let dlq = { offset: 0, limit: 20 };
  async function renderPipeline(gen, view) {
    /* The status again: a reload (SIGHUP) may have changed schedules. */
    const [topics, wh, sc] = await Promise.all([api("/api/v1/topics"), optional("/api/v1/warehouse").catch(() => null),
      optional("/api/v1/schemas").catch(() => null), refreshStatus()]);
    if (gen !== S.gen) return;
    const st = S.status || {};
    const restart = Array.isArray(st.restart_required) ? st.restart_required : null;
    const na = (v) => (v === undefined || v === null || v === "" ? "n/a" : v);
    view.appendChild(el("div", { class: "pipe-grid" },
      section("Daemon", kv([["version", na(st.version)], ["ledger", na(st.ledger)], ["bus", na(st.bus || topics.bus)], ["store", na(st.store)],
        ["consumer group", na(topics.group)], ["time zone", na(st.timezone)], ["paused", na(st.paused === undefined ? null : String(st.paused))],
        ["schedules", el("span", { id: "schedules" },
          st.schedules && st.schedules.length ? st.schedules.map((s) => s.job + ": " + s.cron).join("; ") : "n/a")],
        ["restart required", el("span", { id: "restart-required", class: restart && restart.length ? "warn" : "",
          title: "changed in the configuration, applied at the next restart" },
          restart ? (restart.length ? restart.join(", ") : "none") : "n/a")]])),
      el("section", { class: "card", id: "warehouse" }, el("h2", null, "Warehouse"), wh ? kv([["backend", wh.backend],
        ["warnings", el("span", { "data-count": "warnings" }, wh.warnings)], ["problems", el("span", { "data-count": "problems" }, wh.problems)],
        ["revisions", el("span", { "data-count": "revisions" }, wh.revisions)], ["last write", fmtTime(wh.last_write)]])
        : el("p", { class: "muted" }, "n/a (this daemon does not report the warehouse)"))));
    /* The processes sharing this ledger (several daemons on a PostgreSQL
     * ledger): alive while they beat within their lease. */
    const ds = Array.isArray(st.daemons) ? st.daemons : null;
    view.appendChild(section("Daemons", !ds ? el("p", { class: "muted" }, "n/a (this daemon does not report them)")
      : !ds.length ? el("p", { class: "muted" }, "none beating")
      : table(["process", "host", "#pid", "role", "started", "last beat", "alive"], ds.map((d) =>
        el("tr", { class: "daemon", "data-alive": d.alive ? "1" : "0", "data-role": d.role },
          el("td", null, d.owner), el("td", null, d.host), el("td", { class: "num" }, d.pid), el("td", null, d.role),
          el("td", null, fmtTime(d.started)), el("td", null, fmtTime(d.last_beat)),
          el("td", null, el("span", { class: "state s-" + (d.alive ? "success" : "failed") }, d.alive ? "alive" : "gone")))),
        { id: "daemons" })));
    const rows = [];
    for (const t of topics.topics || [])
      for (const p of t.partitions || [])
        rows.push(el("tr", { class: "topic", "data-topic": t.topic, "data-partition": p.partition },
          el("td", null, t.topic), el("td", { class: "num" }, p.partition),
          el("td", { class: "num end-offset" }, p.end_offset),
          el("td", { class: "num committed" }, p.committed_offset < 0 ? "–" : p.committed_offset),
          /* The group reads only the raw topic: elsewhere lag means nothing. */
          p.committed_offset < 0 ? el("td", { class: "num lag", title: "not consumed by the group" }, "–")
            : el("td", { class: "num lag" + (p.lag > 0 ? " warn" : "") }, p.lag)));
    view.appendChild(section("Topics (group " + (topics.group || "?") + ")",
      table(["topic", "#partition", "#end offset", "#committed", "#lag"], rows, { id: "topics" })));
    /* The record shapes used (the embedded bus keeps them; on Kafka the
     * schema registry does), each version with what changed. */
    const shapes = sc && sc.kept ? sc.schemas || [] : null;
    view.appendChild(el("section", { class: "card", id: "schemas" }, el("h2", null, "Record shapes"),
      !shapes ? el("p", { class: "muted" }, "n/a (kept by the schema registry, or not reported)")
      : table(["subject", "#version", "first used", "changed from the version before"], shapes.map((x) =>
        el("tr", { class: "schema", "data-subject": x.subject, "data-version": x.version },
          el("td", null, x.subject), el("td", { class: "num" }, x.version), el("td", null, fmtTime(x.first_used)),
          el("td", null, x.changes === null ? el("span", { class: "muted" }, "first version")
            : el("details", null, el("summary", null, x.changes ? x.changes.trim().split("\n").length + " fields" : "the same fields"),
              el("pre", { class: "schema-diff" }, x.changes || ""))))),
        { id: "schemas-table" })));
    await renderShapesExtra(gen, view, shapes);
    const dl = el("section", { class: "card", id: "dlq" }, el("h2", null, "Dead letters"));
    view.appendChild(dl);
    await renderDlq(gen, dl);
    await renderPipeTools(gen, view, topics);
  }

  /* ---------- pipeline: rates, group members, message browser ---------- */
  /* A small line chart of series [{name, cls, points: [[ms, v]]}]. */
  function sparkChart(id, title, unit, series) {
    const W = 320, H = 90, L = 38, B = 16;
    const all = series.flatMap((x) => x.points);
    const c = svg("svg", { class: "spark", id, viewBox: `0 0 ${W} ${H + B}`, "data-points": all.length });
    const box = el("div", { class: "spark-box" }, el("h3", null, title), c);
    if (all.length < 1) { c.appendChild(svg("text", { class: "axis", x: L, y: H / 2 }, "collecting samples…")); return box; }
    const t0 = Math.min(...all.map((p) => p[0])), t1 = Math.max(...all.map((p) => p[0]), t0 + 1);
    const vmax = Math.max(...all.map((p) => p[1])) || 1;
    const X = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - 4), Y = (v) => 4 + (1 - v / vmax) * (H - 8);
    c.appendChild(svg("line", { class: "gridline", x1: L, x2: W - 4, y1: Y(0), y2: Y(0) }));
    c.appendChild(svg("text", { class: "axis", x: L - 4, y: Y(vmax) + 8, "text-anchor": "end" }, +vmax.toPrecision(3)));
    c.appendChild(svg("text", { class: "axis", x: L - 4, y: Y(0), "text-anchor": "end" }, "0"));
    c.appendChild(svg("text", { class: "axis", x: L, y: H + B - 2 }, new Date(t0).toISOString().slice(11, 16) + "Z"));
    c.appendChild(svg("text", { class: "axis", x: W - 4, y: H + B - 2, "text-anchor": "end" }, new Date(t1).toISOString().slice(11, 16) + "Z"));
    for (const x of series)
      if (x.points.length)
        c.appendChild(svg("polyline", { class: "series " + x.cls, "data-series": x.name,
          points: x.points.map(([t, v]) => X(t).toFixed(1) + "," + Y(v).toFixed(1)).join(" ") },
        svg("title", null, x.name + " (" + unit + "), last " + +x.points[x.points.length - 1][1].toPrecision(3))));
    box.appendChild(el("div", { class: "legend" }, series.map((x) => el("span", null, el("i", { class: "swatch " + x.cls }), x.name))));
    return box;
  }

  function ratesCharts(r) {
    const s = (r && r.samples) || [];
    const pts = (f) => {
      const out = [];
      for (let i = 1; i < s.length; i++) {
        const a = s[i - 1], b = s[i], dt = (Date.parse(b.time) - Date.parse(a.time)) / 1000;
        const va = f(a), vb = f(b);
        if (dt > 0 && va != null && vb != null) out.push([Date.parse(b.time), Math.max(0, (vb - va) / dt)]);
      }
      return out;
    };
    const lag = s.filter((x) => x.lag != null).map((x) => [Date.parse(x.time), x.lag]);
    return el("div", { class: "spark-grid", id: "rates", "data-samples": s.length },
      sparkChart("rate-produce", "Produced (messages/s)", "msg/s", [
        { name: "raw", cls: "c0", points: pts((x) => x.raw_end) },
        { name: "clean", cls: "c1", points: pts((x) => x.clean_end) },
        { name: "dead letters", cls: "c2", points: pts((x) => x.dlq_end) }]),
      sparkChart("rate-consume", "Consumed by the group (messages/s)", "msg/s",
        [{ name: "raw", cls: "c0", points: pts((x) => x.committed) }]),
      sparkChart("rate-lag", "Lag (messages)", "messages", [{ name: "raw", cls: "c3", points: lag }]));
  }

  const browse = { topic: "raw", partition: "", offset: "0", from: "", key: "", limit: 20 };
  async function renderPipeTools(gen, view, topics) {
    const [rates, mem] = await Promise.all([optional("/api/v1/rates").catch(() => null),
      optional("/api/v1/members").catch((e) => ({ error: e.message }))]);
    if (gen !== S.gen) return;
    view.appendChild(el("section", { class: "card", id: "rates-card" }, el("h2", null, "Rates, last hour"),
      rates ? ratesCharts(rates) : el("p", { class: "muted" }, "n/a (this daemon keeps no rates)"),
      el("p", { class: "muted" }, rates ? "sampled every " + rates.interval_ms / 1000 + " s, kept in the daemon's memory" : "")));
    const mc = el("section", { class: "card", id: "members" }, el("h2", null, "Consumer group " + (topics.group || "?")));
    if (!mem || mem.error) mc.appendChild(el("p", { class: "muted" }, "n/a" + (mem && mem.error ? " (" + mem.error + ")" : "")));
    else if (mem.members === null) mc.appendChild(el("p", { class: "muted", id: "members-note" }, mem.note || "no members on this bus"));
    else if (!mem.members.length) mc.appendChild(el("p", { class: "muted", id: "members-note" }, "no member is consuming now"));
    else mc.appendChild(table(["member", "client", "host", "partitions"], mem.members.map((m) =>
      el("tr", { class: "member", "data-member": m.id, "data-assignment": m.assignment },
        el("td", null, m.id), el("td", null, m.client_id), el("td", null, m.host), el("td", null, m.assignment || "–"))),
    { id: "members-table" }));
    view.appendChild(mc);
    const mb = el("section", { class: "card", id: "browser" }, el("h2", null, "Messages"));
    view.appendChild(mb);
    await renderBrowser(gen, mb, topics);
  }

  const pretty = (s) => { try { return JSON.stringify(JSON.parse(s), null, 2); } catch (e) { return s; } };

  async function renderBrowser(gen, box, topics) {
    while (box.childNodes.length > 1) box.removeChild(box.lastChild);
    const names = { raw: "raw", clean: "clean", dlq: "dead letters" };
    const tsel = el("select", { id: "msg-topic" }, Object.entries(names).map(([k, v]) =>
      el("option", { value: k, selected: browse.topic === k }, v)));
    const part = el("input", { type: "number", min: 0, id: "msg-partition", placeholder: "all", value: browse.partition });
    const off = el("input", { type: "number", min: 0, id: "msg-offset", value: browse.offset });
    const from = el("input", { type: "datetime-local", id: "msg-from", value: browse.from, title: "from this time (UTC) instead of an offset" });
    const key = el("input", { type: "search", id: "msg-key", placeholder: "key contains…", value: browse.key });
    const lim = el("input", { type: "number", min: 1, max: 500, id: "msg-limit", value: browse.limit });
    const go = (o) => {
      Object.assign(browse, { topic: tsel.value, partition: part.value, offset: o === undefined ? off.value : String(o),
        from: o === undefined ? from.value : "", key: key.value.trim(), limit: Math.min(500, Math.max(1, +lim.value || 20)) });
      renderBrowser(S.gen, box, topics).catch(errorMessage);
    };
    box.appendChild(el("form", { class: "toolbar", id: "msg-form", onsubmit: (e) => { e.preventDefault(); go(); } },
      el("label", null, "topic ", tsel), el("label", null, "partition ", part), el("label", null, "offset ", off),
      el("label", null, "or from ", from), el("label", null, "key ", key), el("label", null, "limit ", lim),
      el("button", { type: "submit", id: "msg-go" }, "Show")));
    let q = "/api/v1/messages?topic=" + browse.topic + "&limit=" + browse.limit;
    if (browse.partition !== "") q += "&partition=" + (+browse.partition);
    if (browse.from) q += "&from=" + encodeURIComponent(new Date(browse.from + "Z").toISOString());
    else q += "&offset=" + (+browse.offset || 0);
    if (browse.key) q += "&key=" + encodeURIComponent(browse.key);
    const d = await api(q);
    if (gen !== S.gen) return;
    const ms = d.messages || [];
    box.appendChild(el("p", { class: "muted", id: "msg-summary", "data-count": ms.length, "data-topic": d.topic },
      d.topic + ": " + ms.length + " shown, " + d.scanned + " read",
      ms.length ? el("button", { id: "msg-next", class: "link", onclick: () => go(d.next_offset) }, "next →") : null));
    if (!ms.length) { box.appendChild(el("p", { class: "muted" }, "No messages here.")); return; }
    box.appendChild(table(["#partition:offset", "time", "key", "#size", ""], ms.map((m) =>
      el("tr", { class: "message", "data-partition": m.partition, "data-offset": m.offset, "data-key": m.key },
        el("td", { class: "num" }, m.partition + ":" + m.offset), el("td", null, fmtTime(m.time)),
        el("td", { class: "key" }, m.key), el("td", { class: "num" }, m.size),
        el("td", null, el("details", null, el("summary", null, "payload, headers"),
          el("pre", { class: "headers" }, Object.entries(m.headers || {}).map(([k, v]) => k + ": " + v).join("\n")),
          el("pre", { class: "payload" }, m.payload != null ? pretty(m.payload) : "(binary, base64) " + m.payload_base64))))),
    { id: "msg-table" }));
  }

  /* Pipeline: a diff between two chosen versions of a subject
   * (GET /api/v1/schemas/diff) and the source's drift (GET /api/v1/drift). */
  async function renderShapesExtra(gen, view, shapes) {
    if (shapes && shapes.length) {
      const subjects = [...new Set(shapes.map((x) => x.subject))];
      const subj = el("select", { id: "diff-subject" }, subjects.map((x) => el("option", { value: x }, x)));
      const from = el("select", { id: "diff-from" }), to = el("select", { id: "diff-to" });
      const out = el("pre", { class: "schema-diff", id: "diff-out" }, "");
      const fill = () => {
        const vs = shapes.filter((x) => x.subject === subj.value).map((x) => x.version);
        for (const [box, pick] of [[from, vs.length > 1 ? vs[vs.length - 2] : vs[0]], [to, vs[vs.length - 1]]]) {
          clear(box);
          vs.forEach((v) => box.appendChild(el("option", { value: v }, String(v))));
          box.value = String(pick);
        }
      };
      const show = async () => {
        const q = "subject=" + encodeURIComponent(subj.value) + "&from=" + from.value + "&to=" + to.value;
        try {
          const d = await api("/api/v1/schemas/diff?" + q);
          out.textContent = d.count ? d.changes.join("\n") : "the same fields";
          out.dataset.count = d.count;
        } catch (e) { out.textContent = String(e.message || e); out.dataset.count = "-1"; }
      };
      subj.onchange = () => { fill(); show(); };
      from.onchange = show;
      to.onchange = show;
      fill();
      view.appendChild(el("section", { class: "card", id: "schema-diff" }, el("h2", null, "Compare record shapes"),
        el("div", { class: "toolbar" }, el("label", null, "subject ", subj), el("label", null, "version ", from),
          el("label", null, "→ ", to)), out));
      await show();
      if (gen !== S.gen) return;
    }
    const dr = await optional("/api/v1/drift").catch(() => null);
    if (gen !== S.gen) return;
    const rows = dr && dr.kept ? dr.drift || [] : null;
    view.appendChild(el("section", { class: "card", id: "drift" }, el("h2", null, "Source drift"),
      rows === null ? el("p", { class: "muted" }, "n/a (this bus keeps no drift record; see skred_source_drift_total)")
      : !rows.length ? el("p", { class: "muted", id: "no-drift" }, "Every record had the expected API shape.")
      : table(["field", "kind", "#records", "first seen", "last seen"], rows.map((x) =>
        el("tr", { class: "drift", "data-field": x.field, "data-kind": x.kind },
          el("td", null, x.field), el("td", null, x.kind), el("td", { class: "num" }, x.count),
          el("td", null, fmtTime(x.first_seen)), el("td", null, fmtTime(x.last_seen)))), { id: "drift-table" })));
  }

  async function renderDlq(gen, box) {
    const d = await api("/api/v1/dlq?offset=" + dlq.offset + "&limit=" + dlq.limit);
    if (gen !== S.gen) return;
    while (box.childNodes.length > 1) box.removeChild(box.lastChild);
    const off = el("input", { type: "number", min: 0, value: dlq.offset, id: "dlq-offset" });
    const lim = el("input", { type: "number", min: 1, max: 1000, value: dlq.limit, id: "dlq-limit" });
    const go = (o) => { dlq = { hideReplayed: dlq.hideReplayed, offset: Math.max(0, o), limit: Math.min(1000, Math.max(1, +lim.value || 20)) }; renderDlq(S.gen, box).catch(errorMessage); };
    const letters = d.dead_letters || [];
    box.appendChild(el("div", { class: "toolbar" },
      el("button", { id: "dlq-prev", disabled: dlq.offset === 0, onclick: () => go(dlq.offset - dlq.limit) }, "← previous"),
      el("label", null, "offset ", off), el("label", null, "limit ", lim),
      el("button", { id: "dlq-go", onclick: () => go(+off.value || 0) }, "Show"),
      el("button", { id: "dlq-next", disabled: letters.length < dlq.limit,
        onclick: () => go((letters.length ? letters[letters.length - 1].offset + 1 : dlq.offset + dlq.limit)) }, "next →"),
      el("span", { class: "muted" }, letters.length + " shown")));
    const shown = dlq.hideReplayed === false ? letters : letters.filter((x) => !x.replayed);
    const reasons = [...new Set(letters.map((x) => (x.headers || {}).reason).filter(Boolean))];
    const hide = el("input", { type: "checkbox", id: "dlq-hide-replayed", checked: dlq.hideReplayed !== false,
      onchange: (e) => { dlq.hideReplayed = e.target.checked; renderDlq(S.gen, box).catch(errorMessage); } });
    const rsel = el("select", { id: "replay-reason" }, el("option", { value: "" }, "selected letters"),
      reasons.map((r) => el("option", { value: r }, "all with reason: " + r)));
    const result = el("div", { id: "replay-result" });
    const replay = (dry) => action(async () => {
      const picked = [...box.querySelectorAll("input.dlq-pick:checked")].map((c) => c.value);
      let q;
      if (rsel.value) q = "reason=" + encodeURIComponent(rsel.value);
      else if (picked.length) q = "offsets=" + picked.join(",");
      else throw new Error("select dead letters (or a reason) to replay");
      const r = await api("/api/v1/dlq/replay?" + q + (dry ? "&dry_run=1" : ""), "POST");
      dlq.last = r; // shown again when the list is drawn anew
      showReplay(result, r);
      if (!dry) await renderDlq(S.gen, box);
      return dry ? "dry run: " + r.letters.length + " dead letters looked at, nothing changed"
        : "replay run " + r.run + ": " + r.stored + " stored, " + r.dead + " dead again";
    });
    box.appendChild(el("div", { class: "toolbar", id: "replay-bar" },
      el("label", null, hide, " hide replayed"), el("span", { class: "spacer" }),
      el("label", null, "replay ", rsel),
      el("button", { id: "replay-dry", onclick: () => replay(true) }, "Dry run"),
      el("button", { id: "replay-go", onclick: () => replay(false) }, "Replay")));
    box.appendChild(result);
    if (dlq.last) showReplay(result, dlq.last);
    if (!shown.length) { box.appendChild(el("p", { class: "muted" }, "No dead letters here.")); return; }
    const rows = shown.map((x) => {
      const h = x.headers || {};
      let pretty = x.payload;
      try { pretty = JSON.stringify(JSON.parse(x.payload), null, 2); } catch (e) { /* not JSON: as it is */ }
      const other = Object.entries(h).filter(([k]) => k !== "reason").map(([k, v]) => k + ": " + v).join("\n");
      return el("tr", { class: "dead-letter", "data-offset": x.offset, "data-replayed": x.replayed ? "1" : "0" },
        el("td", null, el("input", { type: "checkbox", class: "dlq-pick", value: x.partition + ":" + x.offset, "aria-label": "select " + x.partition + ":" + x.offset })),
        el("td", { class: "num" }, x.partition + ":" + x.offset), el("td", { class: "key" }, x.key),
        el("td", { class: "reason" }, h.reason || ""),
        el("td", { class: "replayed muted" }, x.replayed || ""),
        el("td", null, el("details", null, el("summary", null, "payload, headers"),
          el("pre", { class: "headers" }, other), el("pre", { class: "payload" }, pretty))));
    });
    box.appendChild(table(["", "#offset", "key", "reason", "replayed", ""], rows, { id: "dlq-table" }));
  }

  function showReplay(box, r) {
    clear(box).appendChild(el("div", { class: "replay " + (r.dry_run ? "dry" : "done"), "data-dry-run": r.dry_run ? "1" : "0",
      "data-run": r.run == null ? "" : r.run },
    el("h3", null, r.dry_run ? "Dry run: what a replay would do (nothing changed)" : "Replayed as run ",
      r.run == null ? null : el("a", { href: "#/runs/" + r.run }, String(r.run))),
    table(["#offset", "key", "reason", "outcome", "detail"], r.letters.map((x) =>
      el("tr", { class: "replay-letter", "data-offset": x.offset, "data-outcome": x.outcome },
        el("td", { class: "num" }, x.offset), el("td", { class: "key" }, x.key), el("td", null, x.reason),
        el("td", { class: "outcome o-" + x.outcome }, x.outcome), el("td", { class: "muted" }, x.detail || ""))),
    { id: "replay-table" })));
  }

  /* ---------- router ---------- */
  function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    return { page: parts[0] || "runs", arg: parts[1] || "", parts };
  }

  async function render() {
    const gen = ++S.gen;
    clearInterval(S.timer);
    S.timer = null;
    const r = route();
    const nav = r.page === "region" || r.page === "warning" ? "data" : r.page;
    document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.dataset.nav === nav));
    const view = clear($("#view"));
    view.setAttribute("data-page", r.page);
    view.setAttribute("aria-busy", "true");
    try {
      /* The region list does not depend on the status: ask for both. */
      if (["data", "region"].includes(r.page)) regions().catch(() => {});
      if (S.status === undefined) await refreshStatus();
      switch (r.page) {
        case "runs":
          document.title = "skred — runs";
          runsSkeleton().forEach((n) => view.appendChild(n));
          showPaused();
          await renderRuns(gen);
          S.timer = setInterval(() => {
            if (document.visibilityState !== "visible" || gen !== S.gen) return;
            refreshStatus().then(() => renderRuns(gen)).catch(errorMessage);
          }, 5000);
          break;
        case "data":
          document.title = "skred — danger levels";
          await renderData(gen, view);
          break;
        case "region":
          document.title = "skred — season";
          await renderTimeline(gen, view, r.arg, r.parts[2]);
          break;
        case "warning":
          document.title = "skred — warning";
          await renderWarning(gen, view, r.parts[1], r.parts[2] || S.lang, r.parts[3] || (S.status && S.status.today));
          break;
        case "pipeline":
          document.title = "skred — pipeline";
          await renderPipeline(gen, view);
          break;
        default:
          view.appendChild(el("p", null, "No such page. ", el("a", { href: "#/runs" }, "Runs")));
      }
    } catch (e) {
      if (gen === S.gen) {
        errorMessage(e);
        view.appendChild(el("p", { class: "error-text", id: "view-error" }, e.message || String(e)));
      }
    } finally {
      if (gen === S.gen) {
        view.setAttribute("aria-busy", "false");
        /* When the page was drawn (for measuring: "skred:data", ...). */
        if (window.performance && performance.mark) performance.mark("skred:" + r.page);
      }
    }
  }

  $("#token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("skred.token", $("#token-input").value);
    $("#token-input").value = "";
    $("#token-form").hidden = true;
    message("token saved; repeat the action", "ok");
  });
  window.addEventListener("hashchange", render);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && route().page === "runs") refreshStatus().catch(() => {});
  });
  render();
})();
