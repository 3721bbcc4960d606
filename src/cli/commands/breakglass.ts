import { Option } from 'commander';
import { renderManifests } from '../../apf/apf-manifests.js';
import {
  additionObjects,
  breakGlassApf,
  defaultServerSeats,
  parseServiceAccountRef,
  quarantineApf,
  fenceApf,
  rampartServiceAccount,
} from '../../apf/breakglass.js';
import { wholeNumberArg } from '../whole-number.js';
import type { RegisterCommand } from './context.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Seats are per API server: a server has a few thousand at most, so more is a slipped digit. */
const maxSeats = 1_000_000;
const positiveInt = (flag: string): ((v: string) => number) => wholeNumberArg(flag, 1, maxSeats);

/** `rampart breakglass manifests|quarantine`: prints APF objects for `kubectl apply -f -`. */
export const registerBreakglass: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('breakglass')
    .description('print API Priority and Fairness objects that keep the API usable during saturation')
    .addHelpText(
      'after',
      '\nExamples:\n  rampart breakglass manifests --group oncall | kubectl apply -f -\n' +
        '  rampart breakglass fence --serviceaccount kube-system/telemetry-agent | kubectl apply -f -\n',
    );

  cmd
    .command('manifests')
    .description(
      'reserve API server seats (lent to nobody) for on-call and Rampart, ahead of the default flow schemas',
    )
    .option('--group <name>', 'an on-call group to give reserved seats (repeatable)', collect, [])
    .option(
      '--serviceaccount <ns/name>',
      `a service account to give reserved seats (repeatable; default ${rampartServiceAccount.namespace}/${rampartServiceAccount.name})`,
      collect,
      [],
    )
    .addOption(
      new Option('--seats <n>', 'seats to reserve on each API server')
        .argParser(positiveInt('--seats'))
        .default(20),
    )
    .addOption(serverSeatsOption())
    .addHelpText(
      'after',
      '\nExample:\n  rampart breakglass manifests --group oncall --serviceaccount rampart-system/rampart | kubectl apply -f -\n' +
        exitCodes,
    )
    .action((opts: { group: string[]; serviceaccount: string[]; seats: number; serverSeats: number }) => {
      const add = breakGlassApf({
        groups: opts.group,
        serviceAccounts: opts.serviceaccount.map((s) => parseServiceAccountRef(s)),
        seats: opts.seats,
        serverSeats: opts.serverSeats,
      });
      const who = add.flowSchema.subjects.map((s) => `${s.kind} ${s.name}`).join(', ');
      io.out(`# Break-glass: ≥${opts.seats} reserved seats per API server for ${who}.\n`);
      io.out(
        renderManifests(additionObjects(add, `break-glass: ${opts.seats} reserved seats per API server`)),
      );
    });

  cmd
    .command('quarantine')
    .description('route a workload to a tiny priority level (1 share, no lending or borrowing)')
    .requiredOption('--serviceaccount <ns/name>', 'the offending service account')
    .option('--reject', 'reject its requests over the limit at once (429) instead of queuing a few')
    .addHelpText(
      'after',
      '\nExample:\n  rampart breakglass quarantine --serviceaccount telemetry/collector | kubectl apply -f -\n' +
        exitCodes,
    )
    .action((opts: { serviceaccount: string; reject?: boolean }) => {
      const sa = parseServiceAccountRef(opts.serviceaccount);
      const add = quarantineApf({ serviceAccount: sa, reject: opts.reject ?? false });
      io.out(
        `# Quarantine: ${sa.namespace}/${sa.name} → ${add.priorityLevel.name}. Delete the FlowSchema to release it.\n`,
      );
      io.out(renderManifests(additionObjects(add, 'quarantine for offending clients')));
    });

  cmd
    .command('fence')
    .description(
      'fence a change while it rolls out: route its service account to a small level of its own (no lending or borrowing)',
    )
    .requiredOption('--serviceaccount <ns/name>', "the change's service account")
    .addOption(
      new Option('--seats <n>', 'seats per API server; few, since each admits one large request at a time')
        .argParser(positiveInt('--seats'))
        .default(2),
    )
    .addOption(serverSeatsOption())
    .addHelpText(
      'after',
      '\nExample:\n  rampart breakglass fence --serviceaccount kube-system/telemetry-agent | kubectl apply -f -\n' +
        'Delete the FlowSchema to lift the fence once the change has proven itself.\n' +
        exitCodes,
    )
    .action((opts: { serviceaccount: string; seats: number; serverSeats: number }) => {
      const sa = parseServiceAccountRef(opts.serviceaccount);
      const add = fenceApf({ serviceAccount: sa, seats: opts.seats, serverSeats: opts.serverSeats });
      io.out(
        `# Rollout fence: ${sa.namespace}/${sa.name} → ${add.priorityLevel.name}, ${opts.seats} seat(s) per API server.\n`,
      );
      io.out(renderManifests(additionObjects(add, `rollout fence: ${opts.seats} seats per API server`)));
    });
};

/** The API server's total seats: what a level's shares are computed against. */
function serverSeatsOption(): Option {
  return new Option(
    '--server-seats <n>',
    'seats per API server (--max-requests-inflight + --max-mutating-requests-inflight)',
  )
    .argParser(positiveInt('--server-seats'))
    .default(defaultServerSeats);
}

const exitCodes = 'Exit codes: 0 ok, 2 bad input (one line naming what to fix), 70 internal error.\n';
