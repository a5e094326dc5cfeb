// Tabel journal grid (issue 14): what hypermedia cannot do, and nothing more.
// The server renders every cell. This script keeps which cell has focus, turns keys (and taps
// on a touch screen) into saves, sends the saves one after another through htmx and keeps the
// failed ones for a retry. Each save is an htmx request; its answer is the cell's HTML plus
// out-of-band pieces (average, predicted mark, status line) that htmx puts in place.
(function () {
  "use strict";
  var table = document.getElementById("jgrid");
  if (!table) { return; }
  var D = table.dataset;
  var ro = D.ro === "1";
  var low = +D.low, high = +D.high, finalLow = +(D.finalLow || D.low);
  var reasons = JSON.parse(D.reasons || "[]");
  var finalLock = JSON.parse(D.finalLock || "{}");
  var heads = table.tHead.rows[0].cells;  // live: a swapped column head is found again
  var rows = table.tBodies[0].rows;
  var wrap = document.getElementById("jwrap");
  var retryBtn = document.getElementById("jretry");
  var pick = document.getElementById("jpick");
  // Every save is sent from this one hidden element: htmx marks its source while a request
  // runs (a class change on a cell of a 2,240-cell table is a style recalculation), and keeps
  // one request per source in flight, which the ordered queue below already guarantees.
  var src = document.getElementById("jsrc");
  var ABSENT = "нНжЖnN", LATE = "оОкКlLoO";
  var editable = [], lessonCols = [];
  function indexColumns() {  // again once the columns away from today are in
    editable = []; lessonCols = [];
    for (var i = 0; i < heads.length; i++) {
      // lessons and (criteria-based pages, issue 21) summative works: the columns between
      // the names and the results
      if (heads[i].dataset.l || heads[i].dataset.k) { editable.push(i); lessonCols.push(i); }
      else if (heads[i].dataset.f) { editable.push(i); }
    }
  }
  indexColumns();

  // The active cell is kept as coordinates: a save answer replaces the <td> element itself.
  var at = { r: -1, c: -1 };
  // pending: digits typed into a cell that may still take another one ("1" of a 10, "1" of
  // 12 points out of 15): saved when the next digit comes, or on a move, Enter or Tab.
  var second = false, pending = null, editing = null, lastPointer = "mouse";
  var confirmed = {};  // "pupil:column key" -> the text the server holds
  var queue = [], busy = null, failed = [];

  // ---- where a cell is ---------------------------------------------------------------------
  function head(td) { return heads[td.cellIndex]; }
  function isFinal(td) { return !!head(td).dataset.f; }
  function isWork(td) { return !!head(td).dataset.k; }
  function keyOf(td) {
    var h = head(td);
    return h.dataset.l ? "l" + h.dataset.l : h.dataset.k ? "k" + h.dataset.k : h.dataset.f;
  }
  // The numbers a cell takes: a work's points 0 to its maximum, a period mark on the 5-point
  // scale, a lesson mark on the class's scale (2-5, or 1-10 in a criteria-based class).
  function maxOf(td) { return isWork(td) ? +head(td).dataset.max : isFinal(td) ? 5 : high; }
  function minOf(td) { return isWork(td) ? 0 : isFinal(td) ? finalLow : low; }
  function hintOf(td) { return isWork(td) ? D.tPoints.replace("{max}", maxOf(td)) : D.tHint; }
  function pupilOf(td) { return td.parentNode.dataset.p; }
  function columnOf(key) {
    for (var i = 0; i < heads.length; i++) {
      var h = heads[i];
      if ((h.dataset.l && "l" + h.dataset.l === key) || (h.dataset.k && "k" + h.dataset.k === key) ||
          h.dataset.f === key) { return i; }
    }
    return -1;
  }
  function cellAt(pupil, key) {
    var tr = document.getElementById("p" + pupil), i = columnOf(key);
    return tr && i >= 0 ? tr.cells[i] : null;
  }
  function activeCell() { return rows[at.r] ? rows[at.r].cells[at.c] || null : null; }
  function lockOf(td) {
    var h = head(td);
    if (h.dataset.f) { return finalLock[h.dataset.f] || ""; }
    return h.dataset.lock !== undefined ? reasons[+h.dataset.lock] : "";
  }
  function saved(td) {
    var k = pupilOf(td) + ":" + keyOf(td);
    return Object.prototype.hasOwnProperty.call(confirmed, k) ? confirmed[k] : td.textContent;
  }
  function marksOf(text) { return text.replace(/^[^0-9]+/, ""); }
  function say(text, error) {
    var el = document.getElementById("jstatus-text");
    el.textContent = text;
    el.className = error ? "jerr" : "";
  }

  function focusCell(td, noScroll) {
    if (!td) { return; }
    if (pending && pending.td !== td) { flushOne(); }
    var old = activeCell();
    if (old && old !== td) { old.removeAttribute("tabindex"); old.classList.remove("cur"); }
    at = { r: td.parentNode.sectionRowIndex, c: td.cellIndex };
    second = false;
    td.tabIndex = 0;
    td.classList.add("cur");
    var reason = lockOf(td);
    if (reason) { td.setAttribute("aria-description", reason); }
    td.focus({ preventScroll: true });
    if (!noScroll) { td.scrollIntoView({ block: "nearest", inline: "nearest" }); }
    syncBar(td);
  }

  // A save answer replaced the active cell: give the new one the focus ring (and the focus,
  // if the old one had it), unless the teacher is typing somewhere else.
  function refreshActive() {
    var td = activeCell();
    if (!td || td.classList.contains("cur")) { return; }
    td.tabIndex = 0;
    td.classList.add("cur");
    var now = document.activeElement;
    if (!now || now === document.body || !now.isConnected) { td.focus({ preventScroll: true }); }
  }

  function move(dx, dy) {
    var td = activeCell();
    if (!td) { return false; }
    var pos = editable.indexOf(td.cellIndex);
    var nr = Math.max(0, Math.min(rows.length - 1, at.r + dy)), np = pos + dx;
    if (np < 0 || np >= editable.length) { return false; }
    focusCell(rows[nr].cells[editable[np]]);
    return true;
  }

  // ---- keyboard ------------------------------------------------------------------------------
  table.addEventListener("keydown", function (e) {
    var td = activeCell();
    if (e.target.tagName === "INPUT" || !td || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var k = e.key;
    var moves = { ArrowDown: [0, 1], ArrowUp: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0],
                  Enter: [0, e.shiftKey ? -1 : 1] };
    if (moves[k]) { e.preventDefault(); flushOne(); move(moves[k][0], moves[k][1]); return; }
    if (k === "Tab") { flushOne(); if (move(e.shiftKey ? -1 : 1, 0)) { e.preventDefault(); } return; }
    if (k === "Escape") { cancelPending(); closePicker(); return; }
    // H (the key's place, so also "р" in the Russian and Kazakh layouts): the cell's history.
    if (e.code === "KeyH" && !e.shiftKey) { e.preventDefault(); openHistory(td); return; }
    var typing = k.length === 1 || k === "Backspace" || k === "Delete" || k === "F2";
    if (!typing) { return; }
    e.preventDefault();
    if (ro || lockOf(td)) { refuseHere(td, lockOf(td)); return; }
    if (k === "Backspace" || k === "Delete") { edit(td, "", {}, e); return; }
    if (k === "F2") {
      var waiting = pending && pending.td === td ? pending.text : null;
      cancelPending();
      openEditor(td, waiting !== null ? waiting : editText(td), "text");
      return;
    }
    if (!/[0-9]/.test(k)) { cancelPending(); }  // a letter or Delete replaces waiting digits
    typeChar(td, k, e);
  });

  // One character typed (or tapped in the picker) into a cell; true when the cell changed.
  function typeChar(td, k, e) {
    if (/[0-9]/.test(k)) { return typeDigit(td, k, e); }
    if (isWork(td)) { refuseHere(td, hintOf(td)); return false; }
    if (isFinal(td)) { openEditor(td, k, "text"); return false; }
    if (ABSENT.indexOf(k) >= 0) { edit(td, D.absent, {}, e); move(0, 1); return true; }
    if (LATE.indexOf(k) >= 0) { edit(td, D.late + marksOf(td.textContent), {}, e); move(0, 1); return true; }
    if (k === "/") {
      if (marksOf(td.textContent)) { second = true; say(D.tSecond); } else { refuseHere(td, D.tHint); }
      return false;
    }
    if (k === "*") {
      if (marksOf(td.textContent)) { openEditor(td, td.classList.contains("c") ? td.title.split("\n")[0] : "", "comment"); }
      else { refuseHere(td, D.tHint); }
      return false;
    }
    refuseHere(td, D.tHint);
    return false;
  }

  // k is one key, or a whole number tapped in the picker (whole: no waiting for a digit).
  // A digit d waits for another while d0 still fits the cell (d * 10 <= its maximum): "1"
  // then "0" is 10 on the 10-point scale, "1" then "2" is 12 points out of 15.
  function typeDigit(td, k, e, whole) {
    var text = k, base = td.textContent;
    if (pending && pending.td === td && !whole) { text = pending.text + k; base = pending.base; pending = null; }
    var v = +text, max = maxOf(td);
    if (!whole && v > 0 && v * 10 <= max) {
      remember(td);
      pending = { td: td, text: text, base: base };
      td.textContent = text;
      td.classList.add("pd");  // a second digit may follow: the cell and the status say so
      say(D.tPending.split("{d}").join(text));
      return false;
    }
    if (v < minOf(td) || v > max) { if (base !== td.textContent) { td.textContent = base; } refuseHere(td, hintOf(td)); return false; }
    edit(td, compose(td, text, base), {}, e);
    move(0, 1);
    return true;
  }

  // A lesson cell keeps its late letter, and "/" makes the digit a second mark.
  function compose(td, text, base) {
    if (!isFinal(td) && !isWork(td)) {
      var prefix = /^[^0-9]/.test(base) && base[0] !== D.absent ? base[0] : "";
      text = prefix + (second && marksOf(base) ? marksOf(base).split("/")[0] + "/" + text : text);
    }
    second = false;
    return text;
  }

  function flushOne() {  // the digits typed are the number once the teacher moves on
    if (!pending) { return; }
    var p = pending;
    pending = null;
    p.td.classList.remove("pd");
    edit(p.td, compose(p.td, p.text, p.base), {});
  }

  function cancelPending() {  // Escape, a letter, F2 or Delete: the waiting digits go
    if (!pending) { return; }
    var p = pending;
    pending = null;
    p.td.classList.remove("pd");
    p.td.textContent = p.base;
  }

  // Leaving the grid (a button, a link, another tab) saves the digits still waiting, as a
  // move would: nothing typed is dropped. The editor's input sits inside the table.
  table.addEventListener("focusout", function (e) {
    if (pending && !(e.relatedTarget && table.contains(e.relatedTarget))) { flushOne(); }
  });

  // What the editor (F2, double click) starts from: a work's points without "/max".
  function editText(td) { var t = saved(td); return isWork(td) ? t.split("/")[0] : t; }

  function refuseHere(td, reason) {
    td.classList.remove("hn");
    void td.offsetWidth;  // restart the flash
    td.classList.add("hn");
    say(reason || D.tHint, true);
  }

  // ---- the free-text editor (F2, double click), comments and period marks ----------------
  function openEditor(td, initial, mode) {
    if (editing) { return; }
    var input = document.createElement("input"), shown = td.textContent, done = false;
    var baseline = mode === "comment" ? initial : editText(td);
    input.type = "text";
    input.value = initial;
    input.className = mode === "comment" ? "jcomment" : "jinput";
    input.setAttribute("aria-label", mode === "comment" ? D.tComment : hintOf(td));
    input.dataset.max = mode === "comment" ? "200" : "20";
    editing = { td: td, input: input };
    td.textContent = "";
    td.appendChild(input);
    if (mode === "comment") { say(D.tComment); }
    input.focus();
    // Closing removes the input, and removing a focused input fires "blur" at once: the flag
    // makes that second call a no-op (it used to remove the input twice and throw, losing
    // the comment).
    function close(commit) {
      if (done) { return; }
      done = true;
      editing = null;
      var value = input.value.trim(), changed = value !== baseline;
      td.textContent = shown;
      if (commit && changed) {
        if (mode === "comment") { edit(td, shown, { comment: value }); } else { edit(td, value, {}); }
      }
      focusCell(td);
    }
    input.addEventListener("keydown", function (e) {
      e.stopPropagation();
      if (e.key === "Enter") {
        e.preventDefault();
        close(true);
        if (mode !== "comment") { move(0, 1); }
      } else if (e.key === "Escape") { e.preventDefault(); close(false); }
    });
    input.addEventListener("input", function () {
      var max = +input.dataset.max;
      if (input.value.length > max) { say(D.tTooLong.replace("{max}", max).replace("{n}", input.value.length), true); }
    });
    input.addEventListener("blur", function () { close(true); });
  }

  // A touch held ~500 ms on a cell opens its history; the click that ends it opens nothing.
  var press = null, pressed = false;
  function cellOf(e) {
    var td = e.target.closest("td");
    return td && td.parentNode.parentNode === table.tBodies[0] && editable.indexOf(td.cellIndex) >= 0 ? td : null;
  }
  function endPress() { if (press) { clearTimeout(press.timer); press = null; } }
  table.addEventListener("pointerdown", function (e) {
    lastPointer = e.pointerType || "mouse";
    endPress();
    pressed = false;
    var td = cellOf(e);
    if (!td || lastPointer === "mouse" || editing) { return; }
    press = { x: e.clientX, y: e.clientY, timer: setTimeout(function () {
      press = null; pressed = true; focusCell(td); openHistory(td);
    }, 500) };
  });
  table.addEventListener("pointermove", function (e) {
    if (press && Math.abs(e.clientX - press.x) + Math.abs(e.clientY - press.y) > 10) { endPress(); }
  });
  ["pointerup", "pointercancel"].forEach(function (t) { table.addEventListener(t, endPress); });
  table.addEventListener("contextmenu", function (e) { if (pressed || press) { e.preventDefault(); } });
  // The finger lifted after a long press: no mouse events or click (they would move the focus
  // away from the history the press opened).
  table.addEventListener("touchend", function (e) { if (pressed) { e.preventDefault(); } }, { passive: false });
  table.addEventListener("click", function (e) {
    var td = cellOf(e);
    if (pressed) { pressed = false; return; }
    if (!td || editing) { return; }
    focusCell(td);
    if (lastPointer === "touch" || lastPointer === "pen") { openPicker(td); }
  });
  table.addEventListener("dblclick", function (e) {
    var td = e.target.closest("td");
    if (td && td === activeCell() && !ro && !lockOf(td)) { openEditor(td, editText(td), "text"); }
  });

  // ---- saving: one queue, in order, nothing dropped ------------------------------------
  function setState(td, state) {
    if (!td) { return; }
    td.classList.remove("sv", "ok", "er", "fl", "hn");
    if (state) { td.classList.add(state); }
  }

  // What the server held before the teacher's first change of the cell (sent as "old").
  function remember(td) {
    var ck = pupilOf(td) + ":" + keyOf(td);
    if (!Object.prototype.hasOwnProperty.call(confirmed, ck)) { confirmed[ck] = td.textContent; }
  }

  function edit(td, text, extra, event) {
    if (pending && pending.td === td) { pending = null; td.classList.remove("pd"); }
    var pupil = pupilOf(td), key = keyOf(td);
    remember(td);
    td.textContent = text;
    setState(td, "sv");
    var job = { kind: isFinal(td) ? "final" : isWork(td) ? "points" : "cell", pupil: pupil,
                key: key, text: text, comment: extra.comment, notice: extra.notice,
                reason: extra.reason,
                t0: event ? event.timeStamp : performance.now() };
    queue = queue.filter(function (j) { return j.pupil !== pupil || j.key !== key; });
    failed = failed.filter(function (j) { return j.pupil !== pupil || j.key !== key; });
    enqueue(job);
  }

  function enqueue(job) { queue.push(job); showRetry(); pump(); }

  // The element a job's answer is for: the cell, or the column's head for a work type.
  function mainOf(job) {
    if (job.pupil) { return cellAt(job.pupil, job.key); }
    return job.kind === "Wt" ? heads[columnOf("l" + job.lesson)] : null;
  }

  function request(job) {
    var url, values = {};
    if (job.pupil) {
      values = { pupil: job.pupil, value: job.text, old: confirmed[job.pupil + ":" + job.key] };
      if (job.kind === "final") {
        url = D.urlFinal;
        values.kind = job.key;
        values.period = D.period;
        if (job.notice) { values.told = job.notice.told; values.told_on = job.notice.on || ""; }
        if (job.reason) { values.reason = job.reason; }
      } else if (job.kind === "points") {
        url = D.urlPoints.replace("/0/", "/" + job.key.slice(1) + "/");
      } else {
        url = D.urlCell.replace("/0/", "/" + job.key.slice(1) + "/");
        if (job.comment !== undefined) { values.comment = job.comment; }
      }
    } else {
      var col = columnOf("l" + job.lesson);
      url = D["url" + job.kind].replace("/0/", "/" + job.lesson + "/");
      values = job.values;
      values.col = col + 1;  // the column's place among the row's children (1 = the name)
    }
    // The answer's first element is applied to mainOf(job) in htmx:beforeSwap below, its
    // out-of-band ones by htmx (through htmx:oobBeforeSwap): nothing to swap at the target.
    return htmx.ajax("POST", url, { source: src, target: src, swap: "none", values: values });
  }

  // htmx arrives after the first frame, once the page has loaded: htmx sets itself up (reads
  // its htmx-config meta tag) at once only when the document is complete; added while it is
  // merely "interactive", it would wait for a DOMContentLoaded that has already passed.
  // A save typed before that waits for it.
  function loadHtmx() {
    if (window.htmx || document.getElementById("jhtmx")) { return; }
    if (document.readyState !== "complete") {
      window.addEventListener("load", loadHtmx, { once: true });
      return;
    }
    var s = document.createElement("script");
    s.id = "jhtmx";
    s.src = src.dataset.htmx;
    s.addEventListener("load", pump);
    document.head.appendChild(s);
  }

  function pump() {
    if (busy || !queue.length) { return; }
    if (!window.htmx) { loadHtmx(); return; }
    var job = busy = queue.shift();
    say(D.tSaving);
    request(job).then(function () {
      busy = null;
      if (job.status === 0 || job.status >= 500) { fail(job); } else { done(job); }
      pump();
    }, function () { busy = null; fail(job); pump(); });
  }

  function newer(job) {
    return queue.some(function (j) { return j.pupil === job.pupil && j.key === job.key; });
  }

  // Every answer passes here before htmx swaps it: note what the server holds, let refusals
  // (4xx with X-Journal-Refused) swap in, and keep a cell that changed again meanwhile.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var job = busy;
    var config = e.detail.requestConfig;
    if (!job || !config || config.elt !== src) { return; }
    var xhr = e.detail.xhr;
    job.status = xhr.status;
    job.refused = !!xhr.getResponseHeader("X-Journal-Refused");
    if (xhr.status >= 400 && xhr.status < 500) {
      var tpl = document.createElement("template");
      tpl.innerHTML = xhr.responseText;
      job.error = (tpl.content.textContent || "").replace(/\s+/g, " ").trim();
      e.detail.shouldSwap = false;
      e.detail.isError = false;
      return;
    }
    var frag = document.createElement("template");
    frag.innerHTML = xhr.responseText;
    var fresh = frag.content.firstElementChild, here = mainOf(job);
    if (!fresh || fresh.hasAttribute("hx-swap-oob")) { return; }
    if (job.pupil) { confirmed[job.pupil + ":" + job.key] = fresh.textContent; }
    if (newer(job) || (editing && editing.td === here) || (pending && pending.td === here)) {
      e.detail.shouldSwap = false;
      return;
    }
    if (here) { morph(here, fresh); }
  });

  // Out-of-band pieces inside the grid (averages, predictions, a column's cells) are applied
  // to the cells in place rather than as new elements: a new <td> in a 2,240-cell table makes
  // the browser lay the whole table out again; new text and attributes do not.
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var fresh = e.detail.fragment && e.detail.fragment.firstElementChild;
    if (!fresh || !table.contains(e.detail.target) || fresh.tagName !== e.detail.target.tagName) { return; }
    morph(e.detail.target, fresh);
    e.detail.shouldSwap = false;
  });

  // Make an element look as the server's copy says: its attributes and its text. The active
  // cell keeps its focus ring and its place in the tab order.
  function morph(old, fresh) {
    var keep = old === activeCell() ? { tabindex: 1, "aria-description": 1 } : {};
    for (var i = old.attributes.length - 1; i >= 0; i--) {
      var name = old.attributes[i].name;
      if (!fresh.hasAttribute(name) && !keep[name]) { old.removeAttribute(name); }
    }
    for (var j = 0; j < fresh.attributes.length; j++) {
      var a = fresh.attributes[j];
      if (old.getAttribute(a.name) !== a.value) { old.setAttribute(a.name, a.value); }
    }
    if (fresh.children.length) { old.innerHTML = fresh.innerHTML; }
    else if (old.textContent !== fresh.textContent) { old.textContent = fresh.textContent; }
    if (keep.tabindex) { old.classList.add("cur"); }
  }

  function done(job) {
    if (job.error) {  // refused without a fragment (a 403, 404 or an expired form)
      setState(job.pupil ? cellAt(job.pupil, job.key) : null, "er");
      say(job.error, true);
      return;
    }
    refreshActive();
    if (job.refused) { return; }
    if (failed.length) { say(D.tFailed, true); }
    if (job.pupil && !newer(job)) {
      table.dispatchEvent(new CustomEvent("journal:saved", { detail: { ms: performance.now() - job.t0 } }));
    }
  }

  function fail(job) {
    setState(job.pupil ? cellAt(job.pupil, job.key) : null, "fl");
    failed.push(job);
    showRetry();
    say(D.tFailed, true);
  }

  function showRetry() {
    retryBtn.hidden = failed.length === 0;
    retryBtn.textContent = retryBtn.dataset.label + (failed.length ? " (" + failed.length + ")" : "");
  }

  retryBtn.addEventListener("click", function () {
    var jobs = failed;
    failed = [];
    jobs.forEach(function (j) {
      j.status = undefined; j.error = undefined; j.refused = false; j.t0 = performance.now();
      if (j.pupil) { setState(cellAt(j.pupil, j.key), "sv"); }
      queue.push(j);
    });
    showRetry();
    pump();
  });
  window.addEventListener("online", function () { if (failed.length) { retryBtn.click(); } });
  window.addEventListener("beforeunload", function (e) {
    flushOne();
    if (queue.length || failed.length || busy) { e.preventDefault(); e.returnValue = ""; }
  });
  document.addEventListener("htmx:afterSettle", refreshActive);

  // ---- period mark below the predicted one: were the parents told? ---------------------
  var dialog = document.getElementById("jnotice");
  document.addEventListener("journal:notice", function (e) {
    var job = busy;
    if (!job || !dialog) { return; }
    document.getElementById("jnotice-text").textContent = e.detail.text || "";
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      var form = dialog.querySelector("form"), td = cellAt(job.pupil, job.key);
      if (dialog.returnValue === "ok" && td) {
        edit(td, job.text, { notice: { told: form.told.value, on: form.told_on.value } });
      }
      if (td) { focusCell(td); }
    });
  });

  // ---- criteria-based class: another period mark than the computed one needs a reason ---
  var reasonDialog = document.getElementById("jreason");
  document.addEventListener("journal:reason", function (e) {
    var job = busy;
    if (!job || !reasonDialog) { return; }
    var input = document.getElementById("jreason-input");
    document.getElementById("jreason-text").textContent = e.detail.text || "";
    input.value = "";
    reasonDialog.returnValue = "";
    reasonDialog.showModal();
    reasonDialog.addEventListener("close", function onClose() {
      reasonDialog.removeEventListener("close", onClose);
      var td = cellAt(job.pupil, job.key), why = input.value.trim();
      if (reasonDialog.returnValue === "ok" && td && why) { edit(td, job.text, { reason: why }); }
      if (td) { focusCell(td); }
    });
  });

  var confirmForm = document.getElementById("jconfirm-form");
  if (confirmForm) {
    confirmForm.addEventListener("submit", function (e) {
      var col = columnOf("period"), n = 0;
      for (var r = 0; r < rows.length; r++) { if (col >= 0 && !rows[r].cells[col].textContent.trim()) { n++; } }
      if (!window.confirm(D.tConfirm.split("{n}").join(n))) { e.preventDefault(); }
    });
  }

  // The work form (New SAU/SAT) opens in its panel: its first field takes the focus.
  document.addEventListener("htmx:afterSettle", function (e) {
    var panel = document.getElementById("jworkpanel");
    if (panel && e.detail.target === panel) {
      var first = panel.querySelector("select, input:not([type=hidden])");
      if (first) { first.focus(); }
    }
  });

  // ---- the touch mark picker ---------------------------------------------------------------
  function openPicker(td) {
    var h = head(td), url = D.urlPicker + "?pupil=" + pupilOf(td);
    url += h.dataset.l ? "&kind=lesson&lesson=" + h.dataset.l :
      h.dataset.k ? "&kind=work&work=" + h.dataset.k : "&kind=" + h.dataset.f + "&period=" + D.period;
    openSheet(td, url, null);
  }

  // The cell's history goes in the same sheet; its close button (or Esc) gives the cell back
  // its focus. The sheet's heading takes the focus so a screen reader reads the history.
  function openHistory(td) {
    var h = head(td), url;
    if (h.dataset.k) { return; }  // a work's points: their history is in the audit log
    if (h.dataset.l) { url = D.urlHistory.replace("/0/", "/" + h.dataset.l + "/") + "?pupil=" + pupilOf(td); }
    else { url = D.urlFinalHistory + "?pupil=" + pupilOf(td) + "&kind=" + h.dataset.f + "&period=" + D.period; }
    openSheet(td, url, "#jhist-h");
  }

  function openSheet(td, url, focus) {
    if (!pick) { return; }
    if (!window.htmx) { loadHtmx(); setTimeout(function () { openSheet(td, url, focus); }, 50); return; }
    if (pick.hidden) {
      pick.hidden = false;
      document.body.classList.add("jpicking");
      fitGrid();
      wrap.scrollIntoView({ block: "start" });  // the grid's top at the screen's top
    }
    td.scrollIntoView({ block: "nearest", inline: "nearest" });
    sheetFocus = focus;
    htmx.ajax("GET", url, { source: pick, target: pick, swap: "innerHTML" });
  }
  var sheetFocus = null;
  if (pick) {
    pick.addEventListener("htmx:afterSettle", function () {
      var el = sheetFocus && pick.querySelector(sheetFocus);
      sheetFocus = null;
      if (el) { el.tabIndex = -1; el.focus(); }
    });
  }

  function closePicker() {
    if (!pick || pick.hidden) { return; }
    pick.hidden = true;
    pick.textContent = "";
    document.body.classList.remove("jpicking");
    fitGrid();
    var td = activeCell();
    if (td) { td.focus({ preventScroll: true }); }
  }

  if (pick) {
    pick.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      var td = activeCell();
      if (!b || !td || b.disabled) { return; }
      var act = b.dataset.act, v = b.dataset.v;
      if (act === "close") { closePicker(); return; }
      if (act === "second") { second = !second; b.setAttribute("aria-pressed", second ? "true" : "false"); return; }
      if (act === "comment") {
        var form = pick.querySelector(".jpick-comment");
        form.hidden = false;
        form.querySelector("input").focus();
        return;
      }
      if (act === "clear") { edit(td, "", {}); closePicker(); return; }
      var moved = false;
      if (act === "late") { edit(td, D.late + marksOf(td.textContent), {}); move(0, 1); moved = true; }
      else if (v !== undefined && /^[0-9]+$/.test(v)) { moved = typeDigit(td, v, null, true); }
      else if (v !== undefined && isFinal(td)) { edit(td, v, {}); move(0, 1); moved = true; }
      else if (v !== undefined) { moved = typeChar(td, v); }
      if (!moved) { return; }
      var next = activeCell();
      if (next && next !== td) { openPicker(next); } else { closePicker(); }  // the last pupil
    });
    pick.addEventListener("submit", function (e) {
      e.preventDefault();
      var td = activeCell(), input = e.target.querySelector("input");
      if (td && input) { edit(td, td.textContent, { comment: input.value.trim() }); closePicker(); }
    });
    pick.addEventListener("keydown", function (e) { if (e.key === "Escape") { closePicker(); } });
  }

  // ---- column actions ------------------------------------------------------------------------
  var bar = document.getElementById("jbar");
  function syncBar(td) {
    if (!bar) { return; }
    var h = head(td), isLesson = !!h.dataset.l, locked = !!lockOf(td);
    document.getElementById("jbar-lesson").textContent = isLesson ? h.firstChild.textContent : h.textContent;
    bar.querySelectorAll("button, select").forEach(function (el) { el.disabled = !isLesson || locked; });
    if (isLesson) { document.getElementById("jwt").value = h.dataset.w || ""; }
  }

  function columnJob(kind, values) {
    var td = activeCell();
    if (!td || !head(td).dataset.l) { return; }
    enqueue({ kind: kind, lesson: head(td).dataset.l, values: values, t0: performance.now() });
  }

  if (bar) {
    bar.hidden = false;  // the column actions need this script; without it the lesson page has forms
    document.getElementById("jpresent").addEventListener("click", function () {
      var td = activeCell();
      if (!td) { return; }
      var col = td.cellIndex, absent = false;
      for (var r = 0; r < rows.length; r++) { if (rows[r].cells[col].textContent[0] === D.absent) { absent = true; } }
      if (absent && !window.confirm(D.tPresent)) { return; }
      columnJob("Att", {});
    });
    document.getElementById("jfill").addEventListener("click", function () {
      columnJob("Fill", { value: document.getElementById("jfill-v").value });
    });
    document.getElementById("jwt").addEventListener("change", function (e) {
      columnJob("Wt", { work_type: e.target.value });
    });
  }

  // ---- start: today's column in view beside the names and the averages ----------------------
  function stickyRight() {
    var r = rows[0] || table.tHead.rows[0], w = 0;
    r.querySelectorAll(".avg, .pr").forEach(function (c) {
      if (getComputedStyle(c).position === "sticky") { w += c.offsetWidth; }
    });
    return w;
  }

  function showToday() {
    var th = table.tHead.querySelector("th[data-t]");
    if (!th) { return; }
    var want = th.offsetLeft + th.offsetWidth - (wrap.clientWidth - stickyRight());
    wrap.scrollLeft = Math.max(0, want);
  }

  // The grid fills the screen below its header and never more: a page taller than the screen
  // would scroll as the keys move down the grid, and each such scroll costs the browser a
  // frame of the whole page (10 ms more per keystroke on the 32 x 70 page). While the picker
  // is open, the grid fills the screen above it.
  function fitGrid() {
    var picking = document.body.classList.contains("jpicking");
    var box = wrap.getBoundingClientRect();
    var top = picking ? 0 : box.top + window.scrollY;
    var after = document.documentElement.scrollHeight - (box.bottom + window.scrollY);
    var below = picking && pick ? pick.offsetHeight : after + 1;
    wrap.style.maxHeight = Math.max(180, window.innerHeight - top - below) + "px";
  }
  fitGrid();
  window.addEventListener("resize", fitGrid);

  var todayHead = table.tHead.querySelector("th[data-t]");
  if (rows.length && todayHead) {
    var first = rows[0].cells[todayHead.cellIndex];
    if (!ro) { focusCell(first, true); } else { first.tabIndex = 0; at = { r: 0, c: first.cellIndex }; }
    showToday();
  }

  // ---- the columns away from today: moved in from <template id="jrest"> after the first
  // frame, so that frame draws only the ~26 columns around today (issue 11). Moving nodes
  // keeps the focused cell and anything typed; the view stays on the same column.
  function addRest() {
    var tpl = document.getElementById("jrest");
    if (!tpl) { loadHtmx(); table.dataset.ready = "1"; return; }
    var src = tpl.content.querySelector("table"), before = +tpl.dataset.before;
    var from = [src.tHead.rows[0]].concat([].slice.call(src.tBodies[0].rows));
    var to = [table.tHead.rows[0]].concat([].slice.call(rows));
    var shown = lessonCols.length;
    var anchor = todayHead || heads[0], x = anchor.getBoundingClientRect().left;
    for (var r = 0; r < to.length && r < from.length; r++) {
      var firstCell = to[r].cells[1], after = to[r].cells[1 + shown], lead = document.createDocumentFragment();
      var cells = [].slice.call(from[r].cells);
      for (var c = 0; c < cells.length; c++) {
        if (c < before) { lead.appendChild(cells[c]); } else { to[r].insertBefore(cells[c], after); }
      }
      to[r].insertBefore(lead, firstCell);
    }
    tpl.parentNode.removeChild(tpl);
    loadHtmx();
    indexColumns();
    if (at.c > 0) { at.c += before; }
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
