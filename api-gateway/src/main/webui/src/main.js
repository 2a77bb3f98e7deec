// The pattern lab: polls the gateway's /lab/api/figures every second, draws the mesh and keeps
// the last five minutes of each figure in uPlot charts. Controls POST to /lab/api/controls/*.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './lab.css';

const WINDOW = 300; // seconds of history kept per chart
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('lab-token') || '';

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401 || response.status === 403) {
    $('login').hidden = false;
    throw new Error(`the lab needs an admin token (HTTP ${response.status})`);
  }
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new Error(body.detail || body.title || `HTTP ${response.status}`);
  return body;
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('lab-token', token);
  $('login').hidden = true;
});

// --- charts ---------------------------------------------------------------------------------
const charts = {};
const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

function chart(id, title, seriesNames) {
  const box = document.createElement('figure');
  box.className = 'chart';
  box.dataset.chart = id;
  $('charts').append(box);
  const data = [[], ...seriesNames.map(() => [])];
  const plot = new uPlot({
    title, width: 460, height: 180,
    scales: { x: { time: true } },
    series: [{}, ...seriesNames.map((label, i) => ({ label, stroke: palette[i % palette.length], width: 2 }))],
    axes: [{}, { size: 60 }],
  }, data, box);
  charts[id] = { plot, data, seriesNames };
}

function push(id, at, values) {
  const c = charts[id];
  c.data[0].push(at);
  c.seriesNames.forEach((name, i) => c.data[i + 1].push(values[name] ?? null));
  if (c.data[0].length > WINDOW) c.data.forEach((s) => s.shift());
  c.plot.setData(c.data);
}

chart('gateway', 'Gateway: requests/s and p99 (ms)', ['requests/s', 'p99 ms', 'rate-limited/s']);
chart('queue', 'task-service: queue depth (tasks accepted, not finished)', ['queue depth']);
chart('lag', 'Kafka consumer lag (records behind, per group)', ['notification-service', 'analytics-service', 'billing-service', 'task-service']);
chart('cache', 'profile-service: cache hit ratio (%) and database reads/s', ['hit %', 'replica reads/s', 'primary reads/s']);

// --- diagram --------------------------------------------------------------------------------
const fmt = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits));

function instanceDots(instances) {
  return instances.map((i) => `<span class="instance" data-up="${i.up}" title="${i.address}: ${i.up ? 'up' : 'down'}`
    + `${i.up ? `, ${fmt(i.requestsPerSecond, 1)} req/s, p99 ${fmt(i.p99Millis)} ms` : ''}"></span>`).join('');
}

function serviceBox(s) {
  const extra = Object.entries(s.figures || {}).map(([k, v]) => `<li><span>${k}</span><b data-figure="${s.service}.${k}">${fmt(v, v % 1 ? 2 : 0)}</b></li>`).join('');
  return `<div class="box service" data-service="${s.service}">
    <h3>${s.service}</h3>
    <div class="instances">${instanceDots(s.instances)}</div>
    <ul><li><span>requests/s</span><b>${fmt(s.requestsPerSecond, 1)}</b></li>
        <li><span>p99</span><b>${fmt(s.p99Millis)} ms</b></li>${extra}</ul></div>`;
}

function postgresServer(p) {
  const replicas = (p.replicas || []).map((r) => `<li data-replica="${p.server}" data-replica-paused="${r.paused}">
    <span>replica of ${p.server}${r.paused ? ' <b class="down">(replay paused)</b>' : ''}</span>
    <b>${r.lagBytes < 0 ? 'unreachable' : `${fmt(r.lagBytes)} B behind`}</b></li>`).join('');
  return `<li><span>${p.server}</span><b>${fmt(p.shards)} shards</b></li>${replicas}`;
}

function render(f) {
  const lag = f.kafka.groups.map((g) => `<li><span>${g.group}</span><b data-lag="${g.group}">${g.lag}</b></li>`).join('');
  $('diagram').innerHTML = `
    <div class="column"><div class="box client"><h3>clients</h3><p>HTTPS + JWT</p></div></div>
    <div class="column">${serviceBox(f.services.find((s) => s.service === 'api-gateway'))}</div>
    <div class="column">${f.services.filter((s) => s.service !== 'api-gateway').map(serviceBox).join('')}</div>
    <div class="column">
      <div class="box kafka"><h3>Kafka</h3><p>${f.kafka.up ? 'up' : '<b class="down">unreachable</b>'}: lag per consumer group</p><ul>${lag}</ul></div>
      <div class="box store" data-store="postgres"><h3>PostgreSQL</h3><p>a primary and a streaming replica per server; the profile shards spread over them</p>
        <ul>${(f.postgres || []).map(postgresServer).join('')}</ul></div>
      <div class="box store" data-store="redis" data-up="${f.redis?.up}"><h3>Redis</h3>
        <p>${f.redis?.up ? 'up' : '<b class="down">unreachable</b>'}: profile cache, rate-limit buckets, idempotency keys, analytics counters</p></div>
    </div>`;
}

// --- controls -------------------------------------------------------------------------------
function renderControls(controls) {
  $('controls').innerHTML = '<h2>Controls</h2>' + controls.map((c) => `
    <div class="control" data-control="${c.name}">
      <button type="button">${c.label}</button>
      <p>${c.explains}</p><p class="watch">Watch: ${c.watch}</p>
      <output></output>
    </div>`).join('');
  for (const c of controls) {
    const box = document.querySelector(`[data-control="${c.name}"]`);
    box.querySelector('button').addEventListener('click', async () => {
      const out = box.querySelector('output');
      out.textContent = 'running…';
      try {
        const result = await api(`/lab/api/controls/${c.name}`, { method: 'POST' });
        out.textContent = result.summary;
      } catch (e) {
        out.textContent = e.message;
      }
    });
  }
}

// --- the loop ---------------------------------------------------------------------------------
let controlsShown = false;
async function tick() {
  try {
    const f = await api('/lab/api/figures');
    $('connection').dataset.state = 'live';
    $('connection').textContent = `live · ${new Date(f.at).toLocaleTimeString()}`;
    render(f);
    if (!controlsShown) { renderControls(f.controls); controlsShown = true; }
    const at = f.at / 1000;
    const gw = f.services.find((s) => s.service === 'api-gateway');
    const profiles = f.services.find((s) => s.service === 'profile-service')?.figures || {};
    push('gateway', at, { 'requests/s': gw.requestsPerSecond, 'p99 ms': gw.p99Millis, 'rate-limited/s': gw.figures['rate-limited/s'] });
    push('queue', at, { 'queue depth': f.services.find((s) => s.service === 'task-service')?.figures['queue depth'] });
    push('lag', at, Object.fromEntries(f.kafka.groups.map((g) => [g.group, g.lag])));
    push('cache', at, { 'hit %': profiles['cache hit %'], 'replica reads/s': profiles['replica reads/s'], 'primary reads/s': profiles['primary reads/s'] });
    document.body.dataset.ticks = String(Number(document.body.dataset.ticks || 0) + 1);
  } catch (e) {
    $('connection').dataset.state = 'error';
    $('connection').textContent = e.message;
  }
}
tick();
setInterval(tick, 1000);
