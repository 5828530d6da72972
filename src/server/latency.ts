/**
 * Service latency tracking (accounts.go ServiceLatency): for an export with
 * `latency { sampling, subject }`, a sampled request through a service import is
 * timed, and when its response passes an `io.nats.server.metric.v1.service_latency`
 * event is published to the subject in the exporting account.
 */
import { randomBytes } from 'node:crypto';
import type { Account, ClientIdentity, ServiceImport } from '../accounts/account.ts';
import { OwnedMessage, type InboundMessage } from '../protocol/message.ts';
import { publish, type Origin } from './delivery.ts';

const NANOS_PER_MS = 1_000_000;
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
  const requestor = origin?.clientInfo?.(true) ?? {};
  const requestorRtt = (origin?.rttMs ?? 0) * NANOS_PER_MS;
  return (responder) => {
    const elapsed = Math.round((performance.now() - start) * NANOS_PER_MS);
    const responderRtt = (responder?.rttMs ?? 0) * NANOS_PER_MS;
    const event = {
      type: 'io.nats.server.metric.v1.service_latency',
      id: randomBytes(16).toString('hex'),
      timestamp: new Date().toISOString(),
      status: 200,
      requestor,
      responder: responder?.clientInfo(true) ?? {},
      start: new Date(startWall - requestorRtt / NANOS_PER_MS).toISOString(),
      service: Math.max(0, elapsed - responderRtt),
      system: 0,
      total: requestorRtt + elapsed,
    };
    const payload = Buffer.from(JSON.stringify(event));
    publish(null, exporter, latency.subject, new OwnedMessage(latency.subject, '', payload));
  };
}
