import { badInput } from '../core/errors.js';

/**
 * `--clusters` for a drill: `all`, or comma-separated terms — a cluster name, `prefix:P` (names starting
 * with P), `min-nodes:N` (at least N nodes). A cluster is chosen when it matches a name or prefix term
 * (any, or there are none) and every min-nodes term.
 */
export function chooseClusters(
  text: string,
  clusters: readonly { readonly name: string; readonly nodes: number }[],
): string[] {
  const terms = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (terms.length === 0) throw badInput('--clusters: empty; give all, names, prefix:P or min-nodes:N');
  if (terms.length === 1 && terms[0] === 'all') return clusters.map((c) => c.name);
  const names: string[] = [];
  const prefixes: string[] = [];
  let minNodes = 0;
  const known = new Set(clusters.map((c) => c.name));
  for (const t of terms) {
    if (t.startsWith('prefix:')) {
      const p = t.slice('prefix:'.length);
      if (p === '') throw badInput('--clusters: prefix: needs a prefix (e.g. prefix:serving-)');
      prefixes.push(p);
    } else if (t.startsWith('min-nodes:')) {
      const v = t.slice('min-nodes:'.length);
      if (!/^\d{1,7}$/.test(v)) throw badInput(`--clusters: "${t}": min-nodes takes a whole number`);
      minNodes = Math.max(minNodes, Number(v));
    } else {
      if (!known.has(t)) throw badInput(`--clusters: no cluster named "${t}" in the scenario`);
      names.push(t);
    }
  }
  const byName = names.length > 0 || prefixes.length > 0;
  const chosen = clusters
    .filter(
      (c) =>
        (!byName || names.includes(c.name) || prefixes.some((p) => c.name.startsWith(p))) &&
        c.nodes >= minNodes,
    )
    .map((c) => c.name);
  if (chosen.length === 0) throw badInput(`--clusters: "${text}" picks no cluster of the scenario`);
  return chosen;
}
