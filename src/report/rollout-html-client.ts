import { clientHelpers, clientTail } from './html-client-shared.js';

/**
 * The live rollout report's script, inlined as text like the simulation report's (html-client.ts): it
 * reads the page's JSON block, draws the fleet chart and the picked cluster's charts with uPlot (each gate's
 * readings against its threshold, node steps as bands, verdicts and actions as marks), and wires the
 * cluster picker and the sortable table. It makes no request: the page's Content-Security-Policy forbids any.
 */
export const rolloutClientScript = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('rampart-data').textContent);
  var tones = { bad: '#d62728', warn: '#e08e0b', good: '#2ca02c', action: '#1f77b4', rollout: '#8c8c8c' };
  var charts = [];
  window.rampart = { charts: charts, data: data };

${clientHelpers}
  var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  function fmtValue(unit, v) {
    if (v === null || v === undefined || isNaN(v)) return '-';
    if (unit === 'ratio') return Number((v * 100).toPrecision(3)) + '%';
    if (v === 0) return '0';
    var a = Math.abs(v);
    var text = a >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : a >= 1e4 ? (v / 1e3).toFixed(1) + 'k' :
      a >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
    return text + (unit === 's' ? ' s' : unit === 'per_s' ? '/s' : '');
  }

  function overlay(getMarks, getBands) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          getBands().forEach(function (band, i) {
            var x0 = Math.max(b.left, u.valToPos(band[0], 'x', true));
            var x1 = Math.min(b.left + b.width, u.valToPos(band[1], 'x', true));
            if (x1 <= x0) return;
            ctx.fillStyle = i % 2 ? 'rgba(31,119,180,0.08)' : 'rgba(31,119,180,0.16)';
            ctx.fillRect(x0, b.top, x1 - x0, b.height);
            ctx.fillStyle = '#5f6b76';
            ctx.font = (10 * devicePixelRatio) + 'px system-ui, sans-serif';
            if (x1 - x0 > 30 * devicePixelRatio) ctx.fillText(band[2], x0 + 3 * devicePixelRatio, b.top + 11 * devicePixelRatio);
          });
        }],
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          ctx.save();
          ctx.lineWidth = Math.max(1, devicePixelRatio);
          getMarks().forEach(function (m) {
            var x = Math.round(u.valToPos(m[0], 'x', true));
            if (x < b.left || x > b.left + b.width) return;
            ctx.strokeStyle = tones[m[1]] || '#888';
            ctx.globalAlpha = m[1] === 'rollout' ? 0.35 : 0.85;
            ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
          });
          ctx.restore();
        }],
        setCursor: [function (u) {
          var note = u.root.parentNode.querySelector('.note');
          if (!note) return;
          var left = u.cursor.left;
          if (left === undefined || left < 0) { note.textContent = ''; return; }
          var t = u.posToVal(left, 'x'), slack = (u.scales.x.max - u.scales.x.min) / 120;
          var near = getMarks().filter(function (m) { return Math.abs(m[0] - t) <= slack; });
          note.textContent = near.slice(0, 3).map(function (m) { return clockLabel(m[0], true) + ' ' + m[2]; }).join(' · ') +
            (near.length > 3 ? ' · +' + (near.length - 3) + ' more' : '');
        }],
      },
    };
  }


  // series: [{label, color, dash, stepped}]; floor: the y axis reaches at least this.
  function makeChart(el, unit, floor, series, getMarks, getBands, values, getRange) {
    var width = Math.max(280, el.clientWidth || 480);
    var opts = {
      width: width, height: 190,
      cursor: { sync: { key: getRange ? 'cluster' : 'fleet' }, drag: { x: true, y: false } },
      legend: { live: true },
      scales: {
        x: { time: false, range: function () { return getRange ? getRange() : [0, data.durationS]; } },
        y: { range: function (u, min, max) { return [0, Math.max(floor, (max || 0) * 1.1)]; } },
      },
      axes: [
        { splits: splits, values: function (u, vals) { return vals.map(function (v) { return clockLabel(v, false); }); } },
        { size: 60, values: function (u, vals) { return vals.map(function (v) { return fmtValue(unit, v); }); } },
      ],
      series: [{ label: 'time', value: function (u, v) { return v === null ? '-' : clockLabel(v, true); } }]
        .concat(series.map(function (s) {
          var def = { label: s.label, stroke: s.color, width: s.dash ? 1.5 : 2, spanGaps: false,
            points: { show: true, size: 3 }, value: function (u, v) { return fmtValue(unit, v); } };
          if (s.dash) def.dash = [6, 4];
          if (s.stepped) { def.paths = uPlot.paths.stepped({ align: 1 }); def.points = { show: false }; }
          return def;
        })),
      plugins: [overlay(getMarks, getBands)],
    };
    var u = new uPlot(opts, values, el);
    charts.push({ id: el.id, u: u });
    return u;
  }

  // The fleet: share of all nodes running the change; waves shaded; fleet-wide events marked.
  var fleetBox = document.getElementById('fleet-charts');
  var fleetEl = panel(fleetBox, 'fleet-share', "Share of the fleet's nodes running the change");
  makeChart(fleetEl, 'ratio', 0.05, [{ label: 'nodes running the change', color: '#1f77b4', stepped: true }],
    function () { return data.fleet.marks; }, function () { return data.fleet.bands; },
    [data.fleet.t, data.fleet.share]);

  // The picked cluster: its node share, then one chart per gate (reading vs threshold).
  var current = data.defaultCluster;
  var clusterBox = document.getElementById('cluster-charts');
  function cur() { return data.cluster[current] || { share: [[0], [0]], gates: {}, bands: [], marks: [], range: [0, data.durationS] }; }
  function range() { return cur().range; }
  function marks() { return cur().marks; }
  function bands() { return cur().bands; }
  var shareChart = makeChart(panel(clusterBox, 'cluster-share', 'Share of its nodes running the change'), 'ratio', 0.05,
    [{ label: 'node share', color: '#1f77b4', stepped: true }], marks, bands, cur().share, range);
  function gateValues(g) {
    var s = cur().gates[g.name];
    return s ? [s[0], s[1], s[2]] : [[], [], []];
  }
  var gateCharts = data.gates.map(function (g, i) {
    var el = panel(clusterBox, 'cluster-gate-' + i, g.title);
    var u = makeChart(el, g.unit, g.unit === 'ratio' ? 0.01 : 0.001,
      [{ label: 'reading', color: '#9467bd' }, { label: 'threshold', color: '#d62728', dash: true }],
      marks, bands, gateValues(g), range);
    return { gate: g, u: u, el: el };
  });

  var picker = document.getElementById('picker');
  function show(name) {
    current = name;
    picker.value = name;
    document.getElementById('picked').textContent = name;
    shareChart.setData(cur().share);
    gateCharts.forEach(function (c) {
      var v = gateValues(c.gate);
      c.u.setData(v);
      var note = c.el.parentNode.querySelector('.note');
      if (note) note.textContent = v[0].length === 0 ? 'no reading of this gate on ' + name : '';
    });
  }
  picker.addEventListener('change', function () { show(picker.value); });
  Array.prototype.forEach.call(document.querySelectorAll('[data-cluster]'), function (b) {
    b.addEventListener('click', function (ev) {
      ev.preventDefault();
      show(b.getAttribute('data-cluster'));
      document.getElementById('cluster-view').scrollIntoView({ block: 'start' });
    });
  });
  show(current);

${clientTail}`;
