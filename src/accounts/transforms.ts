/**
 * Subject transforms as accounts use them: import remapping (wildcard references
 * only) and weighted subject mappings. Subjects travel as byte strings, so the
 * configured subjects are converted the same way.
 */
import type { MappingConfig } from '../options/security.ts';
import { MappingSet, SubjectTransform, toByteString } from '../sublist/subject-transform.ts';
import { isSubsetMatch, subjectsCollide } from '../sublist/subject.ts';
import type { Account, StreamImport, SubjectMapper } from './account.ts';

/** Takes subjects matching `source` to `destination` ($1 / {{wildcard(1)}} references). */
export function importTransform(source: string, destination: string): (subject: string) => string {
  const t = SubjectTransform.forImport(toByteString(source), toByteString(destination), { subjects: 'bytes' });
  return (subject) => t.transform(subject);
}

export function mappingSet(config: MappingConfig): SubjectMapper {
  const destinations = config.destinations.map((d) => ({ ...d, destination: toByteString(d.destination) }));
  return new MappingSet(toByteString(config.source), destinations, { subjects: 'bytes' });
}

/**
 * A stream import of `from` out of `exporter`, seen locally under a prefix, under a
 * mapped subject (`to`), or as is.
 */
export function streamImport(exporter: Account, from: string, options: { prefix?: string | undefined; to?: string | undefined }): StreamImport {
  if (options.prefix !== undefined && options.prefix !== '') {
    const prefix = options.prefix.endsWith('.') ? options.prefix : `${options.prefix}.`;
    return {
      exporter,
      from,
      local: prefix + from,
      toLocal: (s) => prefix + s,
      toExporter: (s) => (s.startsWith(prefix) ? s.slice(prefix.length) : s),
    };
  }
  const to = options.to;
  if (to !== undefined && to !== '' && to !== from) {
    const forward = SubjectTransform.forImport(toByteString(from), toByteString(to), { subjects: 'bytes' });
    const back = forward.reverse();
    return { exporter, from, local: to, toLocal: (s) => forward.transform(s), toExporter: back === null ? null : (s) => back.transform(s) };
  }
  return { exporter, from, local: from, toLocal: (s) => s, toExporter: (s) => s };
}

/**
 * The exporter-side subject that a local subscription on `subject` needs mirrored for
 * `im`, or null when the subscription cannot receive anything from it: the exact
 * mapped subject for a subscription within the import, the whole import otherwise.
 */
export function shadowSubject(im: StreamImport, subject: string): string | null {
  if (!subjectsCollide(subject, im.local)) return null;
  if (im.toExporter !== null && isSubsetMatch(subject, im.local)) return im.toExporter(subject);
  return im.from;
}
