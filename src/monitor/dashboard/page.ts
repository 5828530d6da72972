/**
 * The dashboard page: one HTML document with its CSS and script inline (tsc copies no
 * static files, and one response is all a browser needs). The script is the compiled
 * source of client.ts and format.ts; a Content-Security-Policy allows exactly that
 * script and style (by hash) and requests to this origin only.
 */
import { createHash } from 'node:crypto';
import { DIALTONE_VERSION } from '../../version.ts';
import { dashboardMain, type DashboardConfig } from './client.ts';
import { CLIENT_HELPERS } from './format.ts';

export const DASHBOARD_CONFIG: DashboardConfig = { pollMs: 1000, windowMs: 5 * 60_000, subjectLimit: 10 };

const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f4f6f8; --panel: #ffffff; --border: #e2e6eb; --rule: #eef1f4; --text: #17202a; --muted: #677383;
  --grid: #e9edf1; --accent: #1e9bd7; --in: #1e88e5; --out: #8e5cf0; --main: #13a58c; --warn: #d9480f; --ok: #2b9a48;
  --sans: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --panel: #151b23; --border: #262e39; --rule: #1e252e; --text: #e4e9ef; --muted: #8a96a5;
    --grid: #1f2731; --accent: #3db4ee; --in: #4aa8ff; --out: #b18cff; --main: #2fcaa9; --warn: #ff7b45; --ok: #46c267;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { background: var(--bg); color: var(--text); font: 14px/1.45 var(--sans); font-variant-numeric: tabular-nums; -webkit-font-smoothing: antialiased; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 12px 28px;
  background: color-mix(in srgb, var(--panel) 92%, transparent); backdrop-filter: blur(8px); border-bottom: 1px solid var(--border); }
.brand { display: flex; align-items: center; gap: 9px; font-weight: 650; font-size: 17px; letter-spacing: -0.01em; }
.brand svg { width: 22px; height: 22px; fill: none; stroke: var(--accent); stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.ident { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; color: var(--muted); font-size: 13px; }
.ident b { color: var(--text); font-weight: 600; }
#server-name { display: inline-block; max-width: 28ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom; }
#server-name[hidden] { display: none; }
.ident code { font: 12px var(--mono); cursor: copy; color: var(--muted); }
.spacer { flex: 1; }
.status { display: inline-flex; align-items: center; gap: 7px; font-size: 13px; font-weight: 500; }
.status .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.status.live .dot { background: var(--ok); box-shadow: 0 0 0 0 color-mix(in srgb, var(--ok) 60%, transparent); animation: pulse 2s infinite; }
.status.error { color: var(--warn); }
.status.error .dot { background: var(--warn); }
@keyframes pulse { 70% { box-shadow: 0 0 0 7px transparent; } 100% { box-shadow: 0 0 0 0 transparent; } }
@media (prefers-reduced-motion: reduce) { .status.live .dot { animation: none; } }
button { font: inherit; font-size: 12px; color: var(--text); background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 3px 10px; cursor: pointer; }
button:hover { border-color: var(--muted); }
nav { display: flex; gap: 12px; font-size: 13px; }
main { max-width: 1480px; margin: 0 auto; padding: 20px 28px 8px; display: grid; gap: 16px; }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: 12px; padding: 14px 16px; min-width: 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 190px), 1fr)); gap: 12px; }
.tile { display: flex; flex-direction: column; gap: 2px; position: relative; }
.tile .label { font-size: 12px; font-weight: 500; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.tile .value { font-size: 28px; font-weight: 620; letter-spacing: -0.02em; line-height: 1.2; white-space: nowrap; }
.tile .value.pair { font-size: 19px; line-height: 1.25; }
.tile .value.pair small { font-size: 12px; font-weight: 500; color: var(--muted); margin-right: 4px; display: inline-block; width: 24px; }
.tile .note { font-size: 12px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile.alert .value { color: var(--warn); }
.spark { position: relative; height: 38px; margin-top: 6px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 16px; }
.card h2 { margin: 0; font-size: 14px; font-weight: 600; }
.card .head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 16px; margin-bottom: 8px; }
.card .head .note { color: var(--muted); font-size: 12px; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin-left: auto; }
.legend b { color: var(--text); font-weight: 600; }
.key { display: inline-block; width: 10px; height: 3px; border-radius: 2px; vertical-align: middle; margin-right: 6px; background: var(--muted); }
.key.s-in { background: var(--in); } .key.s-out { background: var(--out); } .key.s-main { background: var(--main); } .key.s-warn { background: var(--warn); }
.chart { position: relative; height: 210px; }
.plot { display: block; width: 100%; height: 100%; overflow: visible; }
.plot .grid { stroke: var(--grid); stroke-width: 1; }
.plot .axis { stroke: var(--border); stroke-width: 1; }
.plot .cursor { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 3 3; }
.plot .tick { fill: var(--muted); font-size: 11px; font-family: var(--sans); }
.plot .line { fill: none; stroke-width: 1.75; stroke-linejoin: round; stroke-linecap: round; }
.spark .plot .line { stroke-width: 1.5; }
.plot .area { stroke: none; opacity: 0.13; }
.plot .s-in { stroke: var(--in); fill: var(--in); } .plot .line.s-in { fill: none; }
.plot .s-out { stroke: var(--out); fill: var(--out); } .plot .line.s-out { fill: none; }
.plot .s-main { stroke: var(--main); fill: var(--main); } .plot .line.s-main { fill: none; }
.plot .s-warn { stroke: var(--warn); fill: var(--warn); } .plot .line.s-warn { fill: none; }
.plot .dot { stroke: var(--panel); stroke-width: 1.5; }
.tip { position: absolute; top: 4px; z-index: 3; pointer-events: none; background: var(--panel); border: 1px solid var(--border); border-radius: 8px;
  padding: 6px 9px; font-size: 12px; white-space: nowrap; box-shadow: 0 4px 14px rgb(0 0 0 / 0.12); }
.tip .when { color: var(--muted); margin-bottom: 2px; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 16px; }
.wide { grid-column: 1 / -1; }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; font-weight: 500; font-size: 12px; color: var(--muted); padding: 6px 10px; border-bottom: 1px solid var(--border); white-space: nowrap; }
td { padding: 7px 10px; border-bottom: 1px solid var(--rule); white-space: nowrap; }
tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: color-mix(in srgb, var(--accent) 6%, transparent); }
.num { text-align: right; }
.muted { color: var(--muted); }
.warn { color: var(--warn); }
td.name { font-weight: 550; }
td.subject { font-family: var(--mono); font-size: 12.5px; max-width: 360px; overflow: hidden; text-overflow: ellipsis; }
td.rank { width: 1%; }
td.share { width: 22%; min-width: 90px; }
.bar { height: 6px; border-radius: 3px; background: var(--rule); overflow: hidden; }
.bar span { display: block; height: 100%; background: var(--accent); border-radius: 3px; }
tr.empty td { color: var(--muted); text-align: center; padding: 18px; font-style: italic; }
.tag { margin-left: 8px; font-size: 10.5px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); border: 1px solid var(--border); border-radius: 4px; padding: 0 4px; }
footer { max-width: 1480px; margin: 0 auto; padding: 4px 28px 24px; color: var(--muted); font-size: 12px; display: flex; flex-wrap: wrap; gap: 6px 18px; }
@media (max-width: 560px) { header, main, footer { padding-left: 14px; padding-right: 14px; } }
`;

const LOGO = `<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10.5"/><path d="M5.5 13.5h3l2-5 3 9 2-4h3"/></svg>`;

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#1e9bd7" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"><circle cx="12" cy="12" r="10.5"/><path d="M5.5 13.5h3l2-5 3 9 2-4h3"/></svg>`;

function tile(id: string, label: string, value: string): string {
  return `<div class="card tile" id="tile-${id}"><div class="label">${label}</div>${value}<div class="note" id="n-${id}">&nbsp;</div><div class="spark" id="spark-${id}"></div></div>`;
}

function body(indexHref: string): string {
  const pair = (a: string, b: string): string =>
    `<div class="value pair"><div><small>in</small><span id="v-${a}">–</span></div><div><small>out</small><span id="v-${b}">–</span></div></div>`;
  const endpoints = ['varz', 'connz', 'subsz', 'accstatz', 'metrics'].map((p) => `<a href="./${p}">/${p}</a>`).join('');
  return `<header>
  <div class="brand">${LOGO}Dialtone</div>
  <div class="ident">
    <b id="server-name">…</b>
    <span>id <code id="server-id">…</code></span>
    <span id="server-version"></span>
    <span id="server-runtime"></span>
    <span>clients on <b id="server-addr">…</b></span>
    <span>up <b id="server-uptime">…</b></span>
    <span>mem <b id="server-mem">…</b></span>
    <span>cpu <b id="server-cpu">…</b></span>
  </div>
  <div class="spacer"></div>
  <a href="${indexHref}">All endpoints</a>
  <div class="status" id="status"><span class="dot"></span><span id="status-text">Connecting…</span></div>
  <button id="pause" type="button" aria-pressed="false">Pause</button>
</header>
<main>
  <section class="tiles" aria-label="Totals">
    ${tile('connections', 'Connections', '<div class="value" id="v-connections">–</div>')}
    ${tile('accounts', 'Accounts', '<div class="value" id="v-accounts">–</div>')}
    ${tile('subscriptions', 'Subscriptions', '<div class="value" id="v-subscriptions">–</div>')}
    ${tile('msgs', 'Messages', pair('msgs-in', 'msgs-out'))}
    ${tile('bytes', 'Data', pair('bytes-in', 'bytes-out'))}
    ${tile('slow', 'Slow consumers', '<div class="value" id="v-slow">–</div>')}
  </section>
  <section class="charts">
    <div class="card"><div class="head"><h2>Messages per second</h2><div class="legend"><span><span class="key s-in"></span>In <b id="legend-msgs-in">–</b></span><span><span class="key s-out"></span>Out <b id="legend-msgs-out">–</b></span></div></div><div class="chart" id="chart-msgs"></div></div>
    <div class="card"><div class="head"><h2>Throughput</h2><div class="legend"><span><span class="key s-in"></span>In <b id="legend-bytes-in">–</b></span><span><span class="key s-out"></span>Out <b id="legend-bytes-out">–</b></span></div></div><div class="chart" id="chart-bytes"></div></div>
  </section>
  <section class="tables">
    <div class="card wide"><div class="head"><h2>Accounts</h2><span class="note" id="accounts-note"></span></div><div class="scroll"><table id="accounts">
      <thead><tr><th>Account</th><th class="num">Connections</th><th class="num">Subscriptions</th><th class="num">Msgs in</th><th class="num">Msgs out</th><th class="num">Bytes in</th><th class="num">Bytes out</th><th class="num">Msgs in / out total</th><th class="num">Bytes in / out total</th><th class="num">Slow</th></tr></thead>
      <tbody id="accounts-body"><tr class="empty"><td colspan="10">Loading…</td></tr></tbody></table></div></div>
    <div class="card"><div class="head"><h2>Busiest subjects</h2><span class="note" id="subjects-note"></span></div><div class="scroll"><table id="subjects">
      <thead><tr><th>#</th><th>Subject</th><th>Account</th><th class="num">Msgs</th><th class="num">Bytes</th><th>Share</th></tr></thead>
      <tbody id="subjects-body"><tr class="empty"><td colspan="6">Loading…</td></tr></tbody></table></div></div>
    <div class="card"><div class="head"><h2>Recent slow consumers</h2></div><div class="scroll"><table id="slow">
      <thead><tr><th>When</th><th>Client</th><th>Account</th><th>Reason</th></tr></thead>
      <tbody id="slow-body"><tr class="empty"><td colspan="4">Loading…</td></tr></tbody></table></div></div>
  </section>
</main>
<footer><span>Dialtone ${DIALTONE_VERSION}</span><nav>${endpoints}</nav><span>/varz polled every ${DASHBOARD_CONFIG.pollMs / 1000} s · rates from counter deltas · last ${DASHBOARD_CONFIG.windowMs / 60_000} minutes kept in this tab</span><span id="updated"></span></footer>`;
}

/** The page's script: the format helpers, then dashboardMain called with the config. */
export function clientScript(config: DashboardConfig = DASHBOARD_CONFIG): string {
  const helpers = CLIENT_HELPERS.map((f) => f.toString()).join('\n');
  // "</" would end the inline <script> early; JSON.stringify of the config cannot contain it.
  return `'use strict';\n${helpers}\n(${dashboardMain.toString()})(${JSON.stringify(config)});\n`.replace(/<\//g, '<\\/');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export interface DashboardPage {
  html: string;
  csp: string;
}

const pages = new Map<string, DashboardPage>();

/**
 * The page for a server whose endpoints sit under `basePath` ("/" or "/nats"). Data
 * is fetched relative to the page; only the link back to the index needs the base.
 */
export function dashboardPage(basePath: string): DashboardPage {
  let page = pages.get(basePath);
  if (page !== undefined) return page;
  const script = clientScript();
  // From <base>/ui the index is "./" at the root, or "../nats" for the base "/nats".
  const indexHref = basePath === '/' ? './' : `../${basePath.slice(basePath.lastIndexOf('/') + 1)}`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:image/svg+xml,${encodeURIComponent(FAVICON)}">
<title>Dialtone</title>
<style>${STYLE}</style>
</head>
<body>
${body(indexHref)}
<script>${script}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    "connect-src 'self'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(STYLE)}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  page = { html, csp };
  pages.set(basePath, page);
  return page;
}
