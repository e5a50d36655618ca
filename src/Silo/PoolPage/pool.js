// The Orion pool page: one server-sent event stream (/api/stream) carries the whole pool on every change;
// filters apply here so the choices stay complete. No framework, no CDN.
(() => {
  'use strict';
  const $ = id => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const filter = { dc: params.get('dc') || '', node: params.get('node') || '', tenant: params.get('tenant') || '' };
  let pool = null;

  const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const colour = id => { let h = 0; for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0; return `hsl(${h % 360} 60% 45%)`; };
  const gib = mib => (mib / 1024).toFixed(mib % 1024 === 0 ? 0 : 1) + ' GiB';
  const pct = milli => (milli / 10).toFixed(milli % 10 === 0 ? 0 : 1) + '%';
  const nodeName = id => id.split('/').slice(1).join('/');
  const utc = at => new Date(at).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
  const total = (list, value) => list.reduce((n, x) => n + value(x), 0);

  // The node's next maintenance window, unless its cordon already says it (the window is in force).
  function maintenance(n) {
    const w = (n.maintenance || [])[0];
    return !w || n.cordonReason === w.cordonText ? ''
      : ` · <span class="maintenance" title="planned maintenance: cordoned then${w.drain ? ', its tasks moved elsewhere' : ''}; from ${esc(utc(w.noticeFrom))} only work that ends before it starts here">maintenance ${esc(utc(w.start))} to ${esc(utc(w.end))}: ${esc(w.reason)}</span>`;
  }

  function matchesNode(nodeId) {
    const dc = nodeId.split('/')[0];
    return (!filter.dc || dc === filter.dc) && (!filter.node || nodeId === filter.node);
  }

  function options(select, values, current) {
    const keep = select.value || current;
    select.innerHTML = '<option value="">all</option>' + values.map(v => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
    select.value = values.includes(keep) ? keep : '';
  }

  function segs(slices, total, value, cls) {
    return slices.map(s => {
      const w = total > 0 ? Math.max(0, value(s)) * 100 / total : 0;
      const state = s.paused ? 'paused' : (s.state === 'Placing' ? 'placing' : '');
      return `<div class="seg ${cls} ${state}" data-task="${esc(s.taskId)}" data-state="${esc(s.state)}" title="${esc(s.name || s.taskId)} (${esc(s.tenant)}) ${esc(s.state)}${s.onHost ? `, ${gib(s.hostMiB)} swapped` : ''}" style="width:${w}%;background-color:${colour(s.taskId)}"></div>`;
    }).join('');
  }

  // Room the card's slices not shown hold (another tenant's, filtered out or kept from this token): taken, not whose.
  function others(held, total, shown) {
    const rest = held - shown;
    return rest > 0 && total > 0
      ? `<div class="seg others" title="held by other tenants' tasks" style="width:${rest * 100 / total}%"></div>`
      : '';
  }

  function card(c) {
    const slices = c.slices.filter(s => !filter.tenant || s.tenant === filter.tenant);
    const sum = (list, value) => list.reduce((n, s) => n + Math.max(0, value(s)), 0);
    // A task may be partly on the device and partly in host RAM: each bar draws its part.
    const resident = slices.filter(s => s.memoryMiB > s.hostMiB);
    const host = slices.filter(s => s.hostMiB > 0);
    const full = c.computeCapacityMilli > 0 ? 100000 / c.computeCapacityMilli : 100;
    return `<div class="card${c.fault ? ' faulted' : ''}${c.cordonReason ? ' cordoned' : ''}" data-gpu="${esc(c.gpuId)}">
      <h4><span>#${c.index} ${esc(c.model)}</span><span>${slices.length} task(s)</span></h4>
      ${c.fault ? `<div class="label fault" title="its daemon reports it broken: it takes no work until it works again"><span>faulted: ${esc(c.fault)}</span></div>` : ''}
      ${c.cordonReason ? `<div class="label card-cordon" title="an operator cordoned it: no new work, its tasks run on"><span>cordoned: ${esc(c.cordonReason)}</span></div>` : ''}
      ${c.measuredBusyPercent == null ? '' : `<div class="label measured" title="as its daemon measured it at the last heartbeat"><span>measured: busy ${Math.round(c.measuredBusyPercent)}%, ${gib(c.measuredMemoryMiB)} in use</span></div>`}
      <div class="label"><span>compute ${pct(c.computeAllocatedMilli)} allocated, ${pct(c.computeInUseMilli)} in use</span><span>of ${pct(c.computeCapacityMilli)}</span></div>
      <div class="bar compute">${segs(slices, c.computeCapacityMilli, s => s.computeMilli, 'compute')}${others(c.computeAllocatedMilli, c.computeCapacityMilli, sum(slices, s => s.computeMilli))}<div class="mark" style="left:${full}%" title="one whole card"></div></div>
      <div class="label"><span>memory on device ${gib(c.residentMiB)}</span><span>of ${gib(c.memoryMiB)}</span></div>
      <div class="bar memory">${segs(resident, c.memoryMiB, s => s.memoryMiB - s.hostMiB, 'resident')}${others(c.residentMiB, c.memoryMiB, sum(resident, s => s.memoryMiB - s.hostMiB))}</div>
      <div class="label"><span>memory on host ${gib(c.hostMiB)}</span></div>
      <div class="bar host">${segs(host, Math.max(c.memoryMiB, 1), s => s.hostMiB, 'host')}${others(c.hostMiB, Math.max(c.memoryMiB, 1), sum(host, s => s.hostMiB))}</div>
      <div class="chips">${slices.map(s => `<span class="chip" style="background:${colour(s.taskId)}" title="${esc(s.taskId)}">${esc(s.name || s.taskId)} <span class="state ${esc(s.hostMiB >= s.memoryMiB && s.onHost ? 'swapped' : s.state)}">${esc(s.hostMiB >= s.memoryMiB && s.onHost ? 'swapped' : s.hostMiB > 0 ? `${s.state}, ${gib(s.hostMiB)} swapped` : s.state)}</span></span>`).join('')}</div>
    </div>`;
  }

  function render() {
    if (!pool) return;
    const dcs = [...new Set(pool.nodes.map(n => n.dataCenter))].sort();
    options($('f-dc'), dcs, filter.dc);
    options($('f-node'), pool.nodes.filter(n => !filter.dc || n.dataCenter === filter.dc).map(n => n.nodeId), filter.node);
    options($('f-tenant'), [...new Set(pool.tasks.map(t => t.tenant))].sort(), filter.tenant);

    const nodes = pool.nodes.filter(n => matchesNode(n.nodeId));
    $('pool').innerHTML = dcs.filter(dc => !filter.dc || dc === filter.dc).map(dc => `<div class="dc" data-dc="${esc(dc)}"><h2>${esc(dc)}</h2>` +
      nodes.filter(n => n.dataCenter === dc).map(n => `<div class="node" data-node="${esc(n.nodeId)}">
        <h3>${esc(nodeName(n.nodeId))} <span class="host">CPU ${(n.cpuAllocatedMilli / 1000).toFixed(1)}/${(n.cpuCapacityMilli / 1000).toFixed(0)} cores · RAM ${gib(n.memoryAllocatedMiB)}/${gib(n.memoryCapacityMiB)}${n.cordonReason ? ` · <span class="cordoned" title="takes no new work; its tasks run on">cordoned: ${esc(n.cordonReason)}</span>` : n.schedulable ? '' : ' · not schedulable'}${maintenance(n)}${n.sliceEnforcement === 'none' ? ' · <span class="unenforced" title="no MPS control daemon: tasks time-share each card, slices are bookkeeping only">slices not enforced</span>' : ''}${Object.entries(n.labels || {}).sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => ` <span class="node-label" title="node label: tasks select it with a node selector">${esc(k)}=${esc(v)}</span>`).join('')}${Object.entries(n.taints || {}).sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => ` <span class="node-taint" title="node taint: only tasks that tolerate it run here">${esc(k)}=${esc(v)}</span>`).join('')}</span></h3>
        <div class="cards">${n.cards.map(card).join('')}</div></div>`).join('') + '</div>').join('');

    const tasks = pool.tasks.filter(t => (!filter.tenant || t.tenant === filter.tenant) && ((!filter.dc && !filter.node) || (t.nodeId && matchesNode(t.nodeId))));
    $('tasks').tBodies[0].innerHTML = tasks.map(t => `<tr data-task="${esc(t.taskId)}" data-state="${esc(t.state)}">
      <td>${esc(t.taskId)}</td><td>${esc(t.name)}</td><td>${esc(t.tenant)}</td><td>${esc(t.priority)}</td>
      <td><span class="state ${esc(t.state)}">${esc(t.state)}</span>${t.hostMiB > 0 ? ' <span class="state swapped">swapped</span>' : ''}${t.quotaWait ? ` <span class="state quota" title="${esc(t.quotaWait)}">waiting for quota</span>` : ''}${t.borrowed ? ' <span class="state borrowed" title="beyond its tenant\'s quota: evicted when a task within its quota needs the room">borrowed</span>' : ''}${t.gang ? ` <span class="state gang" title="placed with its gang all together or not at all; a member that fails or is cancelled ends the rest">gang ${esc(t.gang)}</span>` : ''}${t.spread ? ` <span class="state spread" title="kept apart from its tenant's other tasks of the group: at most ${esc(t.maxPerDomain)} ${t.topologyKey ? `per ${esc(t.topologyKey)}` : 'on a node'}">spread ${esc(t.spread)}</span>` : ''}${t.awaiting ? ` <span class="state after" title="queued once these ${esc(t.afterCondition === 'ended' ? 'end' : t.afterCondition === 'failed' ? 'fail' : 'complete')} (it runs after them)">after ${esc(t.awaiting.join(', '))}</span>` : ''}${t.heldBy ? ` <span class="state held" title="${esc(t.heldBy)}">held</span>` : ''}${t.ready === false ? ` <span class="state not-ready" title="${esc(t.notReadyBecause ?? (t.readiness ? `its readiness probe (${t.readiness}) has not passed yet` : `its startup probe (${t.startup}) has not passed yet`))}">not ready</span>` : ''}${t.maxRuntime ? ` <span class="state limit" title="the longest one run may take, not counting time paused">≤ ${esc(t.maxRuntime)}</span>` : ''}${t.idleTimeout ? ` <span class="state idle-timeout" title="stopped once its cards are idle this long, not counting time paused">idle ≤ ${esc(t.idleTimeout)}</span>` : ''}${t.labels ? ` <span class="state labels" title="its own labels (orion ls --label selects by them)">${esc(Object.entries(t.labels).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([k, v]) => `${k}=${v}`).join(', '))}</span>` : ''}</td>
      <td>${esc(t.gpuIds.join(', ') || '—')}</td><td>${pct(t.computeMilli)}</td><td>${gib(t.residentMiB)} / ${gib(t.hostMiB)}</td>
      <td>${t.nodeId ? `<button class="show-log" type="button" data-task="${esc(t.taskId)}">log</button>` : ''}</td></tr>`).join('');

    // The highest class a tenant's tasks may have (the API gives the class's number).
    const maxPriority = quota => quota == null || quota.maxPriority == null ? 'any' : (['offline', 'training', 'online'][quota.maxPriority] || String(quota.maxPriority));

    // Use against each limit; a bar fills as the use nears it.
    const of = (used, limit, show) => limit == null ? `${show(used)} <span class="nolimit">no limit</span>`
      : `<span class="quota-bar"><span style="width:${Math.min(100, limit > 0 ? 100 * used / limit : 100)}%"></span></span> ${show(used)} / ${show(limit)}`;
    const quotas = (pool.tenants || []).filter(q => !filter.tenant || q.tenant === filter.tenant);
    $('quotas-section').hidden = quotas.length === 0;
    $('quotas').tBodies[0].innerHTML = quotas.map(q => `<tr data-tenant="${esc(q.tenant)}">
      <td>${esc(q.tenant)}</td><td>${of(q.gpuPercent, q.quota && q.quota.gpuPercent, v => `${+v.toFixed(1)}%`)}</td>
      <td>${of(q.gpuMemoryMiB, q.quota && q.quota.gpuMemoryMiB, gib)}</td>
      <td class="online">${of(q.onlineGpuPercent || 0, q.quota && q.quota.onlineGpuPercent, v => `${+v.toFixed(1)}%`)}</td><td>${of(q.tasks, q.quota && q.quota.tasks, v => `${v}`)}</td>
      <td class="waiting">${q.waiting}</td>
      <td class="borrowed">${(q.quota && q.quota.borrow) || q.borrowed ? `${+q.borrowedGpuPercent.toFixed(1)}% in ${q.borrowed}` : 'off'}</td><td class="weight">${+((q.quota && q.quota.weight) || 1).toFixed(2)}</td>
      <td class="max-priority">${esc(maxPriority(q.quota))}</td>
      <td class="budget${q.gpuHoursThisMonth != null && q.gpuHoursThisMonth >= q.quota.gpuHoursPerMonth ? ' spent' : ''}">${q.gpuHoursThisMonth == null ? '–' : of(q.gpuHoursThisMonth, q.quota.gpuHoursPerMonth, v => `${+v.toFixed(2)}`)}</td></tr>`).join('');

    // Replicas kept live by deployments: how many serve of those asked for, and whether a rollout or a backoff is under way.
    const deployments = (pool.deployments || []).filter(d => !filter.tenant || d.tenant === filter.tenant);
    $('deployments-section').hidden = deployments.length === 0;
    $('deployments').tBodies[0].innerHTML = deployments.map(d => `<tr data-deployment="${esc(d.name)}" class="${d.ready < d.replicas ? 'short' : ''}">
      <td>${esc(d.name)}</td><td>${esc(d.tenant)}</td><td class="ready">${d.ready}/${d.replicas}</td><td>${d.live}</td>
      <td>${d.revision}</td><td class="autoscale">${d.autoscale ? `${esc(d.autoscale)}${d.measured == null ? '' : ` (now ${esc(d.measured)})`}` : '–'}</td>
      <td class="status">${esc(d.status)}</td></tr>`).join('');

    // Within a priority, room that frees goes to the tenant with the least share (and past use, when counted) over its weight.
    const shares = (pool.shares || []).filter(s => !filter.tenant || s.tenant === filter.tenant);
    $('shares-section').hidden = shares.length === 0;
    const ofPool = v => `${+(100 * v).toFixed(1)}%`;
    $('shares').tBodies[0].innerHTML = shares.map(s => `<tr data-tenant="${esc(s.tenant)}">
      <td>${esc(s.tenant)}</td><td>${+(s.computeMilli / 10).toFixed(1)}%</td><td>${gib(s.memoryMiB)}</td>
      <td class="share"><span class="quota-bar"><span style="width:${Math.min(100, 100 * s.share)}%"></span></span> ${ofPool(s.share)}</td>
      <td class="past">${s.pastShare == null ? '–' : ofPool(s.pastShare)}</td><td>${+s.weight.toFixed(2)}</td><td class="weighted">${ofPool(s.weightedShare)}</td><td class="queued">${s.queued}</td></tr>`).join('');

    renderUsage();

    const counts = {};
    for (const t of tasks) counts[t.state] = (counts[t.state] || 0) + 1;
    const cards = nodes.flatMap(n => n.cards);
    // Free compute on the cards that take work, and how much of it lies on cards already in use (only slices fit there).
    const open = nodes.filter(n => n.schedulable).flatMap(n => n.cards).filter(c => !c.fault && !c.cordonReason);
    const freeOf = c => Math.max(0, c.computeCapacityMilli - c.computeAllocatedMilli);
    const free = total(open, freeOf), scattered = total(open.filter(c => (c.slices || []).length > 0), freeOf);
    const empty = open.filter(c => (c.slices || []).length === 0).length;
    $('summary').innerHTML = `<span><b>${nodes.length}</b> nodes</span><span><b>${cards.length}</b> cards</span>` +
      `<span id="room" title="free compute on the cards that take work; scattered: on cards already in use, where only slices fit (consolidation gathers it)"><b>${empty}</b> empty cards · <b>${free > 0 ? Math.round(100 * scattered / free) : 0}%</b> of free compute scattered</span>` +
      `<span><b>${pool.queue.length}</b> queued</span><span>policy <b>${esc(pool.policy)}</b></span>` +
      (pool.settings ? `<span id="oversubscription">compute <b>×${+pool.settings.computeOversubscription.toFixed(2)}</b> · memory <b>×${+pool.settings.memoryOversubscription.toFixed(2)}</b></span>` : '') +
      (pool.settings && pool.settings.evictLowerPriority ? '<span id="eviction" title="a higher-class task that fits nowhere evicts running lower-class work, which queues again">evicts lower priority</span>' : '') +
      (pool.settings && pool.settings.consolidate ? '<span id="consolidation" title="a task that fits nowhere, the free room being scattered, has running offline work moved to nodes where it fits now">gathers scattered room</span>' : '') +
      (pool.settings && pool.settings.defaultQuota ? `<span id="default-quota" title="the quota of every tenant without one of its own (orion quota --default)">default quota <b>${esc(defaultQuota(pool.settings.defaultQuota))}</b></span>` : '') +
      ['Running', 'Suspended', 'Pending', 'Blocked', 'Completed'].map(s => `<span><b>${counts[s] || 0}</b> ${s.toLowerCase()}</span>`).join('');

    const taskTenant = Object.fromEntries(pool.tasks.map(t => [t.taskId, t.tenant]));
    const events = pool.events.filter(e => (!filter.tenant || taskTenant[e.taskId] === filter.tenant) &&
      ((!filter.dc && !filter.node) || matchesNode(e.where.split('/').slice(0, 2).join('/'))));
    $('events').innerHTML = events.slice().reverse().map(e => `<li data-kind="${esc(e.kind)}">
      <span class="time">${new Date(e.at).toLocaleTimeString()}</span> <span class="kind">${esc(e.kind)}</span>
      ${esc(e.taskId)} @ ${esc(e.where)} — ${esc(e.detail)}</li>`).join('');
  }

  // The pool's default quota in a few words: its limits, as orion quota --default shows them.
  function defaultQuota(q) {
    const limits = [];
    if (q.gpuPercent != null) limits.push(`${+q.gpuPercent.toFixed(1)}%`);
    if (q.gpuMemoryMiB != null) limits.push(gib(q.gpuMemoryMiB));
    if (q.onlineGpuPercent != null) limits.push(`online ${+q.onlineGpuPercent.toFixed(1)}%`);
    if (q.tasks != null) limits.push(`${q.tasks} tasks`);
    if (q.maxPriority != null) limits.push(`max ${['offline', 'training', 'online'][q.maxPriority] || q.maxPriority}`);
    if (q.gpuHoursPerMonth != null) limits.push(`${+q.gpuHoursPerMonth.toFixed(2)} card-hours a month`);
    if (q.idleTimeout != null) limits.push(`idle ≤ ${q.idleTimeout}`);
    return limits.join(' · ');
  }

  for (const [key, id] of [['dc', 'f-dc'], ['node', 'f-node'], ['tenant', 'f-tenant']]) {
    $(id).addEventListener('change', () => {
      filter[key] = $(id).value;
      const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v));
      history.replaceState(null, '', q.toString() ? '?' + q : location.pathname);
      render();
    });
  }

  // A task's log, read from its node's daemon and followed (by byte offset) while the panel is open; an earlier run's
  // (generation given) is read from its start, once: it no longer grows.
  let following = null;
  async function follow(taskId, generation) {
    const mine = following = { taskId, generation, next: generation ? 0 : -65536 };
    $('log-task').textContent = generation ? `${taskId} (run ${generation})` : taskId;
    $('log').textContent = '';
    $('log-panel').hidden = false;
    showRuns(mine);
    while (following === mine) {
      const response = await fetch(`/api/tasks/${encodeURIComponent(taskId)}/log?offset=${mine.next}&max=65536${generation ? `&generation=${generation}` : ''}`);
      if (following !== mine) break;
      if (response.status === 404) {
        $('log').textContent = 'no log: the task has not run yet, or its node keeps none (NVIDIA nodes keep one with the daemon\'s --task-logs)';
      } else if (response.status === 403) {
        $('log').textContent = (await response.json()).title;
        break;
      } else if (response.ok) {
        const piece = await response.json();
        $('log').textContent += piece.text;
        mine.next = piece.next;
      }
      if (generation) break;
      await new Promise(r => setTimeout(r, 1000));
    }
  }

  // The task's earlier runs (why each ended), newest first, each a button to its log, after one to the current run.
  async function showRuns(mine) {
    $('log-runs').innerHTML = '';
    const response = await fetch(`/api/tasks/${encodeURIComponent(mine.taskId)}`);
    if (!response.ok || following !== mine) return;
    const task = await response.json();
    const runs = (task.pastRuns || []).slice().reverse();
    $('log-runs').innerHTML = runs.length === 0 ? '' :
      `<button type="button" class="run${mine.generation ? '' : ' current'}" data-generation="">current run (${task.generation})</button>` +
      runs.map(r => `<button type="button" class="run${mine.generation === r.generation ? ' current' : ''}" data-generation="${r.generation}">run ${r.generation} on ${esc(r.nodeId)}: ${esc(r.reason || 'ended')}</button>`).join('');
  }

  $('tasks').addEventListener('click', e => {
    const button = e.target.closest('button.show-log');
    if (button) follow(button.dataset.task);
  });
  $('log-runs').addEventListener('click', e => {
    const run = e.target.closest('button.run');
    if (run && following) follow(following.taskId, run.dataset.generation ? +run.dataset.generation : null);
  });
  $('log-close').addEventListener('click', () => { following = null; $('log-panel').hidden = true; });

  // What each tenant held over the last 30 days: read from the meters every 30 s, not with every pool update.
  let usage = [];
  const hours = v => (+v.toFixed(v >= 100 ? 0 : 3)).toLocaleString();
  function renderUsage() {
    const rows = usage.filter(u => !filter.tenant || u.tenant === filter.tenant);
    $('usage-section').hidden = rows.length === 0;
    $('usage').tBodies[0].innerHTML = rows.map(u => `<tr data-tenant="${esc(u.tenant)}">
      <td>${esc(u.tenant)}</td><td class="card-hours">${hours(u.cardHours)}</td><td class="memory-hours">${hours(u.gpuMemoryGiBHours)}</td>
      <td class="runs">${u.runs}</td><td class="running">${u.runningNow}</td></tr>`).join('');
  }
  async function readUsage() {
    try {
      const response = await fetch('/api/usage');
      if (response.ok) { usage = await response.json(); renderUsage(); }
    } catch { /* the next read tries again */ }
  }
  readUsage();
  setInterval(readUsage, 30000);

  // Who the page is signed in as, where the pool requires tokens; a token revoked meanwhile sends it back to sign in.
  async function readAccess() {
    try {
      const response = await fetch('/api/access');
      if (response.status === 401) { location.assign('/'); return; }
      const access = await response.json();
      $('access').hidden = !access.required;
      $('access-who').textContent = access.required ? access.who : '';
    } catch { /* unreachable now: the stream's reconnect asks again */ }
  }
  readAccess();

  const source = new EventSource('/api/stream');
  source.addEventListener('pool', e => { pool = JSON.parse(e.data); $('status').textContent = 'live'; $('status').className = 'status live'; render(); });
  source.onerror = () => { $('status').textContent = 'reconnecting…'; $('status').className = 'status'; readAccess(); };
})();
