// Renders GET /actuator/kvstore every second. Plain DOM, no libraries, no external network. Keys and values are
// user data: they are only ever set as text (textContent), never as HTML.
(function () {
  'use strict';
  var REFRESH_MILLIS = 1000;
  var STALLED_MILLIS = 10000;

  function el(id) { return document.getElementById(id); }

  function cell(row, text) {
    var td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function duration(millis) {
    var s = Math.floor(millis / 1000);
    if (s < 60) { return s + ' s'; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + ' min ' + (s % 60) + ' s'; }
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : ''; }

  function bytes(n) {
    if (n < 1024) { return n + ' B'; }
    if (n < 1048576) { return (n / 1024).toFixed(1) + ' KiB'; }
    if (n < 1073741824) { return (n / 1048576).toFixed(1) + ' MiB'; }
    return (n / 1073741824).toFixed(2) + ' GiB';
  }

  function bar(id, part, whole) {
    var fill = el(id);
    var ratio = whole > 0 ? Math.min(1, part / whole) : 0;
    fill.style.width = (ratio * 100).toFixed(1) + '%';
    fill.classList.toggle('complete', whole > 0 && part >= whole);
  }

  function renderMissing(missing) {
    var body = el('missing').querySelector('tbody');
    body.replaceChildren();
    missing.forEach(function (key, index) {
      var row = document.createElement('tr');
      row.dataset.missingKey = key.name;
      row.className = key.longestWaitMillis >= STALLED_MILLIS ? 'stalled' : 'waiting';
      if (index === 0) { row.classList.add('longest'); }
      cell(row, key.name).className = 'name';
      cell(row, String(key.waiters)).className = 'waiters';
      cell(row, duration(key.longestWaitMillis)).className = 'age';
      cell(row, time(key.since));
      cell(row, key.waitingClients.join(', '));
      body.appendChild(row);
    });
    el('missing-none').hidden = missing.length > 0;
  }

  // The master keeps the last waits that ended and how (resolved, cancelled, disconnected): the same list for every
  // tab, from the first load on.
  function renderEnded(ended) {
    var list = el('ended');
    list.replaceChildren();
    ended.forEach(function (wait) {
      var item = document.createElement('li');
      item.dataset.endedKey = wait.keys.join(',');
      item.dataset.outcome = wait.outcome;
      item.className = wait.outcome;
      item.textContent = wait.keys.join(', ') + ' \u2014 ' + wait.outcome + ' after ' + duration(wait.waitedMillis)
        + ' at ' + time(wait.ended) + ' (' + wait.client + ')';
      list.appendChild(item);
    });
    el('ended-none').hidden = ended.length > 0;
  }

  function renderClients(master) {
    var body = el('clients').querySelector('tbody');
    body.replaceChildren();
    var longest = 0;
    master.clients.forEach(function (client) {
      client.waits.forEach(function (wait) { longest = Math.max(longest, wait.ageMillis); });
    });
    master.clients.forEach(function (client) {
      var row = document.createElement('tr');
      row.dataset.client = client.remoteAddress;
      var oldest = 0;
      client.waits.forEach(function (wait) { oldest = Math.max(oldest, wait.ageMillis); });
      if (client.waits.length > 0) {
        row.className = oldest >= STALLED_MILLIS ? 'stalled' : 'waiting';
        if (oldest === longest) { row.classList.add('longest'); }
      }
      cell(row, client.remoteAddress);
      cell(row, client.protocol || '\u2014');
      cell(row, time(client.connectedSince));
      cell(row, String(client.requestsServed));
      cell(row, client.waits.map(function (wait) {
        return wait.keys.join(', ') + ' (' + duration(wait.ageMillis) + ')';
      }).join('; ') || '\u2014');
      body.appendChild(row);
    });
    el('client-count').textContent = '(' + master.clientCount + ' connected, ' + master.pendingWaitCount
      + ' pending waits)';
  }

  function renderKeys(keys, count, valuesShown) {
    var body = el('keys').querySelector('tbody');
    body.replaceChildren();
    keys.forEach(function (key) {
      var row = document.createElement('tr');
      cell(row, key.name);
      cell(row, String(key.size));
      cell(row, valuesShown ? (key.value === null ? '' : key.value) : 'hidden');
      body.appendChild(row);
    });
    el('key-count').textContent = count === null ? '' : '(' + count + ' stored, first ' + keys.length + ' shown)';
  }

  function render(data) {
    el('store').textContent = data.backend + ' \u00b7 ' + data.namespace + '/' + data.component + ' \u00b7 '
      + data.endpoint;
    el('updated').textContent = 'updated ' + time(data.takenAt);
    el('error').hidden = !data.error;
    el('error').textContent = data.error || '';
    var starting = data.startup !== 'ready' && !data.error;
    el('startup').hidden = !starting;
    el('startup').textContent = starting ? 'Starting: ' + data.startup : '';
    var master = data.master;
    if (master) {
      var world = master.worldSize;
      bar('world-bar', master.initRegistrations, world || 0);
      el('world-text').textContent = world
        ? master.initRegistrations + '/' + world + ' processes registered (init/)'
          + (master.initRegistrations < world ? ', waiting for ' + (world - master.initRegistrations) + ' more' : '')
        : master.initRegistrations + ' processes registered (init/); set kvstore.tcp.world-size to see the progress';
      renderMissing(master.missing);
      renderEnded(master.ended);
      renderClients(master);
      bar('bytes-bar', master.storedBytes, master.maxStoreBytes);
      el('bytes-text').textContent = bytes(master.storedBytes) + ' of ' + bytes(master.maxStoreBytes) + ' stored';
      renderKeys(master.keys, master.keyCount, data.valuesShown);
    } else {
      el('world-text').textContent = data.backend === 'tcp'
        ? 'This process is no TCPStore master: registrations, clients and waits are seen only by the master.'
        : 'Registrations, clients and waits are those of a TCPStore master.';
      renderMissing([]);
      renderEnded([]);
    }
    el('etcd-section').hidden = !data.etcd;
    if (data.etcd) {
      var etcd = data.etcd;
      el('etcd').textContent = 'members ' + etcd.members.join(', ') + ' \u00b7 leader ' + etcd.leaderId
        + ' \u00b7 revision ' + etcd.revision + ' \u00b7 etcd ' + etcd.version;
      renderKeys(etcd.keys, null, data.valuesShown);
    }
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  }

  function refresh() {
    fetch('actuator/kvstore?limit=50', { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) { throw new Error('GET /actuator/kvstore answered ' + response.status); }
        return response.json();
      })
      .then(render)
      .catch(function (error) {
        el('error').hidden = false;
        el('error').textContent = String(error.message || error);
      })
      .finally(function () { setTimeout(refresh, REFRESH_MILLIS); });
  }

  refresh();
}());
