// Tabel journal grid (issues 3 and 11): one roving editor over plain <td> cells.
// The server renders text only; this script turns the focused cell into an editor, saves each
// change with a small POST, queues saves in order and keeps failed ones for a retry.
(function () {
  "use strict";
  var table = document.getElementById("jgrid");
  if (!table) { return; }
  var D = table.dataset;
  var ro = D.ro === "1";
  var low = +D.low, high = +D.high;
  var reasons = JSON.parse(D.reasons || "[]");
  var finalLock = JSON.parse(D.finalLock || "{}");
  var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  var csrf = headers["X-CSRFToken"] || "";
  var statusEl = document.getElementById("jstatus");
  var retryBtn = document.getElementById("jretry");
  var heads = table.tHead.rows[0].cells;
  var rows = table.tBodies[0].rows;
  var ABSENT = "нНжЖnN", LATE = "оОкКlLoO";
  var editable = [];  // cell indexes that hold lesson or period/year marks
  var lessonCols = [];
  function indexColumns() {  // again once the columns away from today are in
    editable = []; lessonCols = [];
    for (var i = 0; i < heads.length; i++) {
      if (heads[i].dataset.l) { editable.push(i); lessonCols.push(i); }
      else if (heads[i].dataset.f) { editable.push(i); }
    }
  }
  indexColumns();
  var byPupil = {};
  for (var r = 0; r < rows.length; r++) { byPupil[rows[r].dataset.p] = rows[r]; }

  var active = null, second = false, pendingOne = null;
  var confirmed = new Map();  // td -> text the server holds
  var queue = [], busy = false, failed = [];

  // ---- where a cell is -------------------------------------------------------------------
  function head(td) { return heads[td.cellIndex]; }
  function isFinal(td) { return !!head(td).dataset.f; }
  function lockOf(td) {
    var h = head(td);
    if (h.dataset.f) { return finalLock[h.dataset.f] || ""; }
    return h.dataset.lock !== undefined ? reasons[+h.dataset.lock] : "";
  }
  function saved(td) { return confirmed.has(td) ? confirmed.get(td) : td.textContent; }
  function marksOf(text) { return text.replace(/^[^0-9]+/, ""); }
  function say(text) { statusEl.textContent = text; }

  function focusCell(td) {
    if (!td) { return; }
    if (active && active !== td) { active.removeAttribute("tabindex"); active.classList.remove("cur"); }
    active = td;
    second = false;
    td.tabIndex = 0;
    td.classList.add("cur");
    var reason = lockOf(td);
    if (reason) { td.setAttribute("aria-description", reason); }
    td.focus({ preventScroll: true });
    td.scrollIntoView({ block: "nearest", inline: "nearest" });
    syncBar(td);
  }

  function move(dx, dy) {
    if (!active) { return false; }
    var row = active.parentNode.sectionRowIndex, pos = editable.indexOf(active.cellIndex);
    var nr = Math.max(0, Math.min(rows.length - 1, row + dy));
    var np = pos + dx;
    if (np < 0 || np >= editable.length) { return false; }
    focusCell(rows[nr].cells[editable[np]]);
    return true;
  }

  // ---- keyboard --------------------------------------------------------------------------
  table.addEventListener("keydown", function (e) {
    if (e.target.tagName === "INPUT" || !active || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var k = e.key, td = active;
    var moves = { ArrowDown: [0, 1], ArrowUp: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0],
                  Enter: [0, e.shiftKey ? -1 : 1] };
    if (moves[k]) { e.preventDefault(); flushOne(); move(moves[k][0], moves[k][1]); return; }
    if (k === "Tab") { flushOne(); if (move(e.shiftKey ? -1 : 1, 0)) { e.preventDefault(); } return; }
    var typing = k.length === 1 || k === "Backspace" || k === "Delete" || k === "F2";
    if (!typing) { return; }
    e.preventDefault();
    if (ro || lockOf(td)) { refuseHere(td, lockOf(td)); return; }
    if (k === "Backspace" || k === "Delete") { edit(td, isFinal(td) ? "" : "", {}, e); return; }
    if (k === "F2") { openEditor(td, saved(td), "text"); return; }
    onChar(td, k, e);
  });

  function onChar(td, k, e) {
    if (/[0-9]/.test(k)) { return onDigit(td, k, e); }
    if (isFinal(td)) { return openEditor(td, k, "text"); }
    if (ABSENT.indexOf(k) >= 0) { edit(td, D.absent, {}, e); move(0, 1); return; }
    if (LATE.indexOf(k) >= 0) { edit(td, D.late + marksOf(td.textContent), {}, e); move(0, 1); return; }
    if (k === "/") {
      if (marksOf(td.textContent)) { second = true; say(D.tSecond); } else { refuseHere(td, D.tHint); }
      return;
    }
    if (k === "*") {
      if (marksOf(td.textContent)) { openEditor(td, td.title || "", "comment"); } else { refuseHere(td, D.tHint); }
      return;
    }
    refuseHere(td, D.tHint);
  }

  function onDigit(td, k, e) {
    var text = k;
    if (pendingOne === td) { pendingOne = null; text = "1" + k; }
    else if (high >= 10 && k === "1") { pendingOne = td; td.textContent = "1"; return; }
    var v = +text;
    if (v < low || v > high) { refuseHere(td, D.tHint); return; }
    if (!isFinal(td)) {
      var base = td.textContent, prefix = /^[^0-9]/.test(base) && base[0] !== D.absent ? base[0] : "";
      text = prefix + (second && marksOf(base) ? marksOf(base).split("/")[0] + "/" + text : text);
    }
    second = false;
    edit(td, text, {}, e);
    move(0, 1);
  }

  function flushOne() {  // a lone "1" on a 10-point scale is a 1 once the teacher moves on
    if (pendingOne) { var td = pendingOne; pendingOne = null; edit(td, "1", {}); }
  }

  function refuseHere(td, reason) {
    td.classList.remove("hn");
    void td.offsetWidth;  // restart the flash
    td.classList.add("hn");
    say(reason || D.tHint);
  }

  // ---- the free-text editor (F2, double click), comments and period marks -------------
  function openEditor(td, initial, mode) {
    var input = document.createElement("input");
    input.type = "text";
    input.value = initial;
    input.className = mode === "comment" ? "jcomment" : "jinput";
    input.setAttribute("aria-label", mode === "comment" ? D.tComment : D.tHint);
    input.maxLength = mode === "comment" ? 200 : 20;
    var shown = td.textContent;
    td.textContent = "";
    td.appendChild(input);
    if (mode === "comment") { say(D.tComment); }
    input.focus();
    function close(commit) {
      if (!input.parentNode) { return; }
      var value = input.value.trim();
      td.removeChild(input);
      td.textContent = shown;
      if (commit && mode === "comment") { edit(td, shown, { comment: value }); }
      else if (commit) { edit(td, value, {}); }
      focusCell(td);
    }
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); close(true); if (mode !== "comment") { move(0, 1); } }
      else if (e.key === "Escape") { e.preventDefault(); close(false); }
      e.stopPropagation();
    });
    input.addEventListener("blur", function () { close(false); });
  }

  table.addEventListener("click", function (e) {
    var td = e.target.closest("td");
    if (td && td.parentNode.parentNode === table.tBodies[0] && editable.indexOf(td.cellIndex) >= 0) { focusCell(td); }
  });
  table.addEventListener("dblclick", function (e) {
    var td = e.target.closest("td");
    if (td && td === active && !ro && !lockOf(td)) { openEditor(td, saved(td), "text"); }
  });

  // ---- saving: one queue, in order, nothing dropped ------------------------------------
  function setState(td, state) {
    td.classList.remove("sv", "ok", "er", "fl", "hn");
    if (state) { td.classList.add(state); }
  }

  function edit(td, text, extra, event) {
    if (!confirmed.has(td)) { confirmed.set(td, td.textContent); }
    td.textContent = text;
    setState(td, "sv");
    var job = { td: td, text: text, comment: extra.comment, notice: extra.notice,
                t0: event ? event.timeStamp : performance.now() };
    queue = queue.filter(function (j) { return j.td !== td; });
    failed = failed.filter(function (j) { return j.td !== td; });
    queue.push(job);
    showRetry();
    pump();
  }

  function pump() {
    if (busy || !queue.length) { return; }
    var job = queue.shift(), td = job.td, tr = td.parentNode, body = new URLSearchParams(), url;
    body.set("pupil", tr.dataset.p);
    body.set("value", job.text);
    body.set("old", saved(td));
    if (isFinal(td)) {
      url = D.urlFinal;
      body.set("kind", head(td).dataset.f);
      body.set("period", D.period);
      if (job.notice) { body.set("told", job.notice.told); body.set("told_on", job.notice.on || ""); }
    } else {
      url = D.urlCell.replace("/0/", "/" + head(td).dataset.l + "/");
      if (job.comment !== undefined) { body.set("comment", job.comment); }
    }
    busy = true;
    say(D.tSaving);
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
      .then(function (r) {
        return r.json().then(function (data) { return { r: r, data: data }; },
                             function () { return { r: r, data: null }; });
      })
      .then(function (res) { busy = false; done(job, res.r, res.data); pump(); },
            function () { busy = false; fail(job); pump(); });
  }

  function newer(td) { return queue.some(function (j) { return j.td === td; }); }

  function done(job, r, data) {
    var td = job.td;
    if (r.ok && data && data.ok) {
      confirmed.set(td, data.text);
      if (!newer(td)) {
        td.textContent = data.text;
        setState(td, "ok");
        if (data.comment !== undefined) { td.title = data.comment; td.classList.toggle("c", !!data.comment); }
      }
      if (data.avg !== undefined) {
        var cells = td.parentNode.querySelectorAll(".avg, .pr");
        cells[0].textContent = data.avg; cells[1].textContent = data.pred || "";
      }
      say(D.tSaved + ": " + (data.text || "—") + (failed.length ? " · " + D.tFailed : ""));
      table.dispatchEvent(new CustomEvent("journal:saved", { detail: { ms: performance.now() - job.t0 } }));
      return;
    }
    if (!data || r.status >= 500) { fail(job); return; }
    if (data.ask === "notice") { askNotice(job, data.error); return; }
    if (data.text !== undefined && data.text !== null) { confirmed.set(td, data.text); }
    if (!newer(td)) { td.textContent = saved(td); setState(td, "er"); td.title = data.error; }
    say(data.error);
  }

  function fail(job) {
    setState(job.td, "fl");
    failed.push(job);
    showRetry();
    say(D.tFailed);
  }

  function showRetry() {
    retryBtn.hidden = failed.length === 0;
    retryBtn.textContent = retryBtn.textContent.replace(/\s*\(\d+\)$/, "") + (failed.length ? " (" + failed.length + ")" : "");
  }

  retryBtn.addEventListener("click", function () {
    var jobs = failed;
    failed = [];
    jobs.forEach(function (j) { setState(j.td, "sv"); j.t0 = performance.now(); queue.push(j); });
    showRetry();
    pump();
  });
  window.addEventListener("online", function () { if (failed.length) { retryBtn.click(); } });
  window.addEventListener("beforeunload", function (e) {
    if (queue.length || failed.length || busy) { e.preventDefault(); e.returnValue = ""; }
  });

  // ---- period mark below the predicted one: were the parents told? ---------------------
  var dialog = document.getElementById("jnotice");
  function askNotice(job, message) {
    document.getElementById("jnotice-text").textContent = message;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      var form = dialog.querySelector("form");
      if (dialog.returnValue === "ok") {
        edit(job.td, job.text, { notice: { told: form.told.value, on: form.told_on.value } });
      } else {
        job.td.textContent = saved(job.td);
        setState(job.td, "er");
        say(message);
      }
      focusCell(job.td);
    });
  }

  // ---- column actions --------------------------------------------------------------------
  var bar = document.getElementById("jbar");
  function lessonOf(td) { return td && head(td).dataset.l; }
  function syncBar(td) {
    if (!bar) { return; }
    var h = head(td), isLesson = !!h.dataset.l, locked = !!lockOf(td);
    var label = document.getElementById("jbar-lesson");
    label.textContent = isLesson ? h.firstChild.textContent : h.textContent;
    bar.querySelectorAll("button, select").forEach(function (el) { el.disabled = !isLesson || locked; });
    if (isLesson && h.dataset.w) { document.getElementById("jwt").value = h.dataset.w; }
  }

  function post(url, body, then) {
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.ok) { then(data); } else { say(data.error); } },
            function () { say(D.tFailed); });
  }

  function columnCells(td) {
    var out = [];
    for (var r = 0; r < rows.length; r++) { out.push(rows[r].cells[td.cellIndex]); }
    return out;
  }

  if (bar) {
    document.getElementById("jpresent").addEventListener("click", function () {
      var td = active, id = lessonOf(td);
      if (!id) { return; }
      var cells = columnCells(td);
      var absent = cells.filter(function (c) { return c.textContent[0] === D.absent; });
      if (absent.length && !window.confirm(D.tPresent)) { return; }
      post(D.urlAtt.replace("/0/", "/" + id + "/"), new URLSearchParams(), function () {
        absent.forEach(function (c) { c.textContent = ""; confirmed.set(c, ""); setState(c, "ok"); });
        say(D.tSaved);
        focusCell(td);
      });
    });
    document.getElementById("jfill").addEventListener("click", function () {
      var td = active, id = lessonOf(td), value = document.getElementById("jfill-v").value;
      if (!id) { return; }
      post(D.urlFill.replace("/0/", "/" + id + "/"), new URLSearchParams({ value: value }), function (data) {
        data.pupils.forEach(function (p) {
          var c = byPupil[p].cells[td.cellIndex];
          var text = c.textContent[0] === D.late ? D.late + value : value;
          c.textContent = text; confirmed.set(c, text); setState(c, "ok");
        });
        say(D.tSaved + ": " + data.pupils.length);
        focusCell(td);
      });
    });
    document.getElementById("jwt").addEventListener("change", function (e) {
      var td = active, id = lessonOf(td), select = e.target;
      if (!id) { return; }
      post(D.urlWt.replace("/0/", "/" + id + "/"), new URLSearchParams({ work_type: select.value }), function (data) {
        head(td).dataset.w = select.value;
        say(D.tSaved + ": " + data.name + " (" + data.weight + ")");
      });
    });
  }

  // ---- start: today's column in view, its first cell ready for typing -----------------
  var start = lessonCols[+D.today || 0];
  if (rows.length && start !== undefined) {
    var cell = rows[0].cells[start];
    heads[start].scrollIntoView({ block: "nearest", inline: "center" });
    if (!ro) { focusCell(cell); } else { cell.tabIndex = 0; active = cell; }
  }

  // ---- the columns away from today: moved in from <template id="jrest"> after the first
  // frame, so that frame draws only the ~26 columns around today (issue 11). Moving nodes
  // keeps the focused cell and anything typed; the view stays on the same column.
  function addRest() {
    var tpl = document.getElementById("jrest");
    if (!tpl) { table.dataset.ready = "1"; return; }
    var src = tpl.content.querySelector("table"), before = +tpl.dataset.before;
    var from = [src.tHead.rows[0]].concat([].slice.call(src.tBodies[0].rows));
    var to = [table.tHead.rows[0]].concat([].slice.call(rows));
    var shown = lessonCols.length, wrap = document.getElementById("jwrap");
    var anchor = heads[lessonCols[+D.today || 0]] || heads[0], x = anchor.getBoundingClientRect().left;
    for (var r = 0; r < to.length && r < from.length; r++) {
      var first = to[r].cells[1], after = to[r].cells[1 + shown], head = document.createDocumentFragment();
      var cells = [].slice.call(from[r].cells);
      for (var c = 0; c < cells.length; c++) {
        if (c < before) { head.appendChild(cells[c]); } else { to[r].insertBefore(cells[c], after); }
      }
      to[r].insertBefore(head, first);
    }
    tpl.parentNode.removeChild(tpl);
    indexColumns();
    table.querySelector("col.cl").span = lessonCols.length;
    wrap.scrollLeft += anchor.getBoundingClientRect().left - x;
    table.dataset.ready = "1";
  }

  // For bench/journal_browser.py: the grid is visible and ready once the first frame drawn
  // after this point is painted. A message posted from requestAnimationFrame runs after that
  // frame's style, layout and paint (the "after next paint" idiom), not before them.
  requestAnimationFrame(function () {
    var channel = new MessageChannel();
    channel.port1.onmessage = function () {
      table.dataset.readyMs = String(performance.now());
      if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", addRest); }
      else { setTimeout(addRest, 0); }
    };
    channel.port2.postMessage(0);
  });
})();
