/**
 * The live dashboard on the monitoring port: <base>/ui (an HTML page that polls /varz
 * and the activity endpoint every second) and <base>/ui/api/activity (JSON). Both are
 * ordinary monitoring routes, registered with the default ones (see routes.ts).
 */
import { jsonResponse, type MonitorHandler } from '../http.ts';
import { decodeInt } from '../query.ts';
import { buildDashboardActivity } from './api.ts';
import { dashboardPage } from './page.ts';

export const DASHBOARD_PATH = '/ui';
export const ACTIVITY_PATH = '/ui/api/activity';

const page: MonitorHandler = (req) => {
  req.count();
  const { html, csp } = dashboardPage(req.server.monitor?.basePath ?? '/');
  return {
    contentType: 'text/html; charset=utf-8',
    body: html,
    headers: { 'Cache-Control': 'no-cache', 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' },
  };
};

const activity: MonitorHandler = (req) => {
  const limit = decodeInt(req.query, 'limit');
  req.count();
  const response = jsonResponse(req, buildDashboardActivity(req.server, { limit }), { pretty: false });
  return { ...response, headers: { 'Cache-Control': 'no-store' } };
};

/** The dashboard's routes, by path below the base path. */
export const DASHBOARD_ROUTES: ReadonlyArray<readonly [string, MonitorHandler]> = [
  [DASHBOARD_PATH, page],
  [ACTIVITY_PATH, activity],
];

export { buildDashboardActivity, decodeBytes, type DashboardActivity, type ActivityOptions, type SubjectRow, type SlowConsumerRow, type AccountRow } from './api.ts';
export { dashboardPage, clientScript, DASHBOARD_CONFIG } from './page.ts';
export { formatCount, formatBytes, formatMsgRate, formatByteRate, formatUptime, formatAgo, niceScale, counterRate } from './format.ts';
