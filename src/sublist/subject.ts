/** Subject syntax: tokens separated by '.', `*` matches one token, `>` one or more at the end. */

const DOT = 46;
const STAR = 42;
const GT = 62;

/** True if `subject` may be subscribed to: no empty token, `>` only last, no whitespace. */
export function isValidSubject(subject: string): boolean {
  const n = subject.length;
  if (n === 0) return false;
  let tokenStart = 0;
  let afterFwc = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? subject.charCodeAt(i) : DOT;
    if (c === DOT) {
      const len = i - tokenStart;
      if (len === 0 || afterFwc) return false;
      if (len === 1 && subject.charCodeAt(tokenStart) === GT) afterFwc = true;
      tokenStart = i + 1;
    } else if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      return false;
    }
  }
  return true;
}

/** True if `subject` is valid and has no wildcard token: what a publish may target. */
export function isValidLiteralSubject(subject: string): boolean {
  const n = subject.length;
  if (n === 0) return false;
  let tokenStart = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? subject.charCodeAt(i) : DOT;
    if (c === DOT) {
      const len = i - tokenStart;
      if (len === 0) return false;
      if (len === 1) {
        const t = subject.charCodeAt(tokenStart);
        if (t === STAR || t === GT) return false;
      }
      tokenStart = i + 1;
    }
  }
  return true;
}

/** True if no token of `subject` is a wildcard (validity is not checked). */
export function subjectIsLiteral(subject: string): boolean {
  const n = subject.length;
  for (let i = 0; i < n; i++) {
    const c = subject.charCodeAt(i);
    if ((c === STAR || c === GT) && (i === 0 || subject.charCodeAt(i - 1) === DOT) && (i + 1 === n || subject.charCodeAt(i + 1) === DOT)) {
      return false;
    }
  }
  return true;
}

/** True if the literal `subject` is matched by the (possibly wildcard) `pattern`. */
export function subjectMatches(subject: string, pattern: string): boolean {
  const st = subject.split('.');
  const pt = pattern.split('.');
  for (let i = 0; i < pt.length; i++) {
    const p = pt[i];
    if (p === '>') return st.length > i;
    if (i >= st.length) return false;
    if (p !== '*' && p !== st[i]) return false;
  }
  return st.length === pt.length;
}

/**
 * subjectMatches for a pattern already split into tokens, without allocating:
 * used to sweep many cached subjects against one pattern.
 */
export function subjectMatchesTokens(subject: string, pattern: readonly string[]): boolean {
  let pos = 0;
  const n = subject.length;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (pos > n) return false;
    if (p === '>') return pos < n;
    let end = subject.indexOf('.', pos);
    if (end < 0) end = n;
    if (p !== '*' && (end - pos !== p.length || !subject.startsWith(p, pos))) return false;
    pos = end + 1;
  }
  return pos === n + 1;
}

/** Number of tokens in a subject. */
export function tokenCount(subject: string): number {
  let count = 1;
  for (let i = 0; i < subject.length; i++) if (subject.charCodeAt(i) === DOT) count++;
  return count;
}

/**
 * True if every subject matched by `subject` is also matched by `pattern` (the import
 * is covered by the export), as nats-server's isSubsetMatch.
 */
export function isSubsetMatch(subject: string, pattern: string): boolean {
  const st = subject.split('.');
  const pt = pattern.split('.');
  for (let i = 0; i < pt.length; i++) {
    const p = pt[i]!;
    if (i >= st.length) return false;
    if (p === '>') return true;
    const s = st[i]!;
    if (p === '*') {
      if (s === '>') return false;
      continue;
    }
    if (p !== s) return false;
  }
  return st.length === pt.length;
}

/** True if some subject could match both (possibly wildcard) subjects (nats-server SubjectsCollide). */
export function subjectsCollide(a: string, b: string): boolean {
  const at = a.split('.');
  const bt = b.split('.');
  const n = Math.min(at.length, bt.length);
  for (let i = 0; i < n; i++) {
    const x = at[i]!;
    const y = bt[i]!;
    if (x === '>' || y === '>') return true;
    if (x !== y && x !== '*' && y !== '*') return false;
  }
  return at.length === bt.length;
}
