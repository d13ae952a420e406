// ipaas dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const fmt = (n) => (n == null ? "—" : Number(n).toLocaleString("en-US"));
  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }

  // Destructive forms ask first.
  $$("form[data-confirm]").forEach((f) => f.addEventListener("submit", (ev) => { if (!window.confirm(f.dataset.confirm)) ev.preventDefault(); }));

  // The company switcher submits on change.
  $$("form[data-autosubmit] select").forEach((s) => s.addEventListener("change", () => s.form.submit()));

  // Overview: refresh figures and charts every 5 s without reloading.
  const overview = $("[data-overview]");
  if (overview) {
    const status = $("[data-live-status]");
    const tick = async () => {
      try {
        const data = await getJSON(overview.dataset.src);
        for (const s of data.subscriptions) {
          const card = $(`[data-sub="${s.id}"]`, overview);
          if (!card) continue;
          for (const key of ["pending", "errors_open", "errors_hour", "errors_day", "in_total", "out_total"]) {
            const el = $(`[data-field="${key}"]`, card);
            if (el) el.textContent = fmt(s[key]);
          }
          $(`[data-field="errors_open"]`, card).classList.toggle("bad", s.errors_open > 0);
          $(`[data-field="last_webhook"]`, card).textContent = s.last_webhook;
          $(`[data-field="last_poll"]`, card).textContent = s.last_poll;
          $(`[data-field="chart"]`, card).innerHTML = s.chart; // server-rendered, escaped SVG
        }
        if (status) { status.textContent = "Live · updated " + new Date().toLocaleTimeString(); status.classList.remove("stale"); }
      } catch (e) {
        if (status) { status.textContent = "Reconnecting…"; status.classList.add("stale"); }
      }
    };
    setInterval(tick, 5000);
  }

  // An item's page: after a retry, watch the state until it settles.
  const itemLive = $("[data-item-live]");
  if (itemLive) {
    const pills = { done: ["ok", "Done"], error: ["bad", "Error"], pending: ["info", "Pending"], in_flight: ["info", "In flight"], discarded: ["neutral", "Discarded"] };
    let last = null;
    const tick = async () => {
      try {
        const d = await getJSON(itemLive.dataset.src);
        if (d.state !== last) {
          last = d.state;
          const [cls, text] = pills[d.state] || ["neutral", d.state];
          $('[data-field="state"]', itemLive).innerHTML = `<span class="pill ${cls}" data-state="${esc(d.state)}">${esc(text)}</span>`;
          if (d.state !== "error") $$("form", itemLive).forEach((f) => f.remove());
        }
        if (d.state === "pending" || d.state === "in_flight") setTimeout(tick, 1000);
      } catch (e) { setTimeout(tick, 3000); }
    };
    tick();
  }

  // Queue list: select all, count, and live states of pending rows.
  const bulk = $("form[data-bulk]");
  if (bulk) {
    const boxes = () => $$('input[name="ids"]', bulk);
    const count = () => { $("[data-selected-count]", bulk).textContent = boxes().filter((b) => b.checked).length + " selected"; };
    bulk.addEventListener("change", count);
    const all = $("[data-select-all]", bulk);
    if (all) all.addEventListener("change", () => { boxes().forEach((b) => (b.checked = all.checked)); count(); });
    const rows = $$("tr[data-item]", bulk);
    const refresh = async () => {
      const ids = rows.map((r) => r.dataset.item).join(",");
      if (!ids) return;
      try {
        const states = await getJSON("/app/queue-states.json?ids=" + ids);
        for (const r of rows) {
          const s = states[r.dataset.item];
          if (!s) continue;
          $('[data-field="attempts"]', r).textContent = s.attempts;
          const cell = $('[data-field="state"]', r);
          if (cell.dataset.state !== s.state) {
            cell.dataset.state = s.state;
            const map = { done: ["ok", "Done"], error: ["bad", "Error"], pending: ["info", "Pending"], in_flight: ["info", "In flight"], discarded: ["neutral", "Discarded"] };
            const [cls, text] = map[s.state] || ["neutral", s.state];
            cell.innerHTML = `<span class="pill ${cls}">${esc(text)}</span>`;
          }
        }
      } catch (e) { /* keep the page as it is */ }
    };
    setInterval(refresh, 5000);
  }

  // Mapping editor: each row shows the inputs of its type; preview as you type (debounced),
  // per-field errors under each row; pick a recent record as the sample.
  const editor = $("form[data-mapping-editor]");
  if (editor) {
    const out = $("[data-preview-output]");
    const line = $("[data-preview-status]");
    const sample = $("#sample");
    const rowsOf = () => $$("li.fm-row", editor);
    let timer = null;
    let seq = 0;
    const showInputs = (row) => {
      const kind = $('[data-k="type"]', row).value;
      $$("[data-types]", row).forEach((g) => { g.hidden = !g.dataset.types.split(" ").includes(kind); });
    };
    const collect = () => {
      const rows = rowsOf().map((row) => {
        const get = (n) => { const el = $(`[data-k="${n}"]`, row); return el ? el.value : ""; };
        return { target: get("target"), type: get("type"), source: get("source"), expression: get("expression"), value: get("value"), table: get("table"), default: get("default") };
      });
      return { field_mappings: rows, sample: sample ? sample.value : "{}", mapping_filter: ($("#mapping_filter") || {}).value || "" };
    };
    const run = async () => {
      const mine = ++seq;
      line.textContent = "Mapping…";
      try {
        const r = await fetch(editor.dataset.preview, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
          body: JSON.stringify(collect()),
        });
        const d = await r.json();
        if (mine !== seq) return;
        rowsOf().forEach((row) => { row.classList.remove("has-error"); $(".fm-error", row).textContent = ""; });
        if (d.sample_error) { line.innerHTML = `<span class="pill bad">Sample: ${esc(d.sample_error)}</span>`; return; }
        const errs = d.errors || [];
        for (const e of errs) {
          const row = e.row != null ? rowsOf()[e.row] : rowsOf().find((t) => $('[data-k="target"]', t).value === e.field);
          if (row) { row.classList.add("has-error"); $(".fm-error", row).textContent = e.message; }
        }
        out.textContent = JSON.stringify(d.output, null, 2);
        const us = d.microseconds != null ? ` · ${d.microseconds} µs` : "";
        line.innerHTML = d.ok
          ? `<span class="pill ok" data-preview-ok>✓ Maps cleanly</span><span class="muted">${us}</span>`
          : `<span class="pill bad">✕ ${errs.length} error(s)${d.skipped ? " · skipped: " + esc(d.skipped) : ""}${d.failed ? " · " + esc(d.failed) : ""}</span>`;
      } catch (e) { line.textContent = "Preview unavailable"; }
    };
    const counter = $(".card-head .count", editor);
    const schedule = () => {
      if (counter) counter.textContent = rowsOf().length;
      clearTimeout(timer); timer = setTimeout(run, 250);
    };
    editor.addEventListener("input", schedule);
    editor.addEventListener("change", (ev) => {
      if (ev.target.matches('[data-k="type"]')) showInputs(ev.target.closest("li.fm-row"));
      schedule();
    });
    rowsOf().forEach(showInputs);
    const pick = $("[data-sample-pick]");
    if (pick) pick.addEventListener("change", () => {
      const opt = pick.selectedOptions[0];
      if (opt && opt.dataset.json) { sample.value = opt.dataset.json; schedule(); }
    });
    if (sample) sample.addEventListener("input", () => { if (pick) pick.value = ""; schedule(); });
    const add = $("[data-add-row]");
    if (add) add.addEventListener("click", () => {
      const tpl = $("template#fm-row-template");
      const list = $("[data-rows]", editor);
      const node = tpl.content.firstElementChild.cloneNode(true);
      // a fresh number, never reused after removals, keeps ids unique
      const n = Math.max(-1, ...rowsOf().map((r) => Number(($('[data-k="target"]', r).name.split(".")[1])))) + 1;
      $$("[name], [id]", node).forEach((el) => {
        if (el.name) el.name = el.name.replace("__n__", n);
        if (el.id) el.id = el.id.replace("__n__", n);
      });
      $$("label[for]", node).forEach((el) => { el.htmlFor = el.htmlFor.replace("__n__", n); });
      list.appendChild(node);
      const empty = $("[data-empty-rows]", editor);
      if (empty) empty.remove();
      showInputs(node);
      $("input", node).focus();
      schedule();
    });
    editor.addEventListener("click", (ev) => {
      const btn = ev.target.closest("[data-remove-row]");
      if (!btn) return;
      const row = btn.closest("li.fm-row");
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      // keep keyboard focus in the list rather than losing it to the page
      (next ? $("input", next) : add).focus();
      schedule();
    });
    run();
  }

  // Initialization progress bars poll until every run is done.
  const init = $("[data-init-progress]");
  if (init) {
    const tick = async () => {
      try {
        const d = await getJSON(init.dataset.src);
        init.innerHTML = d.html;
        if (d.running) setTimeout(tick, 1500);
      } catch (e) { setTimeout(tick, 4000); }
    };
    if (init.dataset.running === "1") setTimeout(tick, 1500);
  }
})();
