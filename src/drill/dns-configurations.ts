import { badInput } from '../core/errors.js';
import type { DnsConfig } from '../config/scenario.js';
import type { DnsMode } from '../config/scenario-schema.js';

/**
 * The DNS set-ups a control-plane outage drill compares, each written onto a scenario's DNS fields
 * (everything not named here — CoreDNS replicas and capacity, search amplification — stays the
 * scenario's). Figures from reference §3.5–3.7.
 */
export const dnsConfigurationNames = ['stock', 'nodelocal', 'serve-stale', 'static', 'scenario'] as const;
export type DnsConfigurationName = (typeof dnsConfigurationNames)[number];

/** The configurations a drill runs when `--dns` is not given: the four the issue names. */
export const defaultDnsConfigurations: readonly DnsConfigurationName[] = [
  'stock',
  'nodelocal',
  'serve-stale',
  'static',
];

/** kubeadm's Corefile `cache 30` (§3.7). */
const stockCorednsCacheTtlS = 30;
/** NodeLocal DNSCache's `cache { success 9984 30 }` for cluster.local (§3.7). */
const nodeLocalTtlS = 30;
/** CoreDNS `serve_stale` with its default duration, 1 h (§3.5). */
const serveStaleDefaultS = 3600;

/** What one configuration is, in a sentence (text output and README). */
export const dnsConfigurationText: Readonly<Record<DnsConfigurationName, string>> = {
  stock: 'CoreDNS cache 30 s, no node cache',
  nodelocal: 'NodeLocal DNSCache (30 s) in front of CoreDNS (30 s)',
  'serve-stale': 'NodeLocal DNSCache with serve_stale 1 h',
  static: 'service discovery independent of the control plane',
  scenario: "the scenario's own DNS",
};

/** What a CoreDNS mode means for a drill: how names fare while the API servers are down. */
export const corednsModeText: Readonly<Record<DnsMode, string>> = {
  informer:
    'stock CoreDNS: answers from its informer copy through the outage; a pod that restarts cannot sync until the API returns',
  'api-per-miss': 'every cache miss asks the API server: names fail as the caches expire',
  independent: 'names resolve without the control plane',
};

/** The drill's line on the CoreDNS mode behind its configurations. */
export function corednsModeLine(modes: readonly DnsMode[]): string {
  const what = modes.map((m) => `${m} (${corednsModeText[m]})`).join('; ');
  return `CoreDNS in every configuration but static: the scenario's dns.mode, ${what}`;
}

/** The scenario's DNS fields as configuration `name` sets them. */
export function dnsFor(name: DnsConfigurationName, base: DnsConfig): DnsConfig {
  const stock: DnsConfig = {
    ...base,
    corednsCacheTtlS: stockCorednsCacheTtlS,
    nodeCacheEnabled: false,
    serveStaleS: 0,
  };
  switch (name) {
    case 'stock':
      return stock;
    case 'nodelocal':
      return { ...stock, nodeCacheEnabled: true, nodeCacheTtlS: nodeLocalTtlS };
    case 'serve-stale':
      // The model's serve-stale lives in the node cache: a NodeLocal DNSCache is a CoreDNS with the plugin.
      return {
        ...stock,
        nodeCacheEnabled: true,
        nodeCacheTtlS: nodeLocalTtlS,
        serveStaleS: serveStaleDefaultS,
      };
    case 'static':
      // Names resolve without asking the API (static endpoints, a discovery system of its own).
      return { ...stock, mode: 'independent' };
    case 'scenario':
      return base;
    default: {
      const never: never = name;
      return never;
    }
  }
}

/** Parses `--dns a,b,…` (names kept in the order given, each once). */
export function parseDnsConfigurations(text: string): DnsConfigurationName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw badInput(`--dns: empty; give some of ${dnsConfigurationNames.join(', ')}`);
  const out: DnsConfigurationName[] = [];
  for (const n of names) {
    const known = dnsConfigurationNames.find((k) => k === n);
    if (!known)
      throw badInput(`--dns: unknown configuration "${n}" (use ${dnsConfigurationNames.join(', ')})`);
    if (out.includes(known)) throw badInput(`--dns: "${n}" given twice`);
    out.push(known);
  }
  return out;
}
