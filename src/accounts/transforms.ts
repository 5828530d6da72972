/**
 * Subject transforms as accounts use them: import remapping (wildcard references
 * only) and weighted subject mappings. Subjects travel as byte strings, so the
 * configured subjects are converted the same way.
 */
import type { MappingConfig } from '../options/security.ts';
import { MappingSet, SubjectTransform, toByteString } from '../sublist/subject-transform.ts';
import type { SubjectMapper } from './account.ts';

/** Takes subjects matching `source` to `destination` ($1 / {{wildcard(1)}} references). */
export function importTransform(source: string, destination: string): (subject: string) => string {
  const t = SubjectTransform.forImport(toByteString(source), toByteString(destination), { subjects: 'bytes' });
  return (subject) => t.transform(subject);
}

export function mappingSet(config: MappingConfig): SubjectMapper {
  const destinations = config.destinations.map((d) => ({ ...d, destination: toByteString(d.destination) }));
  return new MappingSet(toByteString(config.source), destinations, { subjects: 'bytes' });
}
