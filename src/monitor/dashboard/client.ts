/**
 * The dashboard's browser script. `dashboardMain` is never called in Node: the page
 * embeds its compiled source (Function.prototype.toString) after the helpers of
 * format.ts, so it is type-checked with the rest of the server but runs in the page.
 * It must stay self-contained: use nothing from outside its body except the helpers
 * named in CLIENT_HELPERS (called by their own names) and the browser's globals.
 */
import { counterRate, formatAgo, formatByteRate, formatBytes, formatCount, formatMsgRate, formatUptime, niceScale } from './format.ts';

/** Settings the page passes to dashboardMain. */
export interface DashboardConfig {
  /** How often /varz and the activity endpoint are polled. */
  pollMs: number;
  /** How much history the charts keep. */
  windowMs: number;
  /** Busiest subjects listed. */
  subjectLimit: number;
}

export function dashboardMain(config: DashboardConfig): void {
  interface Varz {
    server_id: string;
    server_name: string;
    version: string;
    go: string;
    host: string;
    port: number;
    now: string;
    start: string;
    uptime: string;
    mem: number;
    cpu: number;
    cores: number;
    connections: number;
    total_connections: number;
    in_msgs: number;
    out_msgs: number;
    in_bytes: number;
    out_bytes: number;
    slow_consumers: number;
    subscriptions: number;
    max_connections: number;
    max_payload: number;
  }
  interface Activity {
    server_id: string;
    now: string;
    sample_every: number;
    window_ms: number;
    subjects: { subject: string; account: string; msgs: number; bytes: number; msgs_per_sec: number; bytes_per_sec: number }[];
    slow_consumers: { cid: number; name: string; account: string; reason: string; time: string }[];
    accounts_total: number;
    server_subscriptions: number;
    accounts_active: number;
    accounts: {
      name: string;
      is_system?: boolean;
      connections: number;
      subscriptions: number;
      in_msgs: number;
      in_bytes: number;
      out_msgs: number;
      out_bytes: number;
      slow_consumers: number;
    }[];
  }
  /** One poll: the gauges as read, the rates since the previous poll (null on the first). */
  interface Sample {
    t: number;
    connections: number;
    subscriptions: number;
    accounts: number;
    slow: number;
    inMsgs: number | null;
    outMsgs: number | null;
    inBytes: number | null;
    outBytes: number | null;
  }
  interface SeriesDef {
    label: string;
    cls: string;
    pick: (s: Sample) => number | null;
  }
  interface ChartOptions {
    compact: boolean;
    /** Whole numbers (connections): the axis never shows fractions. */
    integer: boolean;
    /** Axis labels. */
    format: (n: number) => string;
    /** Values in the tooltip (with units). */
    tipFormat: (n: number) => string;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const maxSamples = Math.ceil(config.windowMs / config.pollMs) + 5;
  const samples: Sample[] = [];
  let lastVarz: Varz | null = null;
  let lastActivity: Activity | null = null;
  let lastAccountTotals = new Map<string, { t: number; in_msgs: number; out_msgs: number; in_bytes: number; out_bytes: number }>();
  let serverId = '';
  let paused = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function byId(id: string): HTMLElement {
    const el = document.getElementById(id);
    if (el === null) throw new Error('dashboard: no #' + id);
    return el;
  }
  function setText(id: string, text: string): void {
    const el = byId(id);
    if (el.textContent !== text) el.textContent = text;
  }
  function svgEl(name: string, attrs: Record<string, string | number>): SVGElement {
    const el = document.createElementNS(SVG_NS, name);
    for (const k of Object.keys(attrs)) el.setAttribute(k, String(attrs[k]));
    return el;
  }
  function clock(t: number): string {
    const d = new Date(t);
    const p = (n: number): string => (n < 10 ? '0' : '') + n;
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  // ---- charts -------------------------------------------------------------------

  function makeChart(host: HTMLElement, series: SeriesDef[], opts: ChartOptions): { draw: () => void } {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'plot');
    svg.setAttribute('role', 'img');
    host.appendChild(svg);
    const tip = document.createElement('div');
    tip.className = 'tip';
    tip.hidden = true;
    host.appendChild(tip);
    let hoverX: number | null = null;
    svg.addEventListener('pointermove', (e) => {
      hoverX = e.clientX - svg.getBoundingClientRect().left;
      draw();
    });
    svg.addEventListener('pointerleave', () => {
      hoverX = null;
      draw();
    });
    // Drawn in pixels (crisp text and lines), so a new size needs a new drawing.
    if (typeof ResizeObserver === 'function') new ResizeObserver(() => draw()).observe(host);

    function draw(): void {
      const w = svg.clientWidth;
      const h = svg.clientHeight;
      if (w === 0 || h === 0) return;
      svg.replaceChildren();
      svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
      const padL = opts.compact ? 1 : 58;
      const padR = opts.compact ? 1 : 10;
      const padT = opts.compact ? 3 : 8;
      const padB = opts.compact ? 1 : 20;
      const pw = Math.max(1, w - padL - padR);
      const ph = Math.max(1, h - padT - padB);
      const first = samples[0];
      const last = samples[samples.length - 1];
      const tEnd = last === undefined ? Date.now() : last.t;
      // A fresh page spreads its first minute over the width, then the window fills and scrolls.
      const span = Math.min(config.windowMs, Math.max(60000, first === undefined ? 0 : tEnd - first.t));
      const tStart = tEnd - span;
      let max = 0;
      for (const s of samples) {
        for (const sd of series) {
          const v = sd.pick(s);
          if (v !== null && v > max) max = v;
        }
      }
      const ticks = opts.compact ? 2 : 4;
      let scale = niceScale(max, ticks);
      if (opts.integer && scale.step < 1) scale = { top: ticks, step: 1 };
      const x = (t: number): number => padL + ((t - tStart) / span) * pw;
      const y = (v: number): number => padT + (1 - v / scale.top) * ph;

      if (!opts.compact) {
        for (let i = 0; i <= ticks; i++) {
          const v = i * scale.step;
          const gy = Math.round(y(v)) + 0.5;
          svg.appendChild(svgEl('line', { class: i === 0 ? 'axis' : 'grid', x1: padL, x2: w - padR, y1: gy, y2: gy }));
          const label = svgEl('text', { class: 'tick', x: padL - 8, y: gy + 4, 'text-anchor': 'end' });
          label.textContent = opts.format(v);
          svg.appendChild(label);
        }
        const every = [10000, 15000, 30000, 60000, 120000].find((e) => span / e <= 6) ?? 300000;
        for (let k = 0; k * every <= span; k++) {
          const ago = k * every;
          const label = svgEl('text', { class: 'tick', x: x(tEnd - ago), y: h - 4, 'text-anchor': k === 0 ? 'end' : 'middle' });
          label.textContent = k === 0 ? 'now' : '\u2212' + (ago % 60000 === 0 ? ago / 60000 + 'm' : ago / 1000 + 's');
          svg.appendChild(label);
        }
      }

      for (const sd of series) {
        let line = '';
        let area = '';
        let runX = '';
        let lastX = '';
        let points = 0;
        const base = y(0).toFixed(1);
        for (const s of samples) {
          const v = s.t < tStart ? null : sd.pick(s);
          if (v === null) {
            if (runX !== '') area += 'L' + lastX + ' ' + base + 'Z';
            runX = '';
            continue;
          }
          const px = x(s.t).toFixed(1);
          const py = y(v).toFixed(1);
          if (runX === '') {
            line += 'M' + px + ' ' + py;
            area += 'M' + px + ' ' + base + 'L' + px + ' ' + py;
            runX = px;
          } else {
            line += 'L' + px + ' ' + py;
            area += 'L' + px + ' ' + py;
          }
          lastX = px;
          points++;
        }
        if (runX !== '') area += 'L' + lastX + ' ' + base + 'Z';
        if (points === 0) continue;
        svg.appendChild(svgEl('path', { class: 'area ' + sd.cls, d: area }));
        svg.appendChild(svgEl('path', { class: 'line ' + sd.cls, d: line, 'data-points': points }));
      }

      tip.hidden = true;
      if (hoverX === null || samples.length === 0) return;
      const t = tStart + ((hoverX - padL) / pw) * span;
      let nearest: Sample | null = null;
      for (const s of samples) {
        if (s.t < tStart || !series.some((sd) => sd.pick(s) !== null)) continue;
        if (nearest === null || Math.abs(s.t - t) < Math.abs(nearest.t - t)) nearest = s;
      }
      // Nothing within a few pixels of the pointer: no tooltip.
      if (nearest === null || Math.abs(x(nearest.t) - hoverX) > Math.max(12, (pw * config.pollMs) / span)) return;
      const hx = Math.round(x(nearest.t)) + 0.5;
      svg.appendChild(svgEl('line', { class: 'cursor', x1: hx, x2: hx, y1: padT, y2: padT + ph }));
      tip.replaceChildren();
      const when = document.createElement('div');
      when.className = 'when';
      when.textContent = clock(nearest.t);
      tip.appendChild(when);
      for (const sd of series) {
        const v = sd.pick(nearest);
        if (v === null) continue;
        svg.appendChild(svgEl('circle', { class: 'dot ' + sd.cls, cx: hx, cy: y(v).toFixed(1), r: 3.5 }));
        const row = document.createElement('div');
        const key = document.createElement('span');
        key.className = 'key ' + sd.cls;
        row.appendChild(key);
        row.appendChild(document.createTextNode(sd.label + ' ' + opts.tipFormat(v)));
        tip.appendChild(row);
      }
      tip.hidden = false;
      const left = hx + 12 + tip.offsetWidth > w ? hx - 12 - tip.offsetWidth : hx + 12;
      tip.style.left = Math.max(0, left) + 'px';
    }
    return { draw };
  }

  const countFmt = (n: number): string => formatCount(n);
  const charts = [
    makeChart(byId('chart-msgs'), [
      { label: 'In', cls: 's-in', pick: (s) => s.inMsgs },
      { label: 'Out', cls: 's-out', pick: (s) => s.outMsgs },
    ], { compact: false, integer: false, format: countFmt, tipFormat: (n) => formatMsgRate(n) }),
    makeChart(byId('chart-bytes'), [
      { label: 'In', cls: 's-in', pick: (s) => s.inBytes },
      { label: 'Out', cls: 's-out', pick: (s) => s.outBytes },
    ], { compact: false, integer: false, format: (n) => formatBytes(n), tipFormat: (n) => formatByteRate(n) }),
    makeChart(byId('spark-connections'), [{ label: 'Connections', cls: 's-main', pick: (s) => s.connections }], { compact: true, integer: true, format: countFmt, tipFormat: countFmt }),
    makeChart(byId('spark-accounts'), [{ label: 'Active accounts', cls: 's-main', pick: (s) => s.accounts }], { compact: true, integer: true, format: countFmt, tipFormat: countFmt }),
    makeChart(byId('spark-subscriptions'), [{ label: 'Subscriptions', cls: 's-main', pick: (s) => s.subscriptions }], { compact: true, integer: true, format: countFmt, tipFormat: countFmt }),
    makeChart(byId('spark-msgs'), [
      { label: 'In', cls: 's-in', pick: (s) => s.inMsgs },
      { label: 'Out', cls: 's-out', pick: (s) => s.outMsgs },
    ], { compact: true, integer: false, format: countFmt, tipFormat: (n) => formatMsgRate(n) }),
    makeChart(byId('spark-bytes'), [
      { label: 'In', cls: 's-in', pick: (s) => s.inBytes },
      { label: 'Out', cls: 's-out', pick: (s) => s.outBytes },
    ], { compact: true, integer: false, format: (n) => formatBytes(n), tipFormat: (n) => formatByteRate(n) }),
    makeChart(byId('spark-slow'), [{ label: 'Slow consumers', cls: 's-warn', pick: (s) => s.slow }], { compact: true, integer: true, format: countFmt, tipFormat: countFmt }),
  ];
  const drawCharts = (): void => {
    for (const c of charts) c.draw();
  };

  // ---- tables -------------------------------------------------------------------

  function cell(text: string, cls?: string, title?: string): HTMLTableCellElement {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls !== undefined) td.className = cls;
    if (title !== undefined) td.title = title;
    return td;
  }
  function fillBody(id: string, rows: HTMLTableRowElement[], empty: string): void {
    const body = byId(id);
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      tr.className = 'empty';
      const td = cell(empty);
      td.colSpan = (body.parentElement as HTMLTableElement | null)?.tHead?.rows[0]?.cells.length ?? 1;
      tr.appendChild(td);
      rows = [tr];
    }
    body.replaceChildren(...rows);
  }

  function renderAccounts(a: Activity, t: number): void {
    const totals = new Map<string, { t: number; in_msgs: number; out_msgs: number; in_bytes: number; out_bytes: number }>();
    const rows: HTMLTableRowElement[] = [];
    for (const acc of a.accounts) {
      const prev = lastAccountTotals.get(acc.name);
      totals.set(acc.name, { t, in_msgs: acc.in_msgs, out_msgs: acc.out_msgs, in_bytes: acc.in_bytes, out_bytes: acc.out_bytes });
      const rate = (k: 'in_msgs' | 'out_msgs' | 'in_bytes' | 'out_bytes'): number | null => (prev === undefined ? null : counterRate(prev[k], acc[k], t - prev.t));
      const tr = document.createElement('tr');
      tr.dataset.account = acc.name;
      const name = cell(acc.name, 'name');
      if (acc.is_system) {
        const tag = document.createElement('span');
        tag.className = 'tag';
        tag.textContent = 'system';
        name.appendChild(tag);
      }
      tr.appendChild(name);
      tr.appendChild(cell(formatCount(acc.connections), 'num'));
      tr.appendChild(cell(formatCount(acc.subscriptions), 'num'));
      const inMsgs = rate('in_msgs');
      const outMsgs = rate('out_msgs');
      const inBytes = rate('in_bytes');
      const outBytes = rate('out_bytes');
      tr.appendChild(cell(inMsgs === null ? '–' : formatMsgRate(inMsgs), 'num'));
      tr.appendChild(cell(outMsgs === null ? '–' : formatMsgRate(outMsgs), 'num'));
      tr.appendChild(cell(inBytes === null ? '–' : formatByteRate(inBytes), 'num'));
      tr.appendChild(cell(outBytes === null ? '–' : formatByteRate(outBytes), 'num'));
      tr.appendChild(cell(formatCount(acc.in_msgs) + ' / ' + formatCount(acc.out_msgs), 'num muted', acc.in_msgs + ' in, ' + acc.out_msgs + ' out'));
      tr.appendChild(cell(formatBytes(acc.in_bytes) + ' / ' + formatBytes(acc.out_bytes), 'num muted', acc.in_bytes + ' bytes in, ' + acc.out_bytes + ' bytes out'));
      tr.appendChild(cell(formatCount(acc.slow_consumers), acc.slow_consumers > 0 ? 'num warn' : 'num muted'));
      rows.push(tr);
    }
    lastAccountTotals = totals;
    fillBody('accounts-body', rows, 'No accounts with connections yet.');
    setText('accounts-note', a.accounts_active + ' active of ' + a.accounts_total);
  }

  function renderSubjects(a: Activity): void {
    const total = a.subjects.reduce((n, s) => n + s.msgs, 0);
    const rows = a.subjects.map((s, i) => {
      const tr = document.createElement('tr');
      tr.dataset.subject = s.subject;
      tr.appendChild(cell(String(i + 1), 'rank muted'));
      const subj = cell(s.subject, 'subject');
      tr.appendChild(subj);
      tr.appendChild(cell(s.account, 'muted'));
      tr.appendChild(cell('\u2248 ' + formatMsgRate(s.msgs_per_sec), 'num', '\u2248 ' + s.msgs + ' messages in the last ' + Math.round(a.window_ms / 1000) + 's'));
      tr.appendChild(cell('\u2248 ' + formatByteRate(s.bytes_per_sec), 'num'));
      const share = cell('', 'share');
      const bar = document.createElement('div');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = (total > 0 ? (100 * s.msgs) / total : 0).toFixed(1) + '%';
      bar.appendChild(fill);
      share.appendChild(bar);
      share.title = (total > 0 ? Math.round((100 * s.msgs) / total) : 0) + '% of the sampled messages';
      tr.appendChild(share);
      return tr;
    });
    fillBody('subjects-body', rows, 'No traffic sampled in the last ' + Math.round(a.window_ms / 1000) + ' s.');
    setText('subjects-note', 'last ' + Math.round(a.window_ms / 1000) + ' s · 1 in ' + a.sample_every + ' messages sampled');
  }

  function renderSlow(a: Activity, nowMs: number): void {
    const rows = a.slow_consumers.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.cid = String(e.cid);
      tr.appendChild(cell(formatAgo(e.time, nowMs), 'muted', new Date(e.time).toLocaleString()));
      tr.appendChild(cell(e.name === '' ? 'cid ' + e.cid : e.name, 'name', 'cid ' + e.cid));
      tr.appendChild(cell(e.account, 'muted'));
      tr.appendChild(cell(e.reason, 'warn'));
      return tr;
    });
    fillBody('slow-body', rows, 'None since the server started.');
  }

  // ---- polling ------------------------------------------------------------------

  function setStatus(state: 'live' | 'paused' | 'error', text: string): void {
    const el = byId('status');
    el.className = 'status ' + state;
    setText('status-text', text);
  }

  async function getJson<T>(path: string): Promise<T> {
    // Relative to the page, so http_base_path (and a proxy's prefix) needs no configuration.
    const res = await fetch(new URL(path, location.href).href, { cache: 'no-store' });
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return (await res.json()) as T;
  }

  function record(v: Varz, a: Activity): void {
    const t = Date.parse(v.now);
    if (v.server_id !== serverId) {
      // Another server answers now (restarted): its counters start over.
      samples.length = 0;
      lastVarz = null;
      lastAccountTotals = new Map();
      serverId = v.server_id;
    }
    const prev = lastVarz;
    const dt = prev === null ? 0 : t - Date.parse(prev.now);
    if (prev !== null && dt <= 0) return; // the same instant twice: nothing to add
    samples.push({
      t,
      connections: v.connections,
      // Clients' subscriptions: /varz also counts the server's own.
      subscriptions: v.subscriptions - a.server_subscriptions,
      accounts: a.accounts_active,
      slow: v.slow_consumers,
      inMsgs: prev === null ? null : counterRate(prev.in_msgs, v.in_msgs, dt),
      outMsgs: prev === null ? null : counterRate(prev.out_msgs, v.out_msgs, dt),
      inBytes: prev === null ? null : counterRate(prev.in_bytes, v.in_bytes, dt),
      outBytes: prev === null ? null : counterRate(prev.out_bytes, v.out_bytes, dt),
    });
    while (samples.length > maxSamples || (samples.length > 0 && samples[0]!.t < t - config.windowMs)) samples.shift();
    lastVarz = v;
    lastActivity = a;
  }

  function render(): void {
    const v = lastVarz;
    const a = lastActivity;
    const s = samples[samples.length - 1];
    if (v === null || a === null || s === undefined) return;
    // Without server_name the name is the id, shown (shortened) next to it already.
    setText('server-name', v.server_name);
    byId('server-name').hidden = v.server_name === v.server_id;
    byId('server-name').title = v.server_name;
    const label = v.server_name === v.server_id ? v.server_id.slice(0, 10) + '\u2026' : v.server_name;
    const id = byId('server-id');
    id.textContent = v.server_id.slice(0, 10) + '\u2026';
    id.title = v.server_id + ' (click to copy)';
    setText('server-version', 'nats-server ' + v.version);
    setText('server-runtime', v.go);
    setText('server-uptime', formatUptime(v.uptime));
    byId('server-uptime').title = 'since ' + new Date(v.start).toLocaleString();
    setText('server-addr', v.host + ':' + v.port);
    setText('server-mem', formatBytes(v.mem));
    setText('server-cpu', (Math.round(v.cpu * 10) / 10).toFixed(1) + '%');

    setText('v-connections', formatCount(v.connections));
    byId('v-connections').title = String(v.connections);
    setText('n-connections', formatCount(v.total_connections) + ' since start' + (v.max_connections > 0 ? ' · max ' + formatCount(v.max_connections) : ''));
    setText('v-accounts', formatCount(a.accounts_active));
    setText('n-accounts', 'with connections, of ' + formatCount(a.accounts_total));
    setText('v-subscriptions', formatCount(s.subscriptions));
    byId('v-subscriptions').title = s.subscriptions + ' of clients, ' + a.server_subscriptions + ' more of the server (in /varz)';
    setText('n-subscriptions', v.connections > 0 ? formatCount(s.subscriptions / v.connections) + ' per connection' : 'no connections');
    const r = (n: number | null): number => (n === null ? 0 : n);
    setText('v-msgs-in', formatMsgRate(r(s.inMsgs)));
    setText('v-msgs-out', formatMsgRate(r(s.outMsgs)));
    setText('v-bytes-in', formatByteRate(r(s.inBytes)));
    setText('v-bytes-out', formatByteRate(r(s.outBytes)));
    setText('n-msgs', formatCount(v.in_msgs) + ' in · ' + formatCount(v.out_msgs) + ' out since start');
    setText('n-bytes', formatBytes(v.in_bytes) + ' in · ' + formatBytes(v.out_bytes) + ' out since start');
    setText('legend-msgs-in', formatMsgRate(r(s.inMsgs)));
    setText('legend-msgs-out', formatMsgRate(r(s.outMsgs)));
    setText('legend-bytes-in', formatByteRate(r(s.inBytes)));
    setText('legend-bytes-out', formatByteRate(r(s.outBytes)));
    setText('v-slow', formatCount(v.slow_consumers));
    byId('tile-slow').classList.toggle('alert', v.slow_consumers > 0);
    const newest = a.slow_consumers[0];
    setText('n-slow', newest === undefined ? 'none recorded' : 'latest ' + formatAgo(newest.time, s.t));

    renderAccounts(a, s.t);
    renderSubjects(a);
    renderSlow(a, s.t);
    drawCharts();
    document.title = formatCount(v.connections) + ' conns · ' + formatMsgRate(r(s.inMsgs)) + ' · ' + label + ' · Dialtone';
    byId('updated').textContent = 'updated ' + clock(s.t);
    document.body.dataset.samples = String(samples.length);
  }

  async function poll(): Promise<void> {
    timer = null;
    const started = Date.now();
    try {
      const [v, a] = await Promise.all([getJson<Varz>('varz'), getJson<Activity>('ui/api/activity?limit=' + config.subjectLimit)]);
      failures = 0;
      record(v, a);
      if (!paused) {
        render();
        setStatus('live', 'Live');
      }
    } catch (err) {
      failures++;
      // Rates across the gap would be averages: start them over when it answers again.
      lastVarz = null;
      if (!paused) setStatus('error', 'Unreachable \u2014 retrying' + (failures > 1 ? ' (' + failures + ')' : ''));
      console.warn('dashboard poll failed', err);
    }
    const delay = failures > 0 ? Math.min(10000, config.pollMs * Math.pow(2, Math.min(failures, 4))) : Math.max(0, config.pollMs - (Date.now() - started));
    timer = setTimeout(() => void poll(), delay);
  }

  byId('pause').addEventListener('click', () => {
    paused = !paused;
    byId('pause').textContent = paused ? 'Resume' : 'Pause';
    byId('pause').setAttribute('aria-pressed', String(paused));
    if (paused) setStatus('paused', 'Paused');
    else {
      render();
      setStatus('live', 'Live');
    }
  });
  byId('server-id').addEventListener('click', () => {
    if (lastVarz !== null && navigator.clipboard !== undefined) void navigator.clipboard.writeText(lastVarz.server_id).catch(() => undefined);
  });
  document.addEventListener('visibilitychange', () => {
    // Catch up at once when the tab comes back, rather than at the next throttled tick.
    if (document.visibilityState === 'visible' && timer !== null) {
      clearTimeout(timer);
      void poll();
    }
  });
  void poll();
}
