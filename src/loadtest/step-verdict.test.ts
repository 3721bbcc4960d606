import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judgeStep, parseAgentSteps, parseHold, type StepMeasurement } from './step-verdict.js';

const base: StepMeasurement = {
  agents: 10,
  windowS: 60,
  requests: 1000,
  rejected: 0,
  unanswered: 0,
  p50S: 0.1,
  p99S: 0.5,
  serverP99S: 0.4,
  seatsInUse: 2,
  seatsLimit: 10,
  seatUtilization: 0.2,
  failedScrapes: 0,
  scrapes: 12,
};
const oneLine = (fn: () => unknown, re: RegExp): void =>
  assert.throws(
    fn,
    (e: Error) => e.name === 'RampartError' && !e.message.includes('\n') && re.test(e.message),
  );

describe('load step verdicts', () => {
  it('passes a step under every threshold', () => {
    assert.deepEqual(judgeStep(base), { verdict: 'ok', reasons: [] });
  });

  it('breaks at a 429 ratio above 1%, not at 1%', () => {
    assert.equal(judgeStep({ ...base, rejected: 10 }).verdict, 'ok');
    assert.equal(judgeStep({ ...base, rejected: 11 }).verdict, 'rejected');
  });

  it("breaks at the server's p99 above 2 s", () => {
    assert.equal(judgeStep({ ...base, serverP99S: 2 }).verdict, 'ok');
    const j = judgeStep({ ...base, serverP99S: 2.5 });
    assert.equal(j.verdict, 'latency');
    assert.match(j.reasons[0] ?? '', /p99 2\.50 s > 2 s/);
  });

  it("breaks at 90% of the level's seats, from the server's own sampling when there is one", () => {
    assert.equal(judgeStep({ ...base, seatUtilization: 0.9 }).verdict, 'seats');
    assert.equal(judgeStep({ ...base, seatUtilization: 0.89, seatsInUse: 10 }).verdict, 'ok');
    assert.equal(judgeStep({ ...base, seatUtilization: null, seatsInUse: 9 }).verdict, 'seats');
  });

  it('lists every broken threshold, the first names the verdict', () => {
    const j = judgeStep({ ...base, rejected: 500, serverP99S: 16, seatUtilization: 1 });
    assert.equal(j.verdict, 'rejected');
    assert.equal(j.reasons.length, 3);
  });

  it('calls a cluster that stopped answering unreachable', () => {
    assert.equal(judgeStep({ ...base, unanswered: 600 }).verdict, 'unreachable');
    assert.equal(judgeStep({ ...base, failedScrapes: 12 }).verdict, 'unreachable');
    assert.equal(judgeStep({ ...base, requests: 0, failedScrapes: 1 }).verdict, 'unreachable');
    assert.equal(judgeStep({ ...base, failedScrapes: 3 }).verdict, 'ok');
  });

  it('parses --agents and --hold, refusing bad input with one line', () => {
    assert.deepEqual(parseAgentSteps('1,10, 50,100'), [1, 10, 50, 100]);
    oneLine(() => parseAgentSteps('10,5'), /must increase/);
    oneLine(() => parseAgentSteps('1,x'), /"x" is not a whole number/);
    oneLine(() => parseAgentSteps('0'), /from 1 to 100000/);
    oneLine(() => parseAgentSteps(''), /not a whole number/);
    assert.equal(parseHold('60s'), 60);
    assert.equal(parseHold('2m'), 120);
    oneLine(() => parseHold('1s'), /from 5s to 1h/);
    oneLine(() => parseHold('soon'), /not a duration/);
  });
});
