/**
 * The pieces of page script both reports share (the simulation report's html-client.ts and the live
 * rollout report's rollout-html-client.ts), spliced into their text: time labels, axis splits, chart
 * panels, and the sortable tables, resize and ready flag that close each script. They read the including
 * script's `data` (its JSON block), `steps` (axis tick durations) and `charts`.
 */
export const clientHelpers = String.raw`
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function dur(s) {
    var neg = s < 0; s = Math.round(Math.abs(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (neg ? '-' : '') + (h ? h + 'h' : '') + (m ? m + 'm' : '') + (r || (!h && !m) ? r + 's' : '');
  }
  // Wall clock (data.clock: the scenario's offset, or UTC for a live rollout; never the browser's zone),
  // or an offset from the start.
  function clockLabel(t, seconds) {
    if (data.clock === null) return '+' + dur(t);
    var day = ((data.clock.startOfDayS + Math.round(t)) % 86400 + 86400) % 86400;
    return pad2(Math.floor(day / 3600)) + ':' + pad2(Math.floor((day % 3600) / 60)) +
      (seconds ? ':' + pad2(day % 60) : '');
  }
  // Axis ticks at round durations: the including script's steps (seconds).
  function splits(u, axis, min, max) {
    var width = u.bbox.width / devicePixelRatio;
    var want = Math.max(2, Math.floor(width / 70));
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) if ((max - min) / steps[i] <= want) { step = steps[i]; break; }
    var base = data.clock === null ? 0 : data.clock.startOfDayS;
    var out = [];
    for (var v = Math.ceil((min + base) / step) * step - base; v <= max; v += step) out.push(v);
    return out;
  }
  function panel(box, id, title) {
    var wrap = document.createElement('figure');
    wrap.className = 'chart';
    var h = document.createElement('figcaption');
    h.textContent = title;
    var el = document.createElement('div');
    el.id = id;
    var note = document.createElement('div');
    note.className = 'note';
    wrap.appendChild(h); wrap.appendChild(el); wrap.appendChild(note);
    box.appendChild(wrap);
    return el;
  }
`;

/** The end of each report script: sortable tables, charts that follow the window's width, the ready flag. */
export const clientTail = String.raw`
  // Sortable tables: numbers by data-v, text by code units; a second click reverses.
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.querySelectorAll('th');
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(r) {
          var c = r.cells[col];
          var v = c.getAttribute('data-v');
          return v === null ? c.textContent : Number(v);
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  window.addEventListener('resize', function () {
    charts.forEach(function (c) {
      var w = c.u.root.parentNode.clientWidth;
      if (w > 0) c.u.setSize({ width: Math.max(280, w), height: 190 });
    });
  });
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
