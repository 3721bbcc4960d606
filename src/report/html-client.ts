import { clientHelpers, clientTail } from './html-client-shared.js';

/**
 * The HTML report's script, inlined as text (a string, not a compiled function: the page must not
 * depend on how the CLI was built). Plain ES2020 for any current browser; it reads the page's JSON data
 * block, draws the charts with uPlot, and wires the cluster picker and the sortable table. It makes no
 * request: the page's Content-Security-Policy forbids any.
 */
export const clientScript = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('rampart-data').textContent);
  var tones = { bad: '#d62728', warn: '#e08e0b', good: '#2ca02c', action: '#1f77b4', rollout: '#8c8c8c' };
  var charts = [];
  window.rampart = { charts: charts, data: data };

  function decode(s) {
    if (s === '') return [];
    var out = [];
    s.split(',').forEach(function (tok) {
      var star = tok.indexOf('*');
      if (star < 0) { out.push(Number(tok)); return; }
      var v = Number(tok.slice(0, star));
      for (var n = Number(tok.slice(star + 1)); n > 0; n--) out.push(v);
    });
    return out;
  }
  var tS = decode(data.tS);

${clientHelpers}
  var steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  function fmtValue(unit, v) {
    if (v === null || v === undefined || isNaN(v)) return '-';
    if (unit === 'ratio') return (v * 100).toFixed(v < 0.1 && v > 0 ? 1 : 0) + '%';
    if (v === 0) return '0';
    if (unit === 's') return (v < 10 ? v.toFixed(2) : v.toFixed(1)) + ' s';
    if (v >= 1e9) return (v / 1e9).toFixed(1) + 'G';
    if (v >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (v >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    return String(Math.round(v));
  }

  // Bands under the lines and marks over them, on the chart's own time scale.
  function overlay(getMarks, getBands) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          getBands().forEach(function (band, i) {
            var x0 = Math.max(b.left, u.valToPos(band[0], 'x', true));
            var x1 = Math.min(b.left + b.width, u.valToPos(band[1], 'x', true));
            if (x1 <= x0) return;
            ctx.fillStyle = band[2] === 'rollout' ? 'rgba(120,120,120,0.10)' :
              (i % 2 ? 'rgba(31,119,180,0.10)' : 'rgba(31,119,180,0.18)');
            ctx.fillRect(x0, b.top, x1 - x0, b.height);
          });
        }],
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          ctx.save();
          ctx.lineWidth = Math.max(1, devicePixelRatio);
          getMarks().forEach(function (m) {
            var x = Math.round(u.valToPos(m[0], 'x', true));
            if (x < b.left || x > b.left + b.width) return;
            ctx.strokeStyle = m[4] || tones[m[2]] || '#888';
            ctx.globalAlpha = m[2] === 'rollout' ? 0.35 : 0.8;
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
          note.textContent = near.slice(0, 4).map(function (m) {
            return clockLabel(m[0], true) + ' ' + (m[5] ? m[5] + ': ' : '') + m[3];
          }).join(' · ') + (near.length > 4 ? ' · +' + (near.length - 4) + ' more' : '');
        }],
      },
    };
  }

  function makeChart(el, metric, seriesDefs, getMarks, getBands, values) {
    var width = Math.max(280, el.clientWidth || 480);
    var opts = {
      width: width, height: 190,
      cursor: { sync: { key: 'rampart' }, drag: { x: true, y: false } },
      legend: { live: true },
      scales: {
        x: { time: false },
        y: { range: function (u, min, max) { return [0, Math.max(metric.floor, max * 1.08)]; } },
      },
      axes: [
        { splits: splits, values: function (u, vals) { return vals.map(function (v) { return clockLabel(v, false); }); } },
        { size: 56, values: function (u, vals) { return vals.map(function (v) { return fmtValue(metric.unit, v); }); } },
      ],
      series: [{ label: 'time', value: function (u, v) { return v === null ? '-' : clockLabel(v, true); } }]
        .concat(seriesDefs.map(function (s) {
          return { label: s.label, stroke: s.color, width: 1.5, points: { show: false },
            value: function (u, v) { return fmtValue(metric.unit, v); } };
        })),
      plugins: [overlay(getMarks, getBands)],
    };
    var u = new uPlot(opts, [tS].concat(values), el);
    charts.push({ id: el.id, metric: metric.key, u: u });
    return u;
  }

  var marksByRun = data.runs.map(function (run) {
    return run.marks.map(function (m) {
      // Side by side, a policy's marks take its colour; operator actions (the same script in every run) stay grey.
      var color = data.runs.length > 1 ? (m[2] === 'action' ? '#666666' : run.color) : null;
      return [m[0], m[1] < 0 ? null : data.clusters[m[1]].name, m[2], m[3], color,
        data.runs.length > 1 && m[2] !== 'action' ? run.name : null];
    });
  });
  // Side by side, each policy's rollout differs: its halts and gates are marked in its colour instead.
  var allBands = data.runs.length > 1 ? [] : data.runs[0].bands;
  var fleetMarks = [].concat.apply([], marksByRun.map(function (ms) { return ms.filter(function (m) { return m[1] === null; }); }));
  var current = data.defaultCluster;
  function clusterMarks() {
    return [].concat.apply([], marksByRun.map(function (ms) {
      return ms.filter(function (m) { return m[1] === null || m[1] === current; });
    }));
  }
  var decoded = data.runs.map(function () { return {}; });
  function clusterValues(metric) {
    return data.runs.map(function (run, i) {
      var key = current + '|' + metric;
      if (!decoded[i][key]) decoded[i][key] = decode((run.clusters[current] || {})[metric] || '');
      return decoded[i][key];
    });
  }
  function seriesDefs(metric, scope) {
    return data.runs.map(function (run) {
      return { label: data.runs.length > 1 ? run.name : (scope === 'fleet' ? metric.fleetLabel : current),
        color: data.runs.length > 1 ? run.color : metric.color };
    });
  }

  var fleetBox = document.getElementById('fleet-charts');
  var clusterBox = document.getElementById('cluster-charts');
  var clusterCharts = [];
  data.metrics.forEach(function (metric) {
    var el = panel(fleetBox, 'fleet-' + metric.key, metric.title + ' · ' + metric.fleetLabel);
    makeChart(el, metric, seriesDefs(metric, 'fleet'), function () { return fleetMarks; }, function () { return allBands; },
      data.runs.map(function (run) { return decode(run.fleet[metric.key]); }));
  });
  data.metrics.forEach(function (metric) {
    var el = panel(clusterBox, 'cluster-' + metric.key, metric.title);
    clusterCharts.push({ metric: metric, u: makeChart(el, metric, seriesDefs(metric, 'cluster'), clusterMarks,
      function () { return allBands; }, clusterValues(metric.key)) });
  });

  var picker = document.getElementById('picker');
  function show(name) {
    current = name;
    picker.value = name;
    document.getElementById('picked').textContent = name;
    clusterCharts.forEach(function (c) {
      c.u.setData([tS].concat(clusterValues(c.metric.key)));
      if (data.runs.length === 1) {
        c.u.series[1].label = name;
        var label = c.u.root.querySelector('.u-series:nth-child(2) .u-label');
        if (label) label.textContent = name;
      }
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
