import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPriorityLevels, type PriorityLevel } from '../model/apf.js';
import { levelLimits, type LevelLimits } from './apf-capacity.js';

// Reference: ../shared/reference/incident-and-mechanics.md §2.2 (formulas and the default-PL table at
// ServerCL = 600) and §2.3 (per-PL max seats, MaximumListSeatsLimit = 10 before 1.34).
//
// ΣNCS = exempt 0 + catch-all 5 + system 30 + node-high 40 + leader-election 10 + workload-high 40
//        + workload-low 100 + global-default 20 = 245.
const limits = levelLimits(defaultPriorityLevels, 600, 10);
const byName = (name: string): LevelLimits => {
  const l = limits.find((x) => x.name === name);
  assert.ok(l, `level ${name} missing`);
  return l;
};

void describe('levelLimits at ServerCL 600 (default priority levels, §2.2)', () => {
  void it('returns one entry per level, in input order', () => {
    assert.deepEqual(
      limits.map((l) => l.name),
      [
        'exempt',
        'catch-all',
        'system',
        'node-high',
        'leader-election',
        'workload-high',
        'workload-low',
        'global-default',
      ],
    );
  });

  void it('nominal seats = ceil(600 × NCS / 245) match the §2.2 table', () => {
    const expected: Record<string, number> = {
      'catch-all': 13, //       600×5/245   = 12.24 → 13
      system: 74, //            600×30/245  = 73.47 → 74
      'node-high': 98, //       600×40/245  = 97.96 → 98
      'leader-election': 25, // 600×10/245  = 24.49 → 25
      'workload-high': 98, //   600×40/245  = 97.96 → 98
      'workload-low': 245, //   600×100/245 = 244.90 → 245
      'global-default': 49, //  600×20/245  = 48.98 → 49
    };
    for (const [name, seats] of Object.entries(expected))
      assert.equal(byName(name).nominalSeats, seats, name);
  });

  void it('exempt is flagged exempt and gets no nominal seats (not limited)', () => {
    const exempt = byName('exempt');
    assert.equal(exempt.exempt, true);
    assert.equal(exempt.nominalSeats, 0);
    for (const l of limits.filter((x) => x.name !== 'exempt')) assert.equal(l.exempt, false, l.name);
  });

  void it('lendable seats = round(nominal × lendable% / 100) match the §2.2 table', () => {
    const expected: Record<string, number> = {
      'catch-all': 0, //        13 × 0%  = 0
      system: 24, //            74 × 33% = 24.42 → 24
      'node-high': 25, //       98 × 25% = 24.5  → 25 (half rounds up, as Go's math.Round)
      'leader-election': 0, //  25 × 0%  = 0
      'workload-high': 49, //   98 × 50% = 49
      'workload-low': 221, //   245 × 90% = 220.5 → 221
      'global-default': 25, //  49 × 50% = 24.5  → 25
    };
    for (const [name, seats] of Object.entries(expected))
      assert.equal(byName(name).lendableSeats, seats, name);
  });

  void it('guaranteed seats = nominal − lendable', () => {
    // system 74−24 = 50; node-high 98−25 = 73; workload-high 98−49 = 49; workload-low 245−221 = 24;
    // global-default 49−25 = 24; catch-all 13−0 = 13; leader-election 25−0 = 25.
    const expected: Record<string, number> = {
      'catch-all': 13,
      system: 50,
      'node-high': 73,
      'leader-election': 25,
      'workload-high': 49,
      'workload-low': 24,
      'global-default': 24,
    };
    for (const [name, seats] of Object.entries(expected))
      assert.equal(byName(name).guaranteedSeats, seats, name);
  });

  void it('max seats with unlimited borrowing = nominal + everything the other levels can lend (§4.5)', () => {
    // Σ lendable = 0 + 24 + 25 + 0 + 49 + 221 + 25 = 344.
    // workload-low: 245 + (344 − 221) = 245 + 123 = 368 — §4.5's "245 + (24+25+49+25) ⇒ up to ~370".
    assert.equal(byName('workload-low').maxSeatsWithBorrowing, 368);
    // global-default: 49 + (344 − 25) = 368; leader-election: 25 + 344 = 369; system: 74 + (344 − 24) = 394.
    assert.equal(byName('global-default').maxSeatsWithBorrowing, 368);
    assert.equal(byName('leader-election').maxSeatsWithBorrowing, 369);
    assert.equal(byName('system').maxSeatsWithBorrowing, 394);
  });

  void it('max seats per request of the Queue levels match the §2.2 last column', () => {
    // maxSeats = max(1, min(ceil(0.15 × nominal), floor(nominal / handSize))), then capped at 10:
    const expected: Record<string, number> = {
      system: 10, //            min(ceil(11.1)=12,  floor(74/6)=12)  = 12 → cap 10
      'node-high': 10, //       min(ceil(14.7)=15,  floor(98/6)=16)  = 15 → cap 10
      'leader-election': 4, //  min(ceil(3.75)=4,   floor(25/4)=6)   = 4
      'workload-high': 10, //   min(ceil(14.7)=15,  floor(98/6)=16)  = 15 → cap 10
      'workload-low': 10, //    min(ceil(36.75)=37, floor(245/6)=40) = 37 → cap 10
      'global-default': 8, //   min(ceil(7.35)=8,   floor(49/6)=8)   = 8
    };
    for (const [name, seats] of Object.entries(expected))
      assert.equal(byName(name).maxSeatsPerRequest, seats, name);
  });

  void it('catch-all (Reject type) allows 10 seats per request (§2.2 table last column)', () => {
    // §2.2 lists 10 for catch-all: it has no queuing config (no handSize), so upstream never computes a
    // per-level maxSeats for it and the list estimator falls back to MaximumListSeatsLimit = 10.
    assert.equal(byName('catch-all').maxSeatsPerRequest, 10);
  });

  void it('the 1.34+ size-based cap (100) lets the formula values through (§2.2 "(formula N, capped)")', () => {
    const uncapped = levelLimits(defaultPriorityLevels, 600, 100);
    const get = (n: string): number => uncapped.find((l) => l.name === n)?.maxSeatsPerRequest ?? -1;
    // Same arithmetic as above without the cap of 10: system 12, node-high 15, workload-high 15,
    // workload-low 37 (§2.3 "e.g. 37 in workload-low"), leader-election 4, global-default 8.
    assert.equal(get('system'), 12);
    assert.equal(get('node-high'), 15);
    assert.equal(get('workload-high'), 15);
    assert.equal(get('workload-low'), 37);
    assert.equal(get('leader-election'), 4);
    assert.equal(get('global-default'), 8);
  });

  void it('queue capacities: level = queues × queueLengthLimit, per flow = handSize × queueLengthLimit', () => {
    const expected: Record<string, [number, number]> = {
      'catch-all': [0, 0], //           Reject: no queues
      system: [3200, 300], //           64 × 50, 6 × 50
      'node-high': [3200, 300], //      64 × 50, 6 × 50
      'leader-election': [800, 200], // 16 × 50, 4 × 50
      'workload-high': [6400, 300], //  128 × 50, 6 × 50
      'workload-low': [6400, 300], //   128 × 50, 6 × 50
      'global-default': [6400, 300], // 128 × 50, 6 × 50
    };
    for (const [name, [level, perFlow]] of Object.entries(expected)) {
      assert.equal(byName(name).queueCapacity, level, `${name} level`);
      assert.equal(byName(name).perFlowQueueCapacity, perFlow, `${name} per flow`);
    }
  });
});

void describe('levelLimits on a hand-made configuration', () => {
  const pl = (
    name: string,
    shares: number,
    lendablePercent: number,
    borrowingLimitPercent: number | null,
  ): PriorityLevel => ({
    name,
    exempt: false,
    shares,
    lendablePercent,
    borrowingLimitPercent,
    queues: 8,
    handSize: 2,
    queueLengthLimit: 10,
  });

  void it('scales with the server seats and honours a borrowing limit', () => {
    // Two levels, shares 1 and 3 of 100 seats: nominal ceil(25) = 25 and ceil(75) = 75.
    // Lendable: a 40% of 25 = 10, b 20% of 75 = 15.
    // a: borrowing limit 20% of 25 = 5 ⇒ min(others' lendable 15, 5) = 5 ⇒ max 30.
    // b: unlimited ⇒ 75 + 10 = 85.
    const [a, b] = levelLimits([pl('a', 1, 40, 20), pl('b', 3, 20, null)], 100, 10);
    assert.ok(a && b);
    assert.equal(a.nominalSeats, 25);
    assert.equal(b.nominalSeats, 75);
    assert.equal(a.lendableSeats, 10);
    assert.equal(b.lendableSeats, 15);
    assert.equal(a.maxSeatsWithBorrowing, 30);
    assert.equal(b.maxSeatsWithBorrowing, 85);
    // Max seats: a min(ceil(3.75)=4, floor(25/2)=12) = 4; b min(ceil(11.25)=12, floor(75/2)=37) = 12 → cap 10.
    assert.equal(a.maxSeatsPerRequest, 4);
    assert.equal(b.maxSeatsPerRequest, 10);
    // Queues: 8 × 10 = 80 per level, 2 × 10 = 20 per flow.
    assert.equal(a.queueCapacity, 80);
    assert.equal(a.perFlowQueueCapacity, 20);
  });

  void it('never gives a request fewer than 1 seat, even for a tiny level', () => {
    // 1 share of 1000 on a 10-seat server: nominal ceil(0.01) = 1; min(ceil(0.15)=1, floor(1/2)=0) = 0 → max(1, 0) = 1.
    const [tiny] = levelLimits([pl('tiny', 1, 0, null), pl('big', 999, 0, null)], 10, 10);
    assert.ok(tiny);
    assert.equal(tiny.nominalSeats, 1);
    assert.equal(tiny.maxSeatsPerRequest, 1);
  });
});
