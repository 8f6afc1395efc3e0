// The coordinator's live dashboard. Reads go to the REST read endpoints with the operator's key
// (the policy decides what it may read); GET /v1/events says when to read again.
'use strict';

const KEY_SLOT = 'coordinator.dashboard.key';
/** The chart spans the time since the page opened, at least half a minute and at most ten. */
const CHART_MIN_MS = 30 * 1000;
const CHART_MAX_MS = 10 * 60 * 1000;
const READ_ACTIONS = new Set(['check_locks', 'validate_fencing_token', 'get_task', 'list_tasks', 'read_handoff',
  'recall', 'discover_agents', 'get_my_profile', 'check_policy', 'check_guardrails', 'query_audit', 'verify_audit',
  'cancel_lock_wait', 'cancel_claim_wait']);

// Taken before anything else runs: the key leaves the address bar at once and is never put back.
let key = takeKey();
let stream = null;
let reading = null;
let readAgain = false;
let latest = null;
const samples = [];
const seenAudit = new Set();

function takeKey() {
  const match = /(?:^#|&)key=([^&]*)/.exec(location.hash);
  if (match) {
    window.history.replaceState(null, '', location.pathname + location.search);
    const given = decodeURIComponent(match[1]);
    if (given) {
      sessionStorage.setItem(KEY_SLOT, given);
      return given;
    }
  }
  return sessionStorage.getItem(KEY_SLOT);
}

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function setStatus(state, text) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
}

async function read(path) {
  const response = await fetch(path, { headers: { Authorization: 'Bearer ' + key }, cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw new SignedOut(body);
  return response.ok ? { ok: true, body } : { ok: false, status: response.status, error: body.error || {} };
}

class SignedOut extends Error {
  constructor(body) {
    super((body.error && body.error.message) || 'unknown API key');
  }
}

// ---- start, sign in, sign out ----

function start() {
  $('keyform').addEventListener('submit', (event) => {
    event.preventDefault();
    const given = $('keyinput').value.trim();
    $('keyinput').value = '';
    if (!given) return;
    key = given;
    sessionStorage.setItem(KEY_SLOT, key);
    open();
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('showreads').addEventListener('change', () => latest && renderAudit(latest.audit));
  setInterval(tick, 1000);
  if (key) open(); else showSignIn('');
}

function showSignIn(message) {
  $('board').hidden = true;
  $('signin').hidden = false;
  $('signout').hidden = true;
  $('who').textContent = '';
  $('signinerror').textContent = message;
  setStatus('idle', 'not connected');
  $('keyinput').focus();
}

function signOut(message) {
  key = null;
  sessionStorage.removeItem(KEY_SLOT);
  if (stream) stream.abort();
  stream = null;
  showSignIn(message);
}

async function open() {
  $('signin').hidden = true;
  $('board').hidden = false;
  $('signout').hidden = false;
  try {
    const profile = await read('/v1/profile');
    if (profile.ok) {
      const agent = profile.body.agent;
      $('who').replaceChildren('signed in as ', el('b', {}, agent.id), ` · ${agent.type} · trust ${agent.trust}`);
    }
  } catch (error) {
    if (error instanceof SignedOut) return signOut(error.message);
  }
  listen();
}

// ---- the event stream (fetch, since EventSource cannot send the Authorization header) ----

async function listen() {
  const controller = new AbortController();
  stream = controller;
  let delay = 1000;
  while (stream === controller) {
    try {
      const response = await fetch('/v1/events', {
        headers: { Authorization: 'Bearer ' + key, Accept: 'text/event-stream' },
        cache: 'no-store', signal: controller.signal });
      if (response.status === 401) return signOut('the key was not accepted');
      if (!response.ok) throw new Error('events: HTTP ' + response.status);
      delay = 1000;
      await consume(response.body, controller);
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    setStatus('reconnecting', 'reconnecting…');
    await new Promise((resume) => setTimeout(resume, delay));
    delay = Math.min(delay * 2, 10000);
  }
}

async function consume(body, controller) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!controller.signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = (/^event: ?(.*)$/m.exec(block) || [])[1];
      if (name === 'ready') {
        setStatus('live', 'live');
        refresh();
      } else if (name === 'changed') {
        refresh();
      }
    }
  }
}

// ---- reading and drawing ----

/** One round of reads at a time; a change during a round asks for one more round after it. */
function refresh() {
  if (reading) {
    readAgain = true;
    return reading;
  }
  reading = readAll()
    .then((state) => { latest = state; render(state); })
    .catch((error) => { if (error instanceof SignedOut) signOut(error.message); })
    .finally(() => {
      reading = null;
      if (readAgain && key) {
        readAgain = false;
        refresh();
      }
    });
  return reading;
}

async function readAll() {
  const [locks, pending, claimed, agents, audit] = await Promise.all([
    read('/v1/locks'), read('/v1/tasks?status=pending&limit=500'), read('/v1/tasks?status=claimed&limit=500'),
    read('/v1/agents'), read('/v1/audit?limit=200')]);
  return { at: Date.now(), locks, pending, claimed, agents, audit };
}

function render(state) {
  renderLocks(state.locks);
  renderQueue(state.pending, state.claimed);
  renderSessions(state.agents);
  renderAudit(state.audit);
  record(state);
  drawChart();
  $('foot').textContent = 'last read ' + new Date(state.at).toLocaleTimeString()
    + ' · updated when the service says something changed (server push), not by polling';
}

/** Shows a read the policy refused in its card instead of its table; true when it was refused. */
function refused(cardId, result) {
  const banner = document.querySelector('#' + cardId + ' .refusal');
  if (result.ok) {
    banner.hidden = true;
    return false;
  }
  banner.hidden = false;
  banner.textContent = `⛔ not readable with this key: ${result.error.code || 'HTTP ' + result.status}`
    + (result.error.message ? ` — ${result.error.message}` : '');
  return true;
}

function setTile(id, value) {
  const tile = $(id);
  const text = String(value);
  if (tile.textContent !== text) {
    tile.textContent = text;
    tile.classList.remove('flash');
    void tile.offsetWidth;
    tile.classList.add('flash');
  }
}

function renderLocks(result) {
  const body = $('locks');
  if (refused('locks-card', result)) {
    body.replaceChildren();
    setTile('t-locks', '⛔');
    return;
  }
  const locks = result.body.locks.slice().sort((a, b) => a.key.localeCompare(b.key));
  setTile('t-locks', locks.length);
  $('locks-count').textContent = locks.length;
  $('locks-empty').hidden = locks.length > 0;
  const before = new Set([...body.children].map((row) => row.dataset.id));
  body.replaceChildren(...locks.map((lock) => {
    const id = lock.key + '#' + lock.fencing_token;
    return el('tr', { 'data-id': id, 'data-key': lock.key, class: before.has(id) || before.size === 0 && !latest ? null : 'new' },
      el('td', { class: 'mono', title: lock.key }, lock.key),
      el('td', {}, lock.holder, el('span', { class: 'hint' }, ' ' + (lock.agent_type || ''))),
      el('td', { class: 'mono', title: lock.session_id || '' }, short(lock.session_id)),
      el('td', { class: 'num mono' }, lock.fencing_token),
      el('td', { class: 'num', 'data-until': lock.expires_at }, left(lock.expires_at)),
      el('td', { title: lock.reason || '' }, lock.reason || ''));
  }));
}

function renderQueue(pending, claimed) {
  const denied = refused('queue-card', pending.ok ? claimed : pending);
  if (denied) {
    $('bytype').replaceChildren();
    $('leases').replaceChildren();
    setTile('t-pending', '⛔');
    setTile('t-claimed', '⛔');
    return;
  }
  const waiting = pending.body.tasks;
  const working = claimed.body.tasks;
  const capped = (list) => (list.length >= 500 ? '500+' : list.length);
  setTile('t-pending', capped(waiting));
  setTile('t-claimed', capped(working));
  $('queue-count').textContent = `${capped(waiting)} pending · ${capped(working)} claimed`;
  const types = new Map();
  const row = (type) => types.get(type) || types.set(type, { pending: 0, claimed: 0, priorities: new Map() }).get(type);
  for (const task of waiting) {
    const entry = row(task.task_type);
    entry.pending++;
    entry.priorities.set(task.priority, (entry.priorities.get(task.priority) || 0) + 1);
  }
  for (const task of working) row(task.task_type).claimed++;
  $('bytype').replaceChildren(...[...types.entries()].sort().map(([type, entry]) =>
    el('tr', {}, el('td', { class: 'mono' }, type), el('td', { class: 'num' }, entry.pending),
      el('td', { class: 'num' }, entry.claimed),
      el('td', {}, ...[...entry.priorities.entries()].sort((a, b) => a[0] - b[0])
        .map(([priority, n]) => el('span', { class: 'prio', title: `priority ${priority}: ${n}` }, `p${priority}×${n}`))))));
  if (types.size === 0) $('bytype').replaceChildren(el('tr', {}, el('td', { colspan: 4, class: 'empty' }, 'The queue is empty.')));
  const oldest = waiting.reduce((a, b) => (!a || b.created_at < a.created_at ? b : a), null);
  $('oldest').textContent = oldest ? `${ago(oldest.created_at)} ago (${oldest.task_type}, p${oldest.priority})` : '–';
  const leases = working.filter((task) => task.lease_expires_at)
    .sort((a, b) => a.lease_expires_at.localeCompare(b.lease_expires_at)).slice(0, 8);
  $('nextlease').textContent = leases.length ? `${left(leases[0].lease_expires_at)} (${leases[0].claimed_by})` : '–';
  $('leases').replaceChildren(...leases.map((task) => el('tr', {},
    el('td', { class: 'mono', title: task.id }, short(task.id)), el('td', { class: 'mono' }, task.task_type),
    el('td', {}, task.claimed_by), el('td', { class: 'num' }, `${task.attempt}/${task.max_attempts}`),
    el('td', { class: 'num', 'data-until': task.lease_expires_at }, left(task.lease_expires_at)))));
}

function renderSessions(result) {
  if (refused('sessions-card', result)) {
    $('sessions').replaceChildren();
    setTile('t-sessions', '⛔');
    return;
  }
  const agents = result.body.agents;
  const active = agents.filter((agent) => agent.status === 'active');
  setTile('t-sessions', active.length);
  $('sessions-count').textContent = `${active.length} active of ${agents.length}`;
  const order = (agent) => (agent.status === 'active' ? 0 : 1);
  $('sessions').replaceChildren(...agents.slice().sort((a, b) => order(a) - order(b) || a.id.localeCompare(b.id))
    .map((agent) => el('tr', { class: agent.status === 'active' ? null : 'offline' },
      el('td', {}, el('span', { class: 'pill ' + (agent.status === 'active' ? 'ok' : 'error') }, agent.status), ' ', agent.id),
      el('td', {}, agent.type), el('td', { class: 'num' }, agent.trust),
      el('td', { class: 'mono', title: agent.session_id || '' }, short(agent.session_id)),
      el('td', { class: 'hint', title: 'the node is not part of the agents list' }, '–'),
      el('td', { 'data-since': agent.last_heartbeat || '' }, agent.last_heartbeat ? ago(agent.last_heartbeat) + ' ago' : '–'),
      el('td', { class: 'mono' }, agent.current_task || ''))));
}

function renderAudit(result) {
  if (refused('audit-card', result)) {
    $('audit').replaceChildren();
    setTile('t-denials', '⛔');
    return;
  }
  const entries = result.body.entries;
  const showReads = $('showreads').checked;
  const isRead = (entry) => READ_ACTIONS.has(entry.action) && entry.outcome === 'ok';
  const shown = entries.filter((entry) => showReads || !isRead(entry)).slice(0, 60);
  const hidden = entries.filter(isRead).length;
  const denials = entries.filter((entry) => entry.outcome === 'denied' || entry.outcome === 'blocked' || entry.decision === 'deny');
  setTile('t-denials', denials.length);
  $('audit-hint').textContent = showReads ? `newest ${entries.length}` : `changes and denials · ${hidden} successful reads hidden`;
  const first = seenAudit.size === 0;
  $('audit').replaceChildren(...shown.map((entry) => {
    const kind = entry.outcome === 'blocked' ? 'blocked'
      : entry.outcome === 'denied' || entry.decision === 'deny' ? 'denial' : null;
    const classes = [kind, first || seenAudit.has(entry.id) ? null : 'new'].filter(Boolean).join(' ');
    const pill = entry.outcome === 'ok' ? 'ok' : entry.outcome === 'blocked' ? 'blocked'
      : entry.outcome === 'denied' || entry.decision === 'deny' ? 'denied' : 'error';
    return el('tr', { class: classes || null, 'data-outcome': entry.outcome, 'data-action': entry.action },
      el('td', { class: 'num mono' }, entry.id), el('td', { class: 'mono' }, clock(entry.at)),
      el('td', {}, entry.agent), el('td', { class: 'mono' }, entry.action),
      el('td', { class: 'mono', title: entry.resource || '' }, entry.resource || ''),
      el('td', {}, el('span', { class: 'pill ' + pill }, kind === 'denial' ? 'DENIED' : kind === 'blocked' ? 'BLOCKED' : entry.outcome)),
      el('td', { title: entry.reason || '' }, entry.reason || ''));
  }));
  entries.forEach((entry) => seenAudit.add(entry.id));
}

// ---- the chart: samples taken at each read, extended in time by the clock ----

function record(state) {
  const count = (result, list) => (result.ok ? result.body[list].length : null);
  samples.push({ at: state.at, pending: count(state.pending, 'tasks'), claimed: count(state.claimed, 'tasks'),
    locks: count(state.locks, 'locks') });
  while (samples.length > 2 && samples[1].at < Date.now() - CHART_MAX_MS) samples.shift();
}

function drawChart() {
  const svg = $('chart');
  const width = 800;
  const height = 160;
  const now = Date.now();
  const span = Math.min(CHART_MAX_MS, Math.max(CHART_MIN_MS, samples.length ? now - samples[0].at : 0));
  const from = now - span;
  const max = Math.max(4, ...samples.flatMap((s) => [s.pending || 0, s.locks || 0, s.claimed || 0]));
  const x = (at) => ((Math.max(at, from) - from) / span) * width;
  const y = (value) => height - 14 - (value / max) * (height - 28);
  const line = (field) => {
    const points = [];
    samples.forEach((sample, i) => {
      if (sample[field] === null) return;
      const next = samples[i + 1] ? samples[i + 1].at : now;
      points.push(`${x(sample.at).toFixed(1)},${y(sample[field]).toFixed(1)}`, `${x(next).toFixed(1)},${y(sample[field]).toFixed(1)}`);
    });
    return points.join(' ');
  };
  const ns = 'http://www.w3.org/2000/svg';
  const shape = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    Object.entries(attrs).forEach(([name, value]) => node.setAttribute(name, value));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const children = [];
  for (const fraction of [0, 0.5, 1]) {
    const value = Math.round(max * fraction);
    children.push(shape('line', { class: 'grid', x1: 0, x2: width, y1: y(value), y2: y(value) }),
      shape('text', { class: 'axis', x: 4, y: y(value) - 3 }, value));
  }
  for (let mark = 1; mark < 6; mark++) {
    const ago = (span * mark) / 6;
    children.push(shape('text', { class: 'axis', x: x(now - ago) - 10, y: height - 2 }, '-' + duration(ago)));
  }
  children.push(shape('polyline', { class: 'c', points: line('claimed') }),
    shape('polyline', { class: 'q', points: line('pending') }), shape('polyline', { class: 'k', points: line('locks') }));
  svg.replaceChildren(...children);
}

// ---- the clock: counts down times left locally, and reads once when something runs out ----

function tick() {
  if (!latest) return;
  let expired = false;
  document.querySelectorAll('[data-until]').forEach((cell) => {
    cell.textContent = left(cell.dataset.until);
    const ms = Date.parse(cell.dataset.until) - Date.now();
    cell.className = 'num ' + (ms <= 0 ? 'gone' : ms < 30000 ? 'soon' : '');
    if (ms <= 0 && ms > -1000) expired = true;
  });
  document.querySelectorAll('[data-since]').forEach((cell) => {
    if (cell.dataset.since) cell.textContent = ago(cell.dataset.since) + ' ago';
  });
  if (expired) refresh();
  drawChart();
}

// ---- formatting ----

function short(id) {
  return id ? String(id).slice(0, 8) : '–';
}

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function left(time) {
  const ms = Date.parse(time) - Date.now();
  return ms <= 0 ? 'expired' : duration(ms);
}

function ago(time) {
  return duration(Date.now() - Date.parse(time));
}

function clock(time) {
  return new Date(time).toLocaleTimeString([], { hour12: false });
}

start();
