import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { levelLimits } from '../cost/apf-capacity.js';
import { classify } from '../cost/classify.js';
import { onCallIdentity } from '../cost/flows.js';
import { defaultFlowSchemas, defaultPriorityLevels, serviceAccountIdentity } from '../model/apf.js';
import {
  additionObjects,
  breakGlassApf,
  parseServiceAccountRef,
  quarantineApf,
  fenceApf,
  rampartIdentity,
  sharesForSeats,
  quarantinePrecedence,
  breakGlassPrecedence,
} from './breakglass.js';
import { renderManifests } from './apf-manifests.js';
import { parseApfDocs as parseDocs } from './apf-v1-shape.fixture.js';

/** The flowcontrol.apiserver.k8s.io/v1 shapes, strict: a misspelt or invented field fails the test. */
void describe('break-glass', () => {
  void it('sizes shares so the new level gets at least the seats asked for, and no more shares than needed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), (seats) => {
        const shares = sharesForSeats(seats, 600, 245);
        const nominal = (s: number): number =>
          levelLimits(
            [
              ...defaultPriorityLevels,
              { ...breakGlassApf({ groups: [], serviceAccounts: [], seats }).priorityLevel, shares: s },
            ],
            600,
            10,
          ).at(-1)?.nominalSeats ?? 0;
        assert.ok(nominal(shares) >= seats);
        assert.ok(shares === 1 || nominal(shares - 1) < seats);
      }),
    );
    assert.equal(sharesForSeats(20, 600, 245), 9); // ceil(600 × 9 / 254) = 22 ≥ 20; 8 shares give 19
  });

  void it('reserves seats lent to nobody, ahead of the default schemas, for on-call and Rampart', () => {
    const add = breakGlassApf({ groups: ['oncall'], serviceAccounts: [], seats: 20 });
    const limits = levelLimits([...defaultPriorityLevels, add.priorityLevel], 600, 10).at(-1);
    assert.equal(limits?.lendableSeats, 0);
    assert.ok((limits?.guaranteedSeats ?? 0) >= 20);
    const schemas = [...defaultFlowSchemas, add.flowSchema];
    assert.equal(
      classify(schemas, rampartIdentity, 'delete', 'daemonsets').priorityLevel,
      'rampart-break-glass',
    );
    assert.equal(classify(schemas, onCallIdentity, 'get', 'pods').priorityLevel, 'rampart-break-glass');
    const other = serviceAccountIdentity('telemetry', 'collector');
    assert.equal(
      classify(schemas, other, 'list', 'pods').priorityLevel,
      'workload-low',
      'everyone else is unaffected',
    );
  });

  void it('quarantine routes only the offender to a tiny level that cannot borrow', () => {
    const add = quarantineApf({ serviceAccount: { namespace: 'kube-system', name: 'noisy' } });
    assert.equal(add.priorityLevel.shares, 1);
    assert.equal(add.priorityLevel.lendablePercent, 0);
    assert.equal(add.priorityLevel.borrowingLimitPercent, 0);
    const schemas = [...defaultFlowSchemas, add.flowSchema];
    // Ahead of kube-system-service-accounts (900): even a kube-system offender is caught.
    assert.equal(
      classify(schemas, serviceAccountIdentity('kube-system', 'noisy'), 'list', 'pods').priorityLevel,
      'rampart-quarantine',
    );
    assert.equal(
      classify(schemas, serviceAccountIdentity('kube-system', 'coredns'), 'list', 'pods').priorityLevel,
      'workload-high',
    );
    assert.equal(
      quarantineApf({ serviceAccount: { namespace: 'a', name: 'b' }, reject: true }).priorityLevel.queues,
      0,
    );
  });

  void it('the rollout fence routes the change to its own level, ahead of the defaults, lending and borrowing nothing', () => {
    const add = fenceApf({ serviceAccount: { namespace: 'kube-system', name: 'telemetry-agent' }, seats: 2 });
    assert.equal(add.priorityLevel.name, 'rampart-rollout-fence');
    assert.equal(add.priorityLevel.lendablePercent, 0);
    assert.equal(add.priorityLevel.borrowingLimitPercent, 0);
    const limits = levelLimits([...defaultPriorityLevels, add.priorityLevel], 600, 10);
    const fence = limits.find((l) => l.name === 'rampart-rollout-fence');
    assert.ok(fence);
    // NominalCL = ceil(600 × shares / (245 + shares)) ≥ 2, and nothing more with borrowing.
    assert.ok(fence.guaranteedSeats >= 2 && fence.guaranteedSeats <= 3, String(fence.guaranteedSeats));
    assert.equal(fence.maxSeatsWithBorrowing, fence.guaranteedSeats);
    // A level this small caps every request at one seat (§2.3): seats = concurrent large LISTs.
    assert.equal(fence.maxSeatsPerRequest, 1);
    const schemas = [...defaultFlowSchemas, add.flowSchema];
    assert.equal(
      classify(schemas, serviceAccountIdentity('kube-system', 'telemetry-agent'), 'list', 'pods')
        .priorityLevel,
      'rampart-rollout-fence',
    );
    assert.equal(
      classify(schemas, serviceAccountIdentity('kube-system', 'coredns'), 'list', 'pods').priorityLevel,
      'workload-high',
    );
    // Quarantine still wins over the fence, and the fence over break-glass.
    assert.ok(quarantinePrecedence < add.flowSchema.matchingPrecedence);
    assert.ok(add.flowSchema.matchingPrecedence < breakGlassPrecedence);
  });

  void it('renders valid v1 objects (parsed back, strict shape)', () => {
    const add = breakGlassApf({
      groups: ['oncall', 'sre'],
      serviceAccounts: [{ namespace: 'rampart-system', name: 'rampart' }],
      seats: 30,
    });
    const [plc, fs] = parseDocs(renderManifests(additionObjects(add, 'test')));
    assert.ok(plc?.kind === 'PriorityLevelConfiguration' && fs?.kind === 'FlowSchema');
    assert.equal(plc.spec.limited.lendablePercent, 0);
    assert.equal(plc.spec.limited.limitResponse.type, 'Queue');
    assert.equal(fs.spec.priorityLevelConfiguration.name, plc.metadata.name);
    assert.ok(fs.spec.matchingPrecedence > 1 && fs.spec.matchingPrecedence < 400);
    assert.deepEqual(fs.spec.rules[0]?.subjects, [
      { kind: 'Group', group: { name: 'oncall' } },
      { kind: 'Group', group: { name: 'sre' } },
      { kind: 'ServiceAccount', serviceAccount: { namespace: 'rampart-system', name: 'rampart' } },
    ]);
    assert.deepEqual(fs.spec.rules[0]?.nonResourceRules, [{ verbs: ['*'], nonResourceURLs: ['*'] }]);
  });

  void it('parses namespace/name and rejects anything else in one line', () => {
    assert.deepEqual(parseServiceAccountRef('telemetry/collector'), {
      namespace: 'telemetry',
      name: 'collector',
    });
    assert.throws(
      () => parseServiceAccountRef('collector'),
      /--serviceaccount: "collector" is not namespace\/name/,
    );
    assert.throws(() => sharesForSeats(400, 600, 245), /--seats: 400 must be a whole number from 1 to 300/);
  });
});
