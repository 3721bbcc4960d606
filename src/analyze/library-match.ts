import { badInput } from '../core/errors.js';
import type { LibraryProfile, ProfileMatch } from '../config/api-profile.js';
import type { ManifestWorkload } from '../config/manifests.js';

/**
 * An image reference as Docker resolves it: `fluent-bit:2` is `docker.io/library/fluent-bit:2`,
 * `fluent/fluent-bit` is `docker.io/fluent/fluent-bit:latest`; a registry is a first component with a dot
 * or a port, or `localhost`.
 */
export function normalizeImage(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at) : '';
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = hasRegistry ? name : `docker.io/${slash >= 0 ? name : `library/${name}`}`;
  const tagged = /:[^/]*$/.test(path) || digest !== '' ? path : `${path}:latest`;
  return `${tagged}${digest}`.toLowerCase();
}

/** The repository part of a reference (no tag, no digest). */
function repository(ref: string): string {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  return name.replace(/:[^/]*$/, '');
}

function glob(pattern: string): RegExp {
  const body = pattern
    .toLowerCase()
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/**
 * Whether an image matches a pattern: `*` matches any characters, slashes included. A pattern with no tag
 * or digest (`*\/fluent-bit`) matches the repository with any tag; one with a tag (`*\/fluent-bit:*`) the
 * whole reference. The image is tried as written and as Docker resolves it.
 */
export function imageMatches(pattern: string, image: string): boolean {
  if (image === '') return false;
  const re = glob(pattern);
  const lastSlash = pattern.lastIndexOf('/');
  const tagged = pattern.includes('@') || pattern.slice(lastSlash + 1).includes(':');
  return [image.toLowerCase(), normalizeImage(image)].some((ref) => re.test(tagged ? ref : repository(ref)));
}

function labelsMatch(
  want: Readonly<Record<string, string>>,
  have: Readonly<Record<string, string>>,
): boolean {
  const entries = Object.entries(want);
  return entries.length > 0 && entries.every(([k, v]) => have[k] === v);
}

/** The containers of a workload a match selects (all of them when its labels match). */
function covered(
  m: Pick<ProfileMatch, 'images' | 'labels'>,
  w: ManifestWorkload,
): ManifestWorkload['containers'] {
  if (labelsMatch(m.labels, w.labels)) return w.containers;
  return w.containers.filter((c) => m.images.some((p) => imageMatches(p, c.image)));
}

function specificity(m: ProfileMatch): number {
  return (m.images.length > 0 ? 1 : 0) + (Object.keys(m.labels).length > 0 ? 1 : 0) + (m.alongside ? 1 : 0);
}

/** What the library says of a workload: the profiles chosen, and the containers none describes. */
export interface LibraryMatch {
  readonly profiles: readonly LibraryProfile[];
  readonly unmatched: ManifestWorkload['containers'];
}

/**
 * The library profiles that describe a workload. Each container gets the most specific profile that
 * selects it (criteria given: images, labels, alongside), so "calico-node alongside a Typha" wins over
 * "calico-node"; two equally specific profiles for one container are an error naming both. Null when no
 * profile selects any container.
 */
export function matchLibrary(
  w: ManifestWorkload,
  all: readonly ManifestWorkload[],
  library: readonly LibraryProfile[],
): LibraryMatch | null {
  const applicable = library.filter(
    (p) =>
      !p.match.alongside || all.some((o) => o !== w && covered(p.match.alongside ?? p.match, o).length > 0),
  );
  const chosen: LibraryProfile[] = [];
  const unmatched: { name: string; image: string }[] = [];
  for (const c of w.containers) {
    const candidates = applicable.filter((p) => covered(p.match, w).includes(c));
    const best = Math.max(-1, ...candidates.map((p) => specificity(p.match)));
    const top = candidates.filter((p) => specificity(p.match) === best);
    const [first, second] = top;
    if (second && first)
      throw badInput(
        `${w.location.file}:${w.location.line}: library profiles ${first.name} (${first.file}:${first.line}) and ${second.name} (${second.file}:${second.line}) both match container ${c.name} (${c.image}) of ${w.kind} ${w.namespace}/${w.name}; make one more specific`,
      );
    if (first) {
      if (!chosen.includes(first)) chosen.push(first);
    } else unmatched.push(c);
  }
  return chosen.length > 0 ? { profiles: chosen, unmatched } : null;
}
