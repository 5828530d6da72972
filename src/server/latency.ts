/**
 * Service latency tracking (accounts.go ServiceLatency): for an export with
 * `latency { sampling, subject }`, a sampled request through a service import is
 * timed, and when its response passes an `io.nats.server.metric.v1.service_latency`
 * event is published to the subject in the exporting account.
 */
import type { Account, ClientIdentity, ServiceImport } from '../accounts/account.ts';
import { Nuid } from '../events/subjects.ts';
import { goTime, nanos } from '../monitor/format.ts';
import { OwnedMessage, type InboundMessage } from '../protocol/message.ts';
import { publish, type Origin } from './delivery.ts';

const NANOS_PER_MS = 1_000_000;
/** Event ids, NUIDs as nats-server's. */
const ids = new Nuid();
/** Headers that make a request sampled under `sampling: headers` (distributed tracing). */
const TRACE_HEADERS = /^(uber-trace-id|traceparent|x-b3-sampled|x-b3-traceid|b3|x-ot-span-context)\s*:/im;

function sampled(sampling: number | 'headers', msg: InboundMessage): boolean {
  if (sampling === 'headers') {
    if (msg.msgHeaderSize <= 0) return false;
    return TRACE_HEADERS.test(msg.msgBuf.toString('latin1', msg.msgPayloadStart, msg.msgPayloadStart + msg.msgHeaderSize));
  }
  return sampling >= 100 || Math.random() * 100 < sampling;
}

/** A response hook that reports the request's latency, or undefined when not sampled. */
export function latencyTracker(origin: Origin | null, exporter: Account, im: ServiceImport, msg: InboundMessage): ((responder: ClientIdentity | null) => void) | undefined {
  const latency = im.export.latency;
  if (latency === undefined || !sampled(latency.sampling, msg)) return undefined;
  const startWall = Date.now();
  const start = performance.now();
  // Who asked, in detail only when the import shares it (accounts.go sendTrackingLatency).
  const requestor = origin?.clientInfo?.(im.share) ?? {};
  const requestorRtt = nanos(origin?.rttMs ?? 0);
  return (responder) => {
    const now = performance.now();
    const responderInfo = responder?.clientInfo(true) ?? {};
    const elapsed = nanos(now - start);
    const responderRtt = nanos(responder?.rttMs ?? 0);
    // The server's own share: what building this report took, once the responder's round trip is known (as nats-server counts it).
    const system = responderRtt > 0 ? nanos(performance.now() - now) : 0;
    const event = {
      type: 'io.nats.server.metric.v1.service_latency',
      id: ids.next(),
      timestamp: goTime(Date.now()),
      status: 200,
      requestor,
      responder: responderInfo,
      start: goTime(startWall - requestorRtt / NANOS_PER_MS),
      service: Math.max(0, elapsed - responderRtt),
      system,
      total: requestorRtt + elapsed + system,
    };
    const payload = Buffer.from(JSON.stringify(event));
    publish(null, exporter, latency.subject, new OwnedMessage(latency.subject, '', payload));
  };
}
