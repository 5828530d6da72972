// Shared helpers for the sublist tests.
import { Sublist } from '../../dist/sublist/sublist.js';
import { subjectMatches } from '../../dist/sublist/subject.js';

export { Sublist, subjectMatches };

let nextId = 1;

/** A subscription entry; ids make assertion output readable. */
export function sub(subject, queue) {
  return { subject, queue, id: `${subject}${queue === undefined ? '' : `@${queue}`}#${nextId++}` };
}

/** A comparable form of a MatchResult: sorted plain ids, queue groups keyed by name. */
export function norm(result) {
  const psubs = result.psubs.map((s) => s.id).sort();
  const qsubs = {};
  for (const group of result.qsubs) {
    assert(group.length > 0, 'empty queue group in result');
    const name = group[0].queue;
    for (const s of group) assert(s.queue === name, `group ${name} holds a member of ${s.queue}`);
    assert(!(name in qsubs), `queue group ${name} appears twice`);
    qsubs[name] = group.map((s) => s.id).sort();
  }
  return { psubs, qsubs };
}

/** What a brute-force scan over `subs` says `subject` should match. */
export function bruteMatch(subs, subject) {
  const psubs = [];
  const qsubs = {};
  for (const s of subs) {
    if (!subjectMatches(subject, s.subject)) continue;
    if (s.queue === undefined) psubs.push(s.id);
    else (qsubs[s.queue] ??= []).push(s.id);
  }
  psubs.sort();
  for (const k of Object.keys(qsubs)) qsubs[k].sort();
  return { psubs, qsubs };
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export { prng } from '../support/prng.js';
