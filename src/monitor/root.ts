/**
 * The index page at the base path: links to the endpoints, as nats-server's HandleRoot
 * serves (relative links, so it works under http_base_path). A dashboard can replace
 * it by registering its own handler for "/".
 */
import { DIALTONE_VERSION, NATS_COMPAT_VERSION } from '../version.ts';

export const ROOT_LINKS: readonly (readonly [string, string])[] = [
  ['varz', 'General'],
  ['jsz', 'JetStream'],
  ['connz', 'Connections'],
  ['accountz', 'Accounts'],
  ['accstatz', 'Account Stats'],
  ['subsz', 'Subscriptions'],
  ['routez', 'Routes'],
  ['leafz', 'LeafNodes'],
  ['gatewayz', 'Gateways'],
  ['healthz', 'Health Probe'],
  ['metrics', 'Metrics (Prometheus)'],
];

export function rootPage(): string {
  const links = ROOT_LINKS.map(([path, label], i) => `\t<a href=./${path}${i === ROOT_LINKS.length - 1 ? ' class=last' : ''}>${label}</a>`).join('\n');
  return `<html lang="en">
	<head>
	<title>Dialtone monitoring</title>
	<style type="text/css">
		body { font-family: ui-sans-serif,system-ui,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif; font-size: 18px; margin-left: 32px }
		h1 { font-size: 28px; font-weight: 600; color: rgb(39 170 225) }
		a { display:block; margin-left: 7px; padding-bottom: 6px; color: rgb(72 72 92); text-decoration: none }
		a:hover { font-weight: 600; color: rgb(59 50 202) }
		a.help { display:inline; font-weight: 600; color: rgb(59 50 202); font-size: 20px }
		a.last { padding-bottom: 16px }
		a.dashboard { display:inline-block; margin: 4px 0 18px 7px; padding: 8px 14px; border-radius: 8px; background: rgb(39 170 225); color: white; font-weight: 600 }
		span.version { font-size: 14px; color: rgb(72 72 92) }
	</style>
	</head>
	<body>
	<h1>Dialtone</h1>
	<span class='version'>dialtone v${DIALTONE_VERSION}, speaking nats-server v${NATS_COMPAT_VERSION}</span>
	<br/><br/>
	<a href=./ui class=dashboard>Live dashboard &rarr;</a>
${links}
	<a href=https://docs.nats.io/running-a-nats-service/nats_admin/monitoring class="help">Help</a>
	</body>
</html>`;
}
