/**
 * /metrics: the main /varz counters in Prometheus' text exposition format (0.0.4).
 *
 * Names follow prometheus-nats-exporter's (`gnatsd_varz_<varz field>`, labelled with
 * `server_id`), so dashboards built for nats-server through the exporter read Dialtone
 * directly. Counters keep the exporter's names (no `_total` suffix); `uptime_seconds`
 * and the per-account `gnatsd_accstatz_*` series are Dialtone's additions.
 */
import type { Server } from '../server/server.ts';
import { accountStat } from './accountz.ts';
import { cores, totalSubscriptions } from './varz.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels: Record<string, string>; value: number }[];
}

/** The metric names served, for documentation and tests. */
export const METRIC_NAMES = [
  'gnatsd_varz_connections',
  'gnatsd_varz_total_connections',
  'gnatsd_varz_subscriptions',
  'gnatsd_varz_in_msgs',
  'gnatsd_varz_out_msgs',
  'gnatsd_varz_in_bytes',
  'gnatsd_varz_out_bytes',
  'gnatsd_varz_slow_consumers',
  'gnatsd_varz_mem',
  'gnatsd_varz_cpu',
  'gnatsd_varz_cores',
  'gnatsd_varz_uptime_seconds',
  'gnatsd_varz_start_time_seconds',
  'gnatsd_varz_max_connections',
  'gnatsd_varz_max_payload',
  'gnatsd_varz_routes',
  'gnatsd_varz_remotes',
  'gnatsd_varz_leafnodes',
  'gnatsd_accstatz_conns',
  'gnatsd_accstatz_sent_msgs',
  'gnatsd_accstatz_sent_bytes',
  'gnatsd_accstatz_received_msgs',
  'gnatsd_accstatz_received_bytes',
  'gnatsd_accstatz_slow_consumers',
] as const;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderMetrics(metrics: readonly Metric[]): string {
  let out = '';
  for (const m of metrics) {
    out += `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n`;
    for (const s of m.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      out += `${m.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}

export function buildMetrics(server: Server): string {
  const id = { server_id: server.serverId };
  const t = server.traffic();
  const nowMs = Date.now();
  const startMs = server.startTime.getTime();
  const one = (name: string, type: Metric['type'], help: string, value: number): Metric => ({ name, type, help, samples: [{ labels: id, value }] });
  const metrics: Metric[] = [
    one('gnatsd_varz_connections', 'gauge', 'Current number of client connections.', server.clients.size),
    one('gnatsd_varz_total_connections', 'counter', 'Client connections accepted since start.', server.totalConnections),
    one('gnatsd_varz_subscriptions', 'gauge', 'Current number of subscriptions over all accounts.', totalSubscriptions(server)),
    one('gnatsd_varz_in_msgs', 'counter', 'Messages received from clients.', t.inMsgs),
    one('gnatsd_varz_out_msgs', 'counter', 'Messages delivered to clients.', t.outMsgs),
    one('gnatsd_varz_in_bytes', 'counter', 'Payload bytes received from clients.', t.inBytes),
    one('gnatsd_varz_out_bytes', 'counter', 'Payload bytes delivered to clients.', t.outBytes),
    one('gnatsd_varz_slow_consumers', 'counter', 'Clients disconnected as slow consumers.', server.slowConsumers),
    one('gnatsd_varz_mem', 'gauge', 'Resident set size of the server process in bytes.', process.memoryUsage.rss()),
    one('gnatsd_varz_cpu', 'gauge', 'CPU use of the server process in percent of one core.', server.monitoring.cpuPercent()),
    one('gnatsd_varz_cores', 'gauge', 'Logical CPU cores available.', cores()),
    one('gnatsd_varz_uptime_seconds', 'gauge', 'Seconds since the server started.', Math.floor((nowMs - startMs) / 1000)),
    one('gnatsd_varz_start_time_seconds', 'gauge', 'Start time of the server, Unix seconds.', startMs / 1000),
    one('gnatsd_varz_max_connections', 'gauge', 'Configured max_connections.', server.options.maxConnections),
    one('gnatsd_varz_max_payload', 'gauge', 'Configured max_payload in bytes.', server.options.maxPayload),
    one('gnatsd_varz_routes', 'gauge', 'Route connections.', server.cluster?.remotes.size ?? 0),
    one('gnatsd_varz_remotes', 'gauge', 'Remote servers.', server.cluster?.remotes.size ?? 0),
    one('gnatsd_varz_leafnodes', 'gauge', 'Leaf node connections.', 0),
  ];
  const stats = [...server.accounts.values()].map((a) => accountStat(server, a));
  const perAccount = (name: string, type: Metric['type'], help: string, pick: (s: (typeof stats)[number]) => number): Metric => ({
    name,
    type,
    help,
    samples: stats.map((s) => ({ labels: { ...id, account: s.acc }, value: pick(s) })),
  });
  metrics.push(
    perAccount('gnatsd_accstatz_conns', 'gauge', 'Current client connections of the account.', (s) => s.conns),
    perAccount('gnatsd_accstatz_sent_msgs', 'counter', 'Messages delivered to the account\'s clients.', (s) => s.sent.msgs),
    perAccount('gnatsd_accstatz_sent_bytes', 'counter', 'Payload bytes delivered to the account\'s clients.', (s) => s.sent.bytes),
    perAccount('gnatsd_accstatz_received_msgs', 'counter', 'Messages published by the account\'s clients.', (s) => s.received.msgs),
    perAccount('gnatsd_accstatz_received_bytes', 'counter', 'Payload bytes published by the account\'s clients.', (s) => s.received.bytes),
    perAccount('gnatsd_accstatz_slow_consumers', 'counter', 'The account\'s clients disconnected as slow consumers.', (s) => s.slow_consumers),
  );
  return renderMetrics(metrics);
}
