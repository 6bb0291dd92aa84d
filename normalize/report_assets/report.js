// normalize report: flags that scroll both panes, a filter by rule or flag kind,
// keyboard steps through the flags, and the index's sorting and search.
// Loaded from a file (the pages' Content-Security-Policy allows no inline script).
"use strict";

function inPane(el) {
  // scroll el into the middle of its own pane, leaving the page itself still
  const pane = el.closest(".raw, .clean");
  if (!pane) { el.scrollIntoView({block: "center"}); return; }
  const r = el.getBoundingClientRect(), p = pane.getBoundingClientRect();
  pane.scrollTop += (r.top - p.top) - (pane.clientHeight - r.height) / 2;
}

function clear(cls) {
  document.querySelectorAll("." + cls).forEach(e => e.classList.remove(cls));
}

function showLines(first, last) {
  clear("span");
  for (let n = first; n <= last; n++) {
    const l = document.getElementById("L" + n);
    if (l) l.classList.add("span");
  }
}

function tooltips() {
  // rule: before → after — message, built when a mark is pointed at or focused
  const messages = {};
  document.querySelectorAll("#messages dt").forEach(dt => {
    messages[dt.textContent] = dt.nextElementSibling ? dt.nextElementSibling.textContent : "";
  });
  const show = ev => {
    const e = ev.target.closest && ev.target.closest("#raw [data-rule]");
    if (!e || e.dataset.tip) return;
    const rule = e.dataset.rule, msg = messages[rule];
    let tip;
    if (e.tagName === "DEL") tip = "removed by " + rule;
    else {
      const before = "b" in e.dataset ? e.dataset.b : e.textContent;
      tip = rule + ": " + JSON.stringify(before) + " → " + JSON.stringify(e.dataset.a);
    }
    if (msg) tip += " — " + msg;
    e.dataset.tip = tip;
    e.title = tip;
  };
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
}

function filePage() {
  tooltips();
  const links = Array.from(document.querySelectorAll("a.flag-link"));
  let current = -1;

  function go(i) {
    if (!links.length) return;
    current = (i + links.length) % links.length;
    const a = links[current];
    clear("hit"); clear("current");
    a.parentElement.classList.add("current");
    a.parentElement.scrollIntoView({block: "nearest"});
    const line = document.getElementById("L" + a.dataset.line);
    if (line) { line.classList.add("hit"); inPane(line); }
    const target = document.getElementById(a.dataset.target);
    if (target) { target.classList.add("current"); inPane(target); }
  }

  links.forEach((a, i) => a.addEventListener("click", ev => { ev.preventDefault(); go(i); }));

  document.addEventListener("keydown", ev => {
    if (ev.target.closest("input, select, textarea") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const visible = links.filter(a => a.parentElement.offsetParent !== null);
    if (!visible.length) return;
    let pos = visible.indexOf(links[current]);
    if (ev.key === "n" || ev.key === "j") pos = pos + 1 >= visible.length ? 0 : pos + 1;
    else if (ev.key === "p" || ev.key === "k") pos = pos <= 0 ? visible.length - 1 : pos - 1;
    else return;
    ev.preventDefault();
    go(links.indexOf(visible[pos]));
  });

  const filter = document.getElementById("filter");
  const hits = document.getElementById("hits");
  function applyFilter() {
    clear("hl");
    const v = filter.value;
    document.body.classList.toggle("filtered", v !== "");
    if (!v) { hits.textContent = ""; return; }
    const [what, name] = [v.slice(0, v.indexOf(":")), v.slice(v.indexOf(":") + 1)];
    let n = 0;
    document.querySelectorAll("[data-rule]").forEach(e => {
      const rule = e.dataset.rule;
      if (what === "kind" ? rule.split(".")[0] === name : rule === name) {
        e.classList.add("hl");
        if (e.matches(".chg, .rm, mark.flag")) n++;
      }
    });
    hits.textContent = n + " highlighted";
    const first = document.querySelector("#raw .hl, #clean .hl");
    if (first) inPane(first);
  }
  if (filter) filter.addEventListener("change", applyFilter);

  // a raw line number shows the clean paragraph made from it; a clean paragraph its raw lines
  const paras = Array.from(document.querySelectorAll("#clean [data-first]:not(article)"));
  document.querySelectorAll("#raw .l .n").forEach(n => n.addEventListener("click", ev => {
    const line = Number(n.parentElement.id.slice(1));
    const p = paras.find(e => Number(e.dataset.first) <= line && line <= Number(e.dataset.last));
    if (!p) return;
    ev.preventDefault();
    clear("hit"); n.parentElement.classList.add("hit");
    clear("span"); p.classList.add("span"); inPane(p);
  }));
  paras.forEach(p => p.addEventListener("click", () => {
    const first = Number(p.dataset.first), last = Number(p.dataset.last);
    if (!first) return;
    showLines(first, last);
    clear("span-p"); p.classList.add("span");
    const l = document.getElementById("L" + first);
    if (l) inPane(l);
  }));

  if (location.hash.startsWith("#F")) {
    const i = links.findIndex(a => a.dataset.target === location.hash.slice(1));
    if (i >= 0) go(i);
  }
}

function indexPage() {
  const body = document.querySelector("#files tbody");
  const search = document.getElementById("search");
  const shown = document.getElementById("shown");
  const rows = Array.from(body.rows);
  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    let n = 0;
    rows.forEach(r => {
      const hide = q !== "" && !r.dataset.search.includes(q);
      r.classList.toggle("hidden", hide);
      if (!hide) n++;
    });
    shown.textContent = q ? n + " of " + rows.length + " files" : "";
  });
  document.querySelectorAll("th[data-sort]").forEach(th => {
    let desc = false;
    const sort = () => {
      desc = !desc;
      const col = Number(th.dataset.sort);
      const value = r => Number(r.cells[col].textContent) || 0;
      const sorted = rows.slice().sort((a, b) => desc ? value(b) - value(a) : value(a) - value(b));
      sorted.forEach(r => body.appendChild(r));
      th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", ev => { if (ev.key === "Enter") sort(); });
    th.classList.add("sortable");
    th.tabIndex = 0;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.classList.contains("file")) filePage();
  else if (document.body.classList.contains("index")) indexPage();
});
