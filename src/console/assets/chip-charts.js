/* The chip page's charts, drawn with uPlot (served from node_modules) from the JSON the server embeds. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  var days = data.days;

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  // Phase changes as bands behind the series: one band per run of days in the same phase.
  function phaseBands(u) {
    var ctx = u.ctx;
    var top = u.bbox.top;
    var height = u.bbox.height;
    var start = 0;
    ctx.save();
    for (var i = 1; i <= days.length; i++) {
      if (i === days.length || data.phase[i] !== data.phase[start]) {
        var x0 = u.valToPos(days[start] - 0.5, 'x', true);
        var x1 = u.valToPos(days[i - 1] + 0.5, 'x', true);
        ctx.fillStyle = alpha(data.phaseColors[data.phase[start]], 0.14);
        ctx.fillRect(x0, top, x1 - x0, height);
        start = i;
      }
    }
    ctx.restore();
  }

  // Program days are whole: the x axis steps by whole days only (uPlot's default steps include 0.5,
  // which ticked the day axis at -0.5, 0.5, 1.5 on a young chip's page).
  var DAY_STEPS = [1, 2, 5, 7, 10, 14, 20, 30, 50, 100, 200, 500, 1000];

  // What the x axis drew (ticks and their labels), for the browser tests and for anyone inspecting it.
  function recordTicks(u) {
    var axis = u.axes[0];
    u.root.parentNode.dataset.xTicks = JSON.stringify(axis._splits || []);
    u.root.parentNode.dataset.xLabels = JSON.stringify(axis._values || []);
  }

  function chart(id, series, extra) {
    var el = document.getElementById(id);
    if (!el || days.length === 0) return;
    var opts = Object.assign(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        scales: { x: { time: false, range: [days[0] - 0.5, days[days.length - 1] + 0.5] } },
        axes: [{ label: 'dia do programa', incrs: DAY_STEPS }, {}],
        legend: { live: true },
        series: [{ label: 'dia' }].concat(series),
      },
      extra || {},
    );
    var values = [days].concat(
      series.map(function (s) {
        return s.values;
      }),
    );
    series.forEach(function (s) {
      delete s.values;
    });
    opts.hooks = Object.assign({}, opts.hooks, { draw: [recordTicks].concat((opts.hooks && opts.hooks.draw) || []) });
    var plot = new uPlot(opts, values, el);
    el.dataset.drawn = String(
      values[1].filter(function (v) {
        return v !== null;
      }).length,
    );
    window.addEventListener('resize', function () {
      plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    });
  }

  // Sent to the left of each day, received to the right, so neither hides the other.
  var barsLeft = uPlot.paths.bars({ size: [0.3, 14], align: -1 });
  var barsRight = uPlot.paths.bars({ size: [0.3, 14], align: 1 });
  var steps = uPlot.paths.stepped({ align: 1 });

  chart(
    'chart-health',
    [
      { label: 'health', stroke: '#25795a', width: 2, spanGaps: true, values: data.health, points: { size: 5 } },
      {
        label: 'mínimo da fase',
        stroke: '#c9403a',
        width: 1,
        dash: [6, 4],
        paths: steps,
        values: data.gateHealth,
        points: { show: false },
      },
    ],
    {
      scales: { x: { time: false, range: [days[0] - 0.5, days[days.length - 1] + 0.5] }, y: { range: [0, 100] } },
      hooks: { drawClear: [phaseBands] },
    },
  );
  chart(
    'chart-volume',
    [
      { label: 'enviadas', stroke: '#2f6fd0', fill: 'rgba(47,111,208,0.7)', paths: barsLeft, values: data.sent, points: { show: false } },
      {
        label: 'recebidas',
        stroke: '#7cc6a4',
        fill: 'rgba(63,163,122,0.7)',
        paths: barsRight,
        values: data.received,
        points: { show: false },
      },
      { label: 'limite', stroke: '#c9403a', width: 1.5, dash: [6, 4], paths: steps, values: data.cap, points: { show: false } },
    ],
    { hooks: { drawClear: [phaseBands] } },
  );
  chart(
    'chart-reply',
    [
      { label: 'taxa de resposta (%)', stroke: '#3fa37a', width: 2, values: data.replyRate, points: { size: 4 } },
      {
        label: 'mínimo da fase (%)',
        stroke: '#c9403a',
        width: 1,
        dash: [6, 4],
        paths: steps,
        values: data.gateReply,
        points: { show: false },
      },
    ],
    {
      scales: { x: { time: false, range: [days[0] - 0.5, days[days.length - 1] + 0.5] }, y: { range: [0, 100] } },
      hooks: { drawClear: [phaseBands] },
    },
  );
})();
