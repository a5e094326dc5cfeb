// The timetable grid by keyboard (issue 16). Only focus lives here: arrow keys move between
// the cells' selects (Up/Down also between rooms), Enter goes to the next lesson, and the
// focus comes back to the same cell after htmx swapped it. Typing a subject's first letters
// is the select's own behaviour; the save is the cell form's hx-post.
(function () {
  "use strict";
  var grid = document.getElementById("ttgrid");
  if (!grid) { return; }
  var focused = null;

  function at(kind, day, num) {
    var id = (kind === "room" ? "tt-room-" : "tt-") + day + "-" + num;
    return document.getElementById(id);
  }

  function neighbour(el, dDay, dNum) {
    var kind = el.classList.contains("ttroom") ? "room" : "pick";
    var day = +el.dataset.day + dDay, num = +el.dataset.num + dNum;
    // Skip lesson numbers the grid does not show (no bell): look up to 12 steps away.
    for (var i = 0; i < 13; i++) {
      var next = at(kind, day, num);
      if (next) { return next; }
      if (day < 1 || day > 6 || num < 0 || num > 12) { return null; }
      day += dDay; num += dNum;
    }
    return null;
  }

  grid.addEventListener("keydown", function (e) {
    var el = e.target;
    if (!el.dataset || !el.dataset.day || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var isPick = el.classList.contains("ttpick"), move = null;
    if (e.key === "ArrowUp") { move = [0, -1]; }
    else if (e.key === "ArrowDown") { move = [0, 1]; }
    else if (isPick && e.key === "ArrowLeft") { move = [-1, 0]; }
    else if (isPick && e.key === "ArrowRight") { move = [1, 0]; }
    else if (isPick && e.key === "Enter") { move = [0, 1]; }
    if (!move) { return; }
    e.preventDefault();  // a closed select would otherwise change its choice
    var next = neighbour(el, move[0], move[1]);
    if (next) { next.focus(); }
  });

  // The swapped cell is a new element: give the focus back to the same place.
  grid.addEventListener("focusin", function (e) { focused = e.target.id || null; });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!grid.contains(e.detail.target) || !focused) { return; }
    var active = document.activeElement;
    if (active && active !== document.body && grid.contains(active)) { return; }
    var el = document.getElementById(focused);
    if (el) { el.focus(); }
  });
})();
