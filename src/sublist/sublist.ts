/**
 * The subject index: a trie of subject tokens with dedicated `*` and `>` branches,
 * plus a cache of match results keyed by literal subject (as nats-server's sublist.go).
 *
 * A cached result stays valid until a subscription that could match it is added or
 * removed: a literal subscription drops one cache entry, a wildcard one drops every
 * cached subject it matches.
 */
import { isValidSubject, subjectIsLiteral, subjectMatchesTokens } from './subject.ts';

export interface SublistEntry {
  readonly subject: string;
  /** Queue group name, or undefined for a plain subscription. */
  readonly queue: string | undefined;
  /** Queue members this entry stands for (a route's members on another server); absent = 1. */
  readonly weight?: number;
}

/** Told of every entry added to or removed from a Sublist (interest propagation across routes). */
export interface SublistObserver<T> {
  inserted(entry: T): void;
  removed(entry: T): void;
}

export interface MatchResult<T> {
  readonly psubs: readonly T[];
  /** One array per queue group name. */
  readonly qsubs: readonly (readonly T[])[];
}

// Nodes allocate their sets and next level only when used: most nodes of a large
// index are leaves holding one subscription.
class TrieNode<T> {
  next: Level<T> | null = null;
  psubs: Set<T> | null = null;
  qsubs: Map<string, Set<T>> | null = null;

  isEmpty(): boolean {
    return (this.psubs === null || this.psubs.size === 0) && (this.qsubs === null || this.qsubs.size === 0) && (this.next === null || this.next.isEmpty());
  }
}

class Level<T> {
  readonly nodes = new Map<string, TrieNode<T>>();
  pwc: TrieNode<T> | null = null;
  fwc: TrieNode<T> | null = null;

  isEmpty(): boolean {
    return this.nodes.size === 0 && this.pwc === null && this.fwc === null;
  }
}

const CACHE_MAX = 1024;
const CACHE_SWEEP_TO = 768;

const EMPTY_RESULT: MatchResult<never> = Object.freeze({ psubs: Object.freeze([]), qsubs: Object.freeze([]) });

export class Sublist<T extends SublistEntry> {
  private readonly root = new Level<T>();
  private readonly cache = new Map<string, MatchResult<T>>();
  private readonly cacheEnabled: boolean;
  private subCount = 0;

  /** Bumped by every insert and remove, so callers can keep their own match caches. */
  genid = 0;
  /** Told of each insert and remove; null when nobody listens. */
  observer: SublistObserver<T> | null = null;

  // Counters for /subsz.
  inserts = 0;
  removes = 0;
  matches = 0;
  cacheHits = 0;

  constructor(options: { cache?: boolean } = {}) {
    this.cacheEnabled = options.cache ?? true;
  }

  get count(): number {
    return this.subCount;
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** Adds `sub`; false if its subject is not a valid subscription subject. */
  insert(sub: T): boolean {
    const subject = sub.subject;
    if (!isValidSubject(subject)) return false;
    const tokens = subject.split('.');
    let level = this.root;
    let node: TrieNode<T> | undefined;
    const last = tokens.length - 1;
    for (let i = 0; i <= last; i++) {
      const token = tokens[i]!;
      if (token === '*') node = level.pwc ??= new TrieNode<T>();
      else if (token === '>') node = level.fwc ??= new TrieNode<T>();
      else {
        node = level.nodes.get(token);
        if (node === undefined) {
          node = new TrieNode<T>();
          level.nodes.set(token, node);
        }
      }
      if (i < last) level = node.next ??= new Level<T>();
    }
    const leaf = node!;
    if (sub.queue === undefined) {
      leaf.psubs ??= new Set();
      if (leaf.psubs.has(sub)) return true;
      leaf.psubs.add(sub);
    } else {
      leaf.qsubs ??= new Map();
      let group = leaf.qsubs.get(sub.queue);
      if (group === undefined) {
        group = new Set();
        leaf.qsubs.set(sub.queue, group);
      }
      if (group.has(sub)) return true;
      group.add(sub);
    }
    this.subCount++;
    this.inserts++;
    this.genid++;
    this.invalidate(subject);
    if (this.observer !== null) this.observer.inserted(sub);
    return true;
  }

  /** Removes `sub`; false if it was not present. */
  remove(sub: T): boolean {
    const tokens = sub.subject.split('.');
    const path: { level: Level<T>; token: string; node: TrieNode<T> }[] = [];
    let level: Level<T> | null = this.root;
    let node: TrieNode<T> | null | undefined = null;
    for (const token of tokens) {
      if (level === null) return false;
      node = token === '*' ? level.pwc : token === '>' ? level.fwc : level.nodes.get(token);
      if (!node) return false;
      path.push({ level, token, node });
      level = node.next;
    }
    if (!node) return false;
    let removed: boolean;
    if (sub.queue === undefined) {
      removed = node.psubs !== null && node.psubs.delete(sub);
    } else {
      const group = node.qsubs?.get(sub.queue);
      removed = group !== undefined && group.delete(sub);
      if (group !== undefined && group.size === 0) node.qsubs!.delete(sub.queue);
    }
    if (!removed) return false;
    this.subCount--;
    this.removes++;
    this.genid++;
    // Prune nodes that no longer lead anywhere, deepest first.
    for (let k = path.length - 1; k >= 0; k--) {
      const step = path[k]!;
      if (!step.node.isEmpty()) break;
      if (step.token === '*') step.level.pwc = null;
      else if (step.token === '>') step.level.fwc = null;
      else step.level.nodes.delete(step.token);
    }
    this.invalidate(sub.subject);
    if (this.observer !== null) this.observer.removed(sub);
    return true;
  }

  /** A queue entry's weight changed: cached matches holding it are rebuilt. */
  reweighed(sub: T): void {
    this.genid++;
    this.invalidate(sub.subject);
  }

  /** All subscriptions whose subject matches the literal `subject`. */
  match(subject: string): MatchResult<T> {
    this.matches++;
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      this.cacheHits++;
      return cached;
    }
    const tokens = subject.split('.');
    for (const t of tokens) if (t.length === 0) return EMPTY_RESULT;
    const psubs: T[] = [];
    const groups = new Map<string, T[]>();
    collect(this.root, tokens, 0, psubs, groups);
    const result: MatchResult<T> =
      psubs.length === 0 && groups.size === 0 ? EMPTY_RESULT : { psubs, qsubs: Array.from(groups.values()) };
    if (this.cacheEnabled) {
      this.cache.set(subject, result);
      if (this.cache.size > CACHE_MAX) this.sweepCache();
    }
    return result;
  }

  /** True if at least one subscription matches the literal `subject`. */
  hasInterest(subject: string): boolean {
    const r = this.match(subject);
    return r.psubs.length > 0 || r.qsubs.length > 0;
  }

  /** Fanout of the cached results, for /subsz: their count, summed and largest fanout (psubs + queue groups). */
  cacheFanout(): { entries: number; total: number; max: number } {
    let total = 0;
    let max = 0;
    for (const r of this.cache.values()) {
      const n = r.psubs.length + r.qsubs.length;
      total += n;
      if (n > max) max = n;
    }
    return { entries: this.cache.size, total, max };
  }

  /** Every subscription, in no particular order. */
  all(): T[] {
    const out: T[] = [];
    const walk = (level: Level<T>): void => {
      const visit = (node: TrieNode<T> | null): void => {
        if (node === null) return;
        if (node.psubs) for (const s of node.psubs) out.push(s);
        if (node.qsubs) for (const g of node.qsubs.values()) for (const s of g) out.push(s);
        if (node.next) walk(node.next);
      };
      for (const node of level.nodes.values()) visit(node);
      visit(level.pwc);
      visit(level.fwc);
    };
    walk(this.root);
    return out;
  }

  private invalidate(subject: string): void {
    if (this.cache.size === 0) return;
    if (subjectIsLiteral(subject)) {
      this.cache.delete(subject);
      return;
    }
    const pattern = subject.split('.');
    for (const key of this.cache.keys()) {
      if (subjectMatchesTokens(key, pattern)) this.cache.delete(key);
    }
  }

  private sweepCache(): void {
    let excess = this.cache.size - CACHE_SWEEP_TO;
    for (const key of this.cache.keys()) {
      if (excess-- <= 0) break;
      this.cache.delete(key);
    }
  }
}

function addNode<T extends SublistEntry>(node: TrieNode<T>, psubs: T[], groups: Map<string, T[]>): void {
  if (node.psubs !== null) for (const s of node.psubs) psubs.push(s);
  if (node.qsubs === null) return;
  for (const [name, members] of node.qsubs) {
    let group = groups.get(name);
    if (group === undefined) {
      group = [];
      groups.set(name, group);
    }
    for (const s of members) {
      // A weighted entry appears once per member it stands for, so a uniform pick among the group is weighted.
      for (let w = s.weight ?? 1; w > 0; w--) group.push(s);
    }
  }
}

/**
 * Walks the trie for `tokens` from `index`, in nats-server's order (`>` first, then
 * `*` branches depth-first, then the literal node, then a trailing `*`), so that one
 * connection's overlapping subscriptions receive their copies in the same order.
 */
function collect<T extends SublistEntry>(level: Level<T>, tokens: string[], index: number, psubs: T[], groups: Map<string, T[]>): void {
  let current: Level<T> | null = level;
  let node: TrieNode<T> | undefined;
  let pwc: TrieNode<T> | null = null;
  for (let i = index; i < tokens.length; i++) {
    if (current === null) return;
    if (current.fwc !== null) addNode(current.fwc, psubs, groups);
    pwc = current.pwc;
    if (pwc !== null && pwc.next !== null) collect(pwc.next, tokens, i + 1, psubs, groups);
    node = current.nodes.get(tokens[i]!);
    current = node === undefined ? null : node.next;
  }
  if (node !== undefined) addNode(node, psubs, groups);
  if (pwc !== null) addNode(pwc, psubs, groups);
}
