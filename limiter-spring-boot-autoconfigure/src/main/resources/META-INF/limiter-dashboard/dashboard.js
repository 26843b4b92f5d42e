/* limiter dashboard: renders the samples of {base}/limiter-dashboard/stream (or /data, polled) with uPlot. */
(function () {
  'use strict';

  var base = document.body.dataset.base;
  var root = base + '/limiter-dashboard';
  var COLORS = { permitted: '#12805c', rejected: '#c4320a', 'shadow-rejected': '#b54708', 'failure-rate': '#c4320a',
    'slow-call-rate': '#7a2e0e', 'drop-ratio': '#c4320a', state: '#175cd3', cpu: '#6941c6', 'in-flight': '#12805c',
    limit: '#c4320a', threshold: '#98a2b3' };
  var model = { seq: -1, capacity: 300, controls: false, times: [], columns: [], cards: [] };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fmt(value, digits) {
    if (value === null || value === undefined || isNaN(value)) { return '\u2013'; }
    return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(digits === undefined ? 1 : digits);
  }

  function last(column) {
    for (var i = column.length - 1; i >= 0; i--) { if (column[i] !== null) { return column[i]; } }
    return null;
  }

  function constant(value) {
    return model.times.map(function () { return value; });
  }

  function setBadge(id, text, kind) {
    var badge = document.getElementById(id);
    badge.textContent = text;
    badge.className = 'badge' + (kind ? ' ' + kind : '');
  }

  // ---- confirmation and writes ----

  function confirmAction(text) {
    var dialog = document.getElementById('confirm');
    document.getElementById('confirm-text').textContent = text;
    return new Promise(function (resolve) {
      dialog.addEventListener('close', function () { resolve(dialog.returnValue === 'ok'); }, { once: true });
      dialog.returnValue = '';
      dialog.showModal();
    });
  }

  function csrfHeaders(headers) {
    var header = document.querySelector('meta[name="limiter-csrf-header"]');
    var token = document.querySelector('meta[name="limiter-csrf-token"]');
    if (header && token) {
      headers[header.content] = token.content;
      return headers;
    }
    var cookie = document.cookie.match(/(?:^|;\s*)XSRF-TOKEN=([^;]*)/);
    if (cookie) { headers['X-XSRF-TOKEN'] = decodeURIComponent(cookie[1]); }
    return headers;
  }

  function write(name, body, question, result) {
    confirmAction(question).then(function (ok) {
      if (!ok) { return; }
      result.className = 'result';
      result.textContent = 'sending\u2026';
      fetch(base + '/limiter/' + encodeURIComponent(name), {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: csrfHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(body)
      }).then(function (response) {
        if (response.ok) {
          result.textContent = 'done';
          return;
        }
        return response.text().then(function (text) {
          result.className = 'result error';
          result.textContent = 'refused (HTTP ' + response.status + ')' + (text ? ': ' + text.slice(0, 160) : '');
        });
      }).catch(function (error) {
        result.className = 'result error';
        result.textContent = 'failed: ' + error.message;
      });
    });
  }

  // ---- cards ----

  // at least the last minute, so that the first samples do not stretch across the chart
  function timeRange(u, min, max) {
    var now = Date.now() / 1000;
    if (min === null || max === null) { return [now - 60, now]; }
    return [Math.min(min, max - 60), max];
  }

  function chart(card, series, scales, axes) {
    var holder = el('div', 'chart');
    card.node.appendChild(holder);
    var width = Math.max(300, (card.node.clientWidth || 440) - 24);
    var options = {
      width: width, height: 170, series: [{}].concat(series), scales: Object.assign({ x: { time: true, range: timeRange } }, scales),
      axes: [{}].concat(axes), legend: { live: true }, cursor: { drag: { x: false, y: false } }
    };
    card.plot = new uPlot(options, card.data(), holder);
  }

  function line(label, scale, extra) {
    return Object.assign({ label: label, scale: scale, stroke: COLORS[label] || COLORS.threshold, width: 1.5,
      value: function (u, v) { return fmt(v, 2); } }, extra || {});
  }

  function header(card, protector) {
    var title = el('h3');
    title.appendChild(el('span', 'name', protector.name));
    card.meta = title.appendChild(el('span', 'meta'));
    card.now = title.appendChild(el('span', 'now'));
    card.node.appendChild(title);
  }

  function column(card, index) {
    return model.columns[card.protector.offset + index] || [];
  }

  function rateLimiterCard(card) {
    var p = card.protector;
    card.data = function () { return [model.times, column(card, 0), column(card, 1), column(card, 2)]; };
    card.update = function () {
      var m = card.protector.meta;
      card.meta.textContent = m.algorithm + ' ' + m.limit + ' / ' + m.period + (m.burst !== undefined ? ', burst ' + m.burst : '')
        + (m.mode === 'shadow' ? ', shadow' : '');
      card.now.textContent = fmt(last(column(card, 0))) + '/s permitted \u00b7 ' + fmt(last(column(card, 1)))
        + '/s rejected' + (m.mode === 'shadow' ? ' \u00b7 ' + fmt(last(column(card, 2))) + '/s shadow' : '');
      var total = 0;
      column(card, 0).forEach(function (v) { total += v || 0; });
      card.node.dataset.permitted = String(total);
    };
    chart(card, [line('permitted', 'calls'), line('rejected', 'calls'), line('shadow-rejected', 'calls', { dash: [4, 4] })],
      { calls: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } }, [{ scale: 'calls', label: 'calls/s' }]);
    var table = el('table', 'keys');
    card.keys = table.appendChild(el('tbody'));
    card.node.appendChild(table);
    card.top = function (entries) {
      card.keys.replaceChildren();
      (entries || []).forEach(function (entry) {
        var row = el('tr');
        row.appendChild(el('td', 'key', entry[0]));
        row.appendChild(el('td', 'share', (entry[1] * 100).toFixed(1) + ' %'));
        card.keys.appendChild(row);
      });
    };
    if (model.controls) {
      var controls = el('div', 'controls');
      var limit = controls.appendChild(el('input'));
      limit.type = 'number'; limit.min = '0'; limit.placeholder = 'limit'; limit.name = 'limit';
      var burst = null;
      if (p.meta.algorithm === 'token-bucket') {
        burst = controls.appendChild(el('input'));
        burst.type = 'number'; burst.min = '0'; burst.placeholder = 'burst'; burst.name = 'burst';
      }
      var period = controls.appendChild(el('input'));
      period.placeholder = 'period (1s)'; period.name = 'period';
      var apply = controls.appendChild(el('button', 'apply', 'Apply'));
      var result = controls.appendChild(el('span', 'result'));
      apply.addEventListener('click', function () {
        var body = {};
        if (limit.value) { body.limit = Number(limit.value); }
        if (burst && burst.value) { body.burst = Number(burst.value); }
        if (period.value) { body.period = period.value; }
        if (!Object.keys(body).length) { result.textContent = 'nothing to change'; return; }
        write(p.name, body, 'Change rate limiter \u201c' + p.name + '\u201d to ' + JSON.stringify(body) + '?', result);
      });
      card.node.appendChild(controls);
    }
  }

  function breakerCard(card) {
    var p = card.protector;
    var names = p.series;
    var states = p.meta.states || [];
    var threshold = p.meta.type === 'threshold';
    card.data = function () {
      var data = [model.times];
      for (var i = 1; i < names.length; i++) { data.push(column(card, i)); }
      if (threshold) {
        data.push(constant(card.protector.meta.failureRateThreshold), constant(card.protector.meta.slowCallRateThreshold));
      }
      data.push(column(card, 0));
      return data;
    };
    card.badge = el('span', 'state');
    card.node.appendChild(card.badge);
    card.update = function () {
      var m = card.protector.meta;
      var state = states[last(column(card, 0))] || m.state;
      card.badge.textContent = state;
      card.badge.className = 'state ' + state;
      card.node.dataset.state = state;
      card.meta.textContent = m.type + (threshold ? ', failure \u2264 ' + fmt(m.failureRateThreshold, 2) + ', slow \u2264 '
        + fmt(m.slowCallRateThreshold, 2) : '');
      card.now.textContent = names.slice(1).map(function (n, i) { return n + ' ' + fmt(last(column(card, i + 1)), 2); }).join(' \u00b7 ');
    };
    var series = names.slice(1).map(function (n) { return line(n, 'ratio'); });
    if (threshold) {
      series.push(line('failure threshold', 'ratio', { stroke: COLORS['failure-rate'], dash: [2, 4], width: 1 }),
        line('slow threshold', 'ratio', { stroke: COLORS['slow-call-rate'], dash: [2, 4], width: 1 }));
    }
    series.push(line('state', 'state', { paths: uPlot.paths.stepped({ align: 1 }),
      value: function (u, v) { return v === null ? '\u2013' : states[v]; } }));
    chart(card, series, { ratio: { range: [0, 1] }, state: { range: [0, Math.max(1, states.length - 1)] } }, [
      { scale: 'ratio', label: 'rate' },
      { scale: 'state', side: 1, size: 90, splits: function () { return states.map(function (s, i) { return i; }); },
        values: function (u, splits) { return splits.map(function (v) { return states[v] || ''; }); } }]);
    if (model.controls) {
      var controls = el('div', 'controls');
      var result = el('span', 'result');
      [['force-open', 'Force open'], ['force-closed', 'Force closed'], ['disable', 'Disable'], ['reset', 'Reset']]
        .forEach(function (action) {
          var button = controls.appendChild(el('button', 'action ' + action[0], action[1]));
          button.dataset.action = action[0];
          button.addEventListener('click', function () {
            write(p.name, { action: action[0] }, action[1] + ' circuit breaker \u201c' + p.name + '\u201d?', result);
          });
        });
      controls.appendChild(result);
      card.node.appendChild(controls);
    }
  }

  function shedderCard(card) {
    card.data = function () {
      return [model.times, column(card, 0), constant(card.protector.meta.cpuThreshold === undefined ? null
        : card.protector.meta.cpuThreshold), column(card, 1), column(card, 2)];
    };
    card.update = function () {
      var m = card.protector.meta;
      card.meta.textContent = m.type + (m.cpuThreshold !== undefined ? ', CPU \u2264 ' + fmt(m.cpuThreshold, 2) : '')
        + (m.limitKind ? ', limit: ' + m.limitKind : '');
      card.now.textContent = 'CPU ' + fmt(last(column(card, 0)), 2) + ' \u00b7 in flight ' + fmt(last(column(card, 1)), 0)
        + ' / ' + fmt(last(column(card, 2)), 0);
    };
    chart(card, [line('cpu', 'ratio'), line('cpu threshold', 'ratio', { stroke: COLORS.cpu, dash: [2, 4], width: 1 }),
      line('in-flight', 'count'), line('limit', 'count', { dash: [4, 4] })],
      { ratio: { range: [0, 1] }, count: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      [{ scale: 'ratio', label: 'CPU' }, { scale: 'count', side: 1, label: 'in flight' }]);
  }

  var BUILDERS = { 'rate-limiter': rateLimiterCard, 'circuit-breaker': breakerCard, 'load-shedder': shedderCard };

  function build(protectors) {
    model.cards.forEach(function (card) { card.plot.destroy(); card.node.remove(); });
    model.cards = [];
    ['rate-limiters', 'circuit-breakers', 'load-shedders'].forEach(function (id) {
      document.getElementById(id).classList.add('hidden');
    });
    protectors.forEach(function (protector) {
      var section = document.getElementById(protector.kind + 's');
      if (!section) { return; }
      section.classList.remove('hidden');
      var card = { protector: protector, node: el('div', 'card ' + protector.kind) };
      card.node.dataset.name = protector.name;
      section.querySelector('.cards').appendChild(card.node);
      header(card, protector);
      BUILDERS[protector.kind](card);
      card.update();
      model.cards.push(card);
    });
  }

  // ---- data ----

  function showStore(store) {
    if (!store || !store.type) { setBadge('store', 'no store', ''); return; }
    if (store.type === 'redis') {
      setBadge('store', store.available ? 'redis: available' : 'redis unavailable: ' + store.deciding, store.available ? 'ok' : 'bad');
    }
    else {
      setBadge('store', 'store: ' + store.type, '');
    }
  }

  function addEvents(events, replace) {
    var list = document.getElementById('event-list');
    if (replace) { list.replaceChildren(); }
    (events || []).forEach(function (event) {
      var item = el('li', 'event ' + event.kind);
      item.appendChild(el('span', 'time', new Date(event.t).toLocaleTimeString()));
      item.appendChild(el('span', 'kind', event.kind));
      item.appendChild(el('span', 'name', event.name + ': '));
      item.appendChild(el('span', 'text', event.text));
      list.insertBefore(item, list.firstChild);
    });
    while (list.children.length > 100) { list.lastChild.remove(); }
  }

  function showTop(top) {
    model.cards.forEach(function (card) { if (card.top) { card.top((top || {})[card.protector.name]); } });
  }

  function redraw() {
    model.cards.forEach(function (card) { card.plot.setData(card.data()); card.update(); });
  }

  function snapshot(data) {
    model.seq = data.seq;
    document.body.dataset.seq = String(data.seq);
    model.capacity = data.capacity;
    model.controls = data.controls;
    model.times = data.t.map(function (t) { return t / 1000; });
    model.columns = data.columns;
    document.getElementById('readonly').classList.toggle('hidden', data.controls);
    build(data.protectors);
    showTop(data.top);
    showStore(data.store);
    addEvents(data.events, true);
  }

  function tick(data) {
    if (data.seq <= model.seq) { return; }
    model.seq = data.seq;
    document.body.dataset.seq = String(data.seq);
    model.times.push(data.t / 1000);
    data.v.forEach(function (value, i) { (model.columns[i] = model.columns[i] || []).push(value); });
    if (model.times.length > model.capacity) {
      model.times.shift();
      model.columns.forEach(function (c) { c.shift(); });
    }
    if (data.protectors) {
      data.protectors.forEach(function (p, i) { if (model.cards[i]) { model.cards[i].protector.meta = p.meta; } });
    }
    showTop(data.top);
    showStore(data.store);
    addEvents(data.events, false);
    redraw();
  }

  function poll() {
    setBadge('connection', 'polling', 'warn');
    fetch(root + '/data?since=' + model.seq, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (data.snapshot) { snapshot(data.snapshot); } else { data.ticks.forEach(tick); }
      })
      .catch(function () { setBadge('connection', 'disconnected', 'bad'); })
      .finally(function () { setTimeout(poll, 2000); });
  }

  function connect() {
    // ?transport=poll forces the fallback, as a proxy that buffers the stream would
    if (!window.EventSource || /[?&]transport=poll(&|$)/.test(window.location.search)) { poll(); return; }
    var source = new EventSource(root + '/stream');
    var received = false;
    // a proxy that buffers the stream delivers nothing: fall back to polling
    var fallback = setTimeout(function () { if (!received) { source.close(); poll(); } }, 5000);
    source.addEventListener('snapshot', function (event) {
      received = true;
      clearTimeout(fallback);
      snapshot(JSON.parse(event.data));
      setBadge('connection', 'live', 'ok');
    });
    source.addEventListener('tick', function (event) {
      tick(JSON.parse(event.data));
      setBadge('connection', 'live', 'ok');
    });
    source.addEventListener('error', function () {
      if (!received) {
        clearTimeout(fallback);
        source.close();
        poll();
      }
      else {
        setBadge('connection', 'reconnecting', 'warn');
      }
    });
  }

  window.addEventListener('resize', function () {
    model.cards.forEach(function (card) {
      card.plot.setSize({ width: Math.max(300, card.node.clientWidth - 24), height: 170 });
    });
  });

  connect();
}());
