/**
 * Monitoring: nats-server's HTTP endpoints (/varz, /connz, /subsz, ...) and the pure
 * builders behind them. Each `buildX(server, options)` returns the JSON object the
 * endpoint serves, so $SYS requests can answer with the same data; each throws
 * MonitorError with nats-server's text for a bad option.
 */
export { buildVarz, type Varz } from './varz.ts';
export { buildConnz, ConnState, SORT_OPTIONS, DEFAULT_CONN_LIST_SIZE, type Connz, type ConnzOptions, type SortOpt } from './connz.ts';
export { buildSubsz, subszResponse, sublistStats, DEFAULT_SUB_LIST_SIZE, type Subsz, type SubszOptions, type SublistStats } from './subsz.ts';
export { buildAccountz, buildAccountStatz, accountStat, type Accountz, type AccountzOptions, type AccountInfo, type AccountStatz, type AccountStatzOptions, type AccountStat } from './accountz.ts';
export { buildRoutez, buildGatewayz, buildLeafz, buildJsz, buildHealthz, type Routez, type RoutezOptions, type Gatewayz, type GatewayzOptions, type Leafz, type LeafzOptions, type Jsz, type JszOptions, type HealthStatus, type HealthzOptions } from './clusterz.ts';
export { buildMetrics, METRIC_NAMES, METRICS_CONTENT_TYPE } from './metrics.ts';
export type { ConnInfo, SubDetail, ClosedConnection } from './conninfo.ts';
export { MonitorError } from './query.ts';
export { MonitorHttpServer, jsonResponse, textResponse, notFound, type MonitorHandler, type MonitorRequest, type MonitorResponse } from './http.ts';
export { DEFAULT_ROUTES, registerDefaultRoutes } from './routes.ts';
export { MonitorState, ClosedRing, DEFAULT_MAX_CLOSED_CLIENTS } from './state.ts';
export { goTime, goDuration, uptime, marshalIndent } from './format.ts';
