import type { SimEvent, SimEventType } from '../sim/result.js';

/**
 * The numbers inside an event, read back from its `detail`. The simulator's events carry prose (their
 * text is part of the stable JSON), so reports parse it here, in one place, and fall back to `text`
 * when a detail reads differently than expected: a report then shows the prose instead of failing.
 */
export type EventData =
  | {
      readonly kind: 'rollout';
      readonly clusters: number | null;
      readonly waves: number | null;
      readonly spanS: number | null;
      readonly gated: boolean;
    }
  | { readonly kind: 'wave'; readonly name: string; readonly clusters: number | null }
  | { readonly kind: 'applied'; readonly nodes: number | null }
  | {
      readonly kind: 'step';
      readonly nodeShare: number | null;
      readonly nodes: number | null;
      readonly of: number | null;
    }
  | {
      readonly kind: 'gate';
      readonly signal: string;
      readonly value: number;
      readonly threshold: number;
      readonly gate: string;
      readonly nodeShare: number | null;
      readonly reason: string;
    }
  | { readonly kind: 'halt'; readonly cause: string; readonly reason: string }
  | { readonly kind: 'saturation'; readonly cause: string; readonly oom: boolean }
  | { readonly kind: 'ratio'; readonly ratio: number }
  | {
      readonly kind: 'operator';
      readonly action: OperatorActionKind;
      readonly clusters: number | null;
      readonly note: string | null;
    }
  | { readonly kind: 'text'; readonly text: string };

/** What an operator did, from the simulator's wording. */
export type OperatorActionKind =
  | 'shift-traffic'
  | 'restore-traffic'
  | 'scale-nodes'
  | 'block-admin-api'
  | 'unblock-admin-api'
  | 'scale-apiservers'
  | 'delete-change'
  | 'quarantine-change'
  | 'write-failed'
  | 'other';

/** An event with its numbers. */
export interface RecordEvent extends SimEvent {
  readonly data: EventData;
}

const num = (s: string | undefined): number | null => {
  if (s === undefined) return null;
  const n = Number(s.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
};
const share = (s: string | undefined): number | null => {
  const n = num(s);
  // 8.2% is 0.082, not 0.08199999999999999: the detail had few digits, so must the ratio.
  return n === null ? null : Number((n / 100).toPrecision(12));
};

const operatorWording: readonly (readonly [RegExp, OperatorActionKind])[] = [
  [/^traffic shifted away/, 'shift-traffic'],
  [/^traffic restored/, 'restore-traffic'],
  [/^nodes scaled/, 'scale-nodes'],
  [/^network access to the admin API blocked/, 'block-admin-api'],
  [/^network access to the admin API restored/, 'unblock-admin-api'],
  [/^API servers scaled/, 'scale-apiservers'],
  [/^change deleted/, 'delete-change'],
  [/^change quarantined/, 'quarantine-change'],
  [/did not get through/, 'write-failed'],
];

/** Reads an event's numbers from its detail. */
export function eventData(e: SimEvent): EventData {
  const d = e.detail ?? '';
  const text: EventData = { kind: 'text', text: d };
  const type: SimEventType = e.type;
  switch (type) {
    case 'rollout.started': {
      const m = /^(\d+) clusters (?:over (\d+) min, no gates|in (\d+) wave\(s\))/.exec(d);
      if (!m) return text;
      return {
        kind: 'rollout',
        clusters: num(m[1]),
        spanS: m[2] === undefined ? null : (num(m[2]) ?? 0) * 60,
        waves: num(m[3]),
        gated: m[3] !== undefined,
      };
    }
    case 'rollout.wave.started': {
      const m = /^(.+?): (\d+) cluster\(s\)/.exec(d);
      return m ? { kind: 'wave', name: m[1] ?? '', clusters: num(m[2]) } : text;
    }
    case 'rollout.cluster.applied': {
      const m = /^(\d+) nodes$/.exec(d);
      return { kind: 'applied', nodes: m ? num(m[1]) : null };
    }
    case 'rollout.step.applied': {
      const m = /^([\d.]+)% of nodes \((\d+) of (\d+)\)/.exec(d);
      return m ? { kind: 'step', nodeShare: share(m[1]), nodes: num(m[2]), of: num(m[3]) } : text;
    }
    case 'rollout.gate.failed': {
      const m = /^(\S+) (\S+) vs threshold (\S+) \(gate (.+?), ([\d.]+)% of nodes\): (.*)$/s.exec(d);
      const value = num(m?.[2]);
      const threshold = num(m?.[3]);
      if (!m || value === null || threshold === null) return text;
      return {
        kind: 'gate',
        signal: m[1] ?? '',
        value,
        threshold,
        gate: m[4] ?? '',
        nodeShare: share(m[5]),
        reason: m[6] ?? '',
      };
    }
    case 'rollout.halted': {
      const m = /^([\w-]+): (.*)$/s.exec(d);
      return m ? { kind: 'halt', cause: m[1] ?? '', reason: m[2] ?? '' } : text;
    }
    case 'apiserver.saturated':
    case 'apiserver.oom':
      return { kind: 'saturation', cause: d, oom: /OOM/.test(d) || type === 'apiserver.oom' };
    case 'dns.failures.started':
    case 'impact.started':
    case 'admin.lockedout': {
      const m = /([\d.]+)%/.exec(d);
      const r = share(m?.[1]);
      return r === null ? text : { kind: 'ratio', ratio: r };
    }
    case 'operator.action': {
      const action = operatorWording.find(([re]) => re.test(d))?.[1] ?? 'other';
      const m = / on (\d+) cluster\(s\)(?: \((.*)\))?$/s.exec(d);
      return { kind: 'operator', action, clusters: num(m?.[1]), note: m?.[2] ?? null };
    }
    case 'rollout.completed':
    case 'apiserver.recovered':
    case 'admin.access.restored':
    case 'cluster.recovered':
    case 'fleet.recovered':
    case 'rollout.cluster.rolledback':
    case 'rollout.paused':
    case 'rollout.resumed':
    case 'rollout.paced':
    case 'rollout.action.failed':
    case 'rollout.warning':
    case 'nodes.notready':
    case 'nodes.ready':
      return text;
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** How an event reads at a glance: colour in a terminal, a badge and a marker in the HTML report. */
export type EventTone = 'bad' | 'warn' | 'good' | 'action' | 'rollout';

/** The tone of each event type. */
export function eventTone(type: SimEventType): EventTone {
  switch (type) {
    case 'apiserver.saturated':
    case 'apiserver.oom':
    case 'impact.started':
    case 'admin.lockedout':
    case 'rollout.gate.failed':
    case 'rollout.halted':
    case 'rollout.action.failed':
    case 'nodes.notready':
      return 'bad';
    case 'dns.failures.started':
    case 'rollout.warning':
    case 'rollout.paused':
      return 'warn';
    case 'apiserver.recovered':
    case 'admin.access.restored':
    case 'cluster.recovered':
    case 'fleet.recovered':
    case 'rollout.completed':
    case 'rollout.resumed':
    case 'nodes.ready':
      return 'good';
    case 'operator.action':
    case 'rollout.cluster.rolledback':
      return 'action';
    case 'rollout.started':
    case 'rollout.cluster.applied':
    case 'rollout.wave.started':
    case 'rollout.step.applied':
    case 'rollout.paced':
      return 'rollout';
    default: {
      const never: never = type;
      return never;
    }
  }
}
