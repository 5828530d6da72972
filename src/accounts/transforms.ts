/**
 * Adapters from the subject transform module to what accounts need: import
 * remapping (wildcard references only) and weighted subject mappings.
 */
import type { MappingConfig } from '../options/security.ts';
import type { SubjectMapper } from './account.ts';

/** A function taking subjects matching `source` to `destination` ($1 / {{wildcard(1)}} references). */
export function importTransform(source: string, destination: string): (subject: string) => string {
  const src = source.split('.');
  const wildcardIndexes: number[] = [];
  src.forEach((t, i) => {
    if (t === '*' || t === '>') wildcardIndexes.push(i);
  });
  const dest = destination.split('.').map((t) => {
    const m = /^\$(\d+)$|^\{\{\s*wildcard\s*\(\s*(\d+)\s*\)\s*\}\}$/i.exec(t);
    return m ? Number(m[1] ?? m[2]) : t;
  });
  return (subject: string): string => {
    const tokens = subject.split('.');
    const captured = wildcardIndexes.map((i) => (src[i] === '>' ? tokens.slice(i).join('.') : tokens[i]!));
    return dest.map((t) => (typeof t === 'number' ? captured[t - 1]! : t === '>' ? tokens.slice(src.length - 1).join('.') : t)).join('.');
  };
}

export function mappingSet(config: MappingConfig): SubjectMapper {
  const source = config.source.split('.');
  const entries = config.destinations.map((d) => ({ weight: d.weight, map: importTransform(config.source, d.destination) }));
  return {
    map(subject: string): string | null {
      const tokens = subject.split('.');
      for (let i = 0; i < source.length; i++) {
        const t = source[i]!;
        if (t === '>') break;
        if (i >= tokens.length || (t !== '*' && t !== tokens[i])) return null;
      }
      if (!source.includes('>') && tokens.length !== source.length) return null;
      let roll = Math.random() * 100;
      for (const e of entries) {
        if (roll < e.weight) return e.map(subject);
        roll -= e.weight;
      }
      return subject;
    },
  };
}
