/**
 * The endpoints nats-server 2.9 serves, each decoding its query parameters as
 * monitor.go's Handle* functions do (in the same order, so the first bad parameter
 * is the one reported) and counting itself in http_req_stats at the same point.
 */
import { buildAccountStatz, buildAccountz } from './accountz.ts';
import { buildGatewayz, buildHealthz, buildJsz, buildLeafz, buildRoutez } from './clusterz.ts';
import { buildConnz, ConnState } from './connz.ts';
import { DASHBOARD_ROUTES } from './dashboard/index.ts';
import { jsonResponse, type MonitorHandler, type MonitorHttpServer } from './http.ts';
import { buildMetrics, METRICS_CONTENT_TYPE } from './metrics.ts';
import { decodeBool, decodeInt, decodeSubs, decodeUint64, MonitorError } from './query.ts';
import { rootPage } from './root.ts';
import { buildSubsz, subszResponse } from './subsz.ts';
import { buildVarz } from './varz.ts';

function decodeState(query: URLSearchParams): ConnState {
  const text = query.get('state') ?? '';
  if (text === '') return ConnState.Open;
  switch (text.toLowerCase()) {
    case 'open':
      return ConnState.Open;
    case 'closed':
      return ConnState.Closed;
    case 'any':
    case 'all':
      return ConnState.All;
  }
  throw new MonitorError(`Error decoding state for ${text}`);
}

const root: MonitorHandler = (req) => {
  req.count('/');
  return { contentType: 'text/html; charset=utf-8', body: rootPage() };
};

const varz: MonitorHandler = (req) => {
  req.count();
  return jsonResponse(req, buildVarz(req.server));
};

const connz: MonitorHandler = (req) => {
  const q = req.query;
  const sort = q.get('sort') ?? '';
  const auth = decodeBool(q, 'auth');
  const { subs, detail } = decodeSubs(q);
  const offset = decodeInt(q, 'offset');
  const limit = decodeInt(q, 'limit');
  const cid = decodeUint64(q, 'cid');
  const state = decodeState(q);
  req.count();
  const result = buildConnz(req.server, {
    sort,
    auth,
    subscriptions: subs,
    subscriptionsDetail: detail,
    offset,
    limit,
    cid,
    state,
    user: q.get('user') ?? '',
    account: q.get('acc') ?? '',
    mqttClient: q.get('mqtt_client') ?? '',
  });
  return jsonResponse(req, result);
};

const routez: MonitorHandler = (req) => {
  const { subs, detail } = decodeSubs(req.query);
  req.count();
  return jsonResponse(req, buildRoutez(req.server, { subscriptions: subs, subscriptionsDetail: detail }));
};

const gatewayz: MonitorHandler = (req) => {
  req.count();
  const q = req.query;
  const accountName = q.get('acc_name') ?? '';
  const accounts = decodeBool(q, 'accs') || accountName !== '';
  return jsonResponse(req, buildGatewayz(req.server, { name: q.get('gw_name') ?? '', accounts, accountName }));
};

const leafz: MonitorHandler = (req) => {
  req.count();
  const subscriptions = decodeBool(req.query, 'subs');
  return jsonResponse(req, buildLeafz(req.server, { subscriptions, account: req.query.get('acc') ?? '' }));
};

const subsz: MonitorHandler = (req) => {
  req.count('/subsz');
  const q = req.query;
  const subscriptions = decodeBool(q, 'subs');
  const offset = decodeInt(q, 'offset');
  const limit = decodeInt(q, 'limit');
  const sz = buildSubsz(req.server, { subscriptions, offset, limit, test: q.get('test') ?? '', account: q.get('acc') ?? '' });
  return jsonResponse(req, subszResponse(sz));
};

const accountz: MonitorHandler = (req) => {
  req.count();
  return jsonResponse(req, buildAccountz(req.server, { account: req.query.get('acc') ?? '' }));
};

const accstatz: MonitorHandler = (req) => {
  req.count();
  const includeUnused = decodeBool(req.query, 'unused');
  return jsonResponse(req, buildAccountStatz(req.server, { includeUnused }));
};

const jsz: MonitorHandler = (req) => {
  req.count();
  const q = req.query;
  const accounts = decodeBool(q, 'accounts');
  const streams = decodeBool(q, 'streams');
  const consumer = decodeBool(q, 'consumers');
  const config = decodeBool(q, 'config');
  const offset = decodeInt(q, 'offset');
  const limit = decodeInt(q, 'limit');
  const leaderOnly = decodeBool(q, 'leader-only');
  return jsonResponse(req, buildJsz(req.server, { account: q.get('acc') ?? '', accounts, streams, consumer, config, offset, limit, leaderOnly }));
};

const healthz: MonitorHandler = (req) => {
  req.count();
  const q = req.query;
  const jsEnabled = decodeBool(q, 'js-enabled');
  const jsEnabledOnly = decodeBool(q, 'js-enabled-only');
  const jsServerOnly = decodeBool(q, 'js-server-only');
  const health = buildHealthz(req.server, { jsEnabledOnly: jsEnabledOnly || jsEnabled, jsServerOnly });
  if (health.error !== undefined) req.server.logger.warn(`Healthcheck failed: "${health.error}"`);
  return jsonResponse(req, health, { pretty: false, status: health.error !== undefined ? 503 : 200 });
};

const metrics: MonitorHandler = (req) => {
  req.count();
  return { contentType: METRICS_CONTENT_TYPE, body: buildMetrics(req.server) };
};

/** The endpoints served by default, by path below the base path. */
export const DEFAULT_ROUTES: ReadonlyArray<readonly [string, MonitorHandler]> = [
  ['/', root],
  ['/varz', varz],
  ['/connz', connz],
  ['/routez', routez],
  ['/gatewayz', gatewayz],
  ['/leafz', leafz],
  ['/subsz', subsz],
  ['/subscriptionsz', subsz],
  ['/accountz', accountz],
  ['/accstatz', accstatz],
  ['/jsz', jsz],
  ['/healthz', healthz],
  ['/metrics', metrics],
  ...DASHBOARD_ROUTES,
];

export function registerDefaultRoutes(http: MonitorHttpServer): void {
  for (const [p, handler] of DEFAULT_ROUTES) http.route(p, handler);
}
