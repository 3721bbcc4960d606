import { badInput } from '../core/errors.js';
import { loadApiProfileDocuments, type LibraryProfile } from './api-profile.js';
import { expandManifestPaths } from './manifests.js';

/**
 * Loads a profile library: every ApiProfile with `match` in the YAML files under `dir` (recursively, in
 * name order). A profile without `match` there is an error: a library describes agents, not one workload.
 * Two profiles of one name are an error naming both.
 */
export function loadProfileLibrary(dir: string): LibraryProfile[] {
  const out: LibraryProfile[] = [];
  for (const file of expandManifestPaths([dir])) {
    for (const d of loadApiProfileDocuments(file)) {
      if (d.kind !== 'library')
        throw badInput(
          `${d.profile.file}:${d.profile.line}: a library profile needs spec.match (images or labels), not spec.target`,
        );
      const twin = out.find((p) => p.name === d.profile.name);
      if (twin)
        throw badInput(
          `${d.profile.file}:${d.profile.line}: a second library profile named ${d.profile.name} (the first is at ${twin.file}:${twin.line})`,
        );
      out.push(d.profile);
    }
  }
  return out;
}
