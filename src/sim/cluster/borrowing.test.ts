import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { levelLimits } from '../../cost/apf-capacity.js';
import { defaultPriorityLevels } from '../../model/apf.js';
import { Borrowing, seatDemandSmoothing } from './borrowing.js';
import { ClassState } from './class-state.js';

// Reference §2.2 at ServerCL 600: workload-low nominal 245, guaranteed 24, at most 368 with borrowing;
// the other limited levels guarantee 13 + 50 + 73 + 25 + 49 + 24 = 234 seats; nominal seats add up to 602.
const limits = levelLimits(defaultPriorityLevels, 600, 10);
const at = (name: string): number => limits.findIndex((l) => l.name === name);
const WL = at('workload-low');
const WH = at('workload-high');

function setup(): { state: ClassState; borrowing: Borrowing; demand: Float64Array } {
  const state = new ClassState(1, limits.length);
  const borrowing = new Borrowing(limits, state);
  borrowing.reset();
  return { state, borrowing, demand: new Float64Array(limits.length) };
}

/** Steps of 2 s with per-server demand `demand`, `seconds` long; adjustments every 10 s. */
function run(b: Borrowing, demand: Float64Array, seconds: number): void {
  for (let t = 0; t < seconds; t += 2) b.integrate(demand, 1, 2, 10);
}

void describe('Borrowing (APF limits adjusted every 10 s on smoothed seat demand)', () => {
  it('starts every level at its nominal seats and moves only at the end of a 10-s period', () => {
    const { state, borrowing, demand } = setup();
    assert.equal(state.levelCurrentLimit[WL], 245);
    demand[WL] = 5_000;
    run(borrowing, demand, 8);
    assert.equal(state.levelCurrentLimit[WL], 245, 'no adjustment before 10 s');
    run(borrowing, demand, 2);
    // Everything the other levels can lend: 602 − 234 = 368, its borrowing limit.
    assert.equal(state.levelCurrentLimit[WL], 368);
    for (const [l, lim] of limits.entries())
      if (l !== WL && !lim.exempt) assert.equal(state.levelCurrentLimit[l], lim.guaranteedSeats, lim.name);
  });

  it('keeps a level that went quiet its seats for minutes (smoothed demand, 5-minute half-life)', () => {
    const { state, borrowing, demand } = setup();
    demand[WL] = 400;
    run(borrowing, demand, 60);
    demand[WL] = 0;
    demand[WH] = 400;
    run(borrowing, demand, 10);
    // workload-low's claim decays by 0.977 per period, so it still holds about half the lendable seats.
    const wl = state.levelCurrentLimit[WL] ?? 0;
    const wh = state.levelCurrentLimit[WH] ?? 0;
    assert.ok(wl > 150 && wh < 300, `workload-low ${wl}, workload-high ${wh}`);
    assert.ok(Math.abs((state.levelSmoothedDemand[WL] ?? 0) - 400 * seatDemandSmoothing) < 1e-6);
    run(borrowing, demand, 1_800);
    assert.equal(state.levelSmoothedDemand[WL], limits[WL]?.guaranteedSeats, 'back to its floor');
    assert.ok((state.levelCurrentLimit[WH] ?? 0) >= 300, `workload-high ${state.levelCurrentLimit[WH]}`);
  });

  it('comes to rest: a quiet server adjusts to the same limits every period', () => {
    const { state, borrowing, demand } = setup();
    demand[WH] = 3;
    let moved = true;
    for (let k = 0; k < 10 && moved; k++) {
      moved = false;
      for (let s = 0; s < 5; s++) moved = borrowing.integrate(demand, 1, 2, 10) || moved;
    }
    assert.equal(moved, false);
    const limitsNow = Array.from(state.levelCurrentLimit);
    run(borrowing, demand, 100);
    assert.deepEqual(Array.from(state.levelCurrentLimit), limitsNow);
  });
});
