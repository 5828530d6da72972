/**
 * A user's publish/subscribe permissions, compiled into subject indexes and checked
 * the way nats-server does (client.go canSubscribe, pubAllowedFullCheck): an allow
 * list admits, a deny list overrides it, and "subject queue" entries scope a queue.
 */
import type { PermissionsConfig, ResponsePermissionConfig } from '../options/security.ts';
import { Sublist, type MatchResult, type SublistEntry } from '../sublist/sublist.ts';
import { subjectIsLiteral, isSubsetMatch } from '../sublist/subject.ts';

class PermissionEntry implements SublistEntry {
  readonly subject: string;
  readonly queue: string | undefined;
  constructor(spec: string) {
    const parts = spec.trim().split(/\s+/);
    this.subject = parts[0]!;
    this.queue = parts.length === 2 ? parts[1] : undefined;
  }
}

function compile(list: readonly string[] | undefined): Sublist<PermissionEntry> | null {
  if (list === undefined) return null;
  const sl = new Sublist<PermissionEntry>();
  for (const spec of list) sl.insert(new PermissionEntry(spec));
  return sl;
}

function queueMatches(queue: string, qsubs: MatchResult<PermissionEntry>['qsubs']): boolean {
  for (const group of qsubs) {
    const name = group[0]!.queue!;
    // Queue names may themselves contain '*' or '>': an exact name match comes first.
    if (name === queue || isSubsetMatch(queue, name)) return true;
  }
  return false;
}

/** Publish decisions cached per subject, bounded as nats-server's pcache. */
const PUB_CACHE_MAX = 128;

export class Permissions {
  private readonly pubAllow: Sublist<PermissionEntry> | null;
  private readonly pubDeny: Sublist<PermissionEntry> | null;
  private readonly subAllow: Sublist<PermissionEntry> | null;
  private readonly subDeny: Sublist<PermissionEntry> | null;
  private readonly subDenyList: readonly string[];
  /** allow_responses: replies to requests this user received may be published to. */
  readonly response: ResponsePermissionConfig | null;
  private readonly pubCache = new Map<string, boolean>();
  private readonly denyDeliveryCache = new Map<string, boolean>();

  constructor(config: PermissionsConfig) {
    this.pubAllow = compile(config.publish?.allow);
    this.pubDeny = compile(config.publish?.deny);
    this.subAllow = compile(config.subscribe?.allow);
    this.subDeny = compile(config.subscribe?.deny);
    this.subDenyList = config.subscribe?.deny ?? [];
    this.response = config.response ?? null;
  }

  /** Whether publishing is restricted at all (no check is needed otherwise). */
  get restrictsPublish(): boolean {
    return this.pubAllow !== null || this.pubDeny !== null;
  }

  /** The allow/deny verdict for publishing to `subject`, reply tracking aside. */
  canPublish(subject: string): boolean {
    const cached = this.pubCache.get(subject);
    if (cached !== undefined) return cached;
    let allowed = true;
    if (this.pubAllow !== null) allowed = this.pubAllow.match(subject).psubs.length > 0;
    if (allowed && this.pubDeny !== null) allowed = this.pubDeny.match(subject).psubs.length === 0;
    if (this.pubCache.size >= PUB_CACHE_MAX) this.pubCache.clear();
    this.pubCache.set(subject, allowed);
    return allowed;
  }

  canSubscribe(subject: string, queue?: string): boolean {
    let allowed = true;
    if (this.subAllow !== null) {
      const r = this.subAllow.match(subject);
      allowed = r.psubs.length > 0;
      if (queue !== undefined && r.qsubs.length > 0) allowed = queueMatches(queue, r.qsubs);
    }
    if (allowed && this.subDeny !== null) {
      const r = this.subDeny.match(subject);
      allowed = r.psubs.length === 0;
      if (queue !== undefined && r.qsubs.length > 0) allowed = !queueMatches(queue, r.qsubs);
    }
    return allowed;
  }

  /**
   * True if a subscription on `subject` could receive messages the deny list forbids
   * (a wildcard overlapping a denied subject): its deliveries must then be filtered.
   */
  needsDeliveryFilter(subject: string): boolean {
    if (this.subDeny === null || subjectIsLiteral(subject)) return false;
    return this.subDenyList.some((deny) => isSubsetMatch(deny.trim().split(/\s+/)[0]!, subject));
  }

  /** Whether a message on the literal `subject` is denied to subscribers of this user. */
  deliveryDenied(subject: string): boolean {
    const cached = this.denyDeliveryCache.get(subject);
    if (cached !== undefined) return cached;
    const denied = this.subDeny !== null && this.subDeny.match(subject).psubs.length > 0;
    if (this.denyDeliveryCache.size >= PUB_CACHE_MAX) this.denyDeliveryCache.clear();
    this.denyDeliveryCache.set(subject, denied);
    return denied;
  }
}
