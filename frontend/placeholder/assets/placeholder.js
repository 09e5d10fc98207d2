// Shows that the three paths CloudFront serves are wired: the SPA's settings, the API
// behind the load balancer, and the WebSocket upgrade through both.
(function () {
  function show(id, text) { document.getElementById(id).textContent = text; }

  fetch('/config.json', { cache: 'no-store' })
    .then(function (r) { return r.json(); })
    .then(function (c) { show('config', JSON.stringify(c, null, 2)); })
    .catch(function (e) { show('config', 'unavailable: ' + e); });

  fetch('/api/health', { cache: 'no-store' })
    .then(function (r) { return r.text().then(function (t) { show('api', r.status + ' ' + t); }); })
    .catch(function (e) { show('api', 'unreachable: ' + e); });

  try {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = function () { ws.send('ping'); };
    ws.onmessage = function (m) { show('ws', 'open, echoed "' + m.data + '"'); ws.close(); };
    ws.onerror = function () { show('ws', 'failed'); };
  } catch (e) {
    show('ws', 'failed: ' + e);
  }
})();
