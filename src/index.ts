/**
 * Rampart as a library: `import { simulate, loadScenario, decide } from 'rampart'`. Everything a user
 * needs is re-exported here by name; modules not named here are internal and may change without notice.
 */

// Errors: one class with stable codes; the CLI maps them to exit codes.
export { ErrorCodes, RampartError, badInput, exitCodeFor, type ErrorCode } from './core/errors.js';
// Seeded randomness: the same seed gives the same run.
export { createRng, maxSeed, type Rng } from './core/random.js';

// Scenarios: load a file, or validate and resolve a document parsed from text.
export {
  loadScenario,
  resolveScenario,
  runWarnings,
  stepCount,
  type ClusterConfig,
  type DataPlaneConfig,
  type DnsConfig,
  type OperatorAction,
  type Scenario,
  type ScenarioWarning,
  type SimChange,
} from './config/scenario.js';
export { scenarioSchema, type ScenarioFile } from './config/scenario-schema.js';
export { parseYamlDocuments, validate, type YamlSource } from './config/yaml-source.js';
export { loadFleet, type FleetCluster, type FleetFile } from './config/fleet.js';
export type { ApiCall, ApiVerb, CallScope, ChangeSpec, WorkloadKind } from './model/api-profile.js';
export { signalDefs, signalNames, type SignalName } from './model/signals.js';

// Simulation: a scenario to its documented result, with the scenario's own rollout or under a policy.
export { simulate } from './sim/engine.js';
export {
  simEventTypes,
  type ClusterSeries,
  type ClusterSummary,
  type FleetSummary,
  type SimEvent,
  type SimEventType,
  type SimResult,
} from './sim/result.js';
export {
  policyForScenario,
  simulateWithPolicy,
  type PolicyRefOptions,
  type PolicyRunOptions,
} from './adapters/sim/policy-run.js';

// Preflight analysis: a change's cost at every cluster size.
export {
  analyzeWorkloads,
  runAnalysis,
  type AnalysisReport,
  type AnalyzeRequest,
  type AuditStats,
} from './analyze/run-analysis.js';
export { analyzeChange, type AnalyzeChangeOptions } from './analyze/analyze-change.js';
export { fleetTargets, ladderTargets, worstVerdict } from './analyze/targets.js';
export type {
  ClusterResult,
  ClusterTarget,
  Verdict,
  Workload,
  WorkloadAnalysis,
  WorkloadReport,
} from './analyze/types.js';

// Rollout policies: the file format, the builtins and the loader.
export {
  rolloutPolicySchema,
  type RolloutPolicyFile,
  type RolloutPolicyInput,
} from './config/policy-schema.js';
export { loadPolicyRef, loadRolloutPolicyFile, type PolicyOverrides } from './config/policy-loader.js';
export { builtinPolicies, builtinPolicyNames, type BuiltinPolicyName } from './config/builtin-policies.js';
export { resolvePolicy, type ResolvedRollout } from './rollout/policy-resolve.js';
export type { ResolvedPolicy } from './rollout/policy.js';

// The rollout controller: a pure decide(), its state, and an executor over the ports.
export { decide, type Decision } from './rollout/controller.js';
export { createRolloutState, type ClusterPhase, type RolloutState, type RunStatus } from './rollout/state.js';
export {
  noObservations,
  type ActionResult,
  type GateEvaluation,
  type Observations,
  type RolloutAction,
  type RolloutEvent,
  type SignalObservation,
} from './rollout/events.js';
export {
  createRolloutExecutor,
  type ExecutorOptions,
  type RolloutExecutor,
  type TickReport,
} from './rollout/executor.js';
export {
  memoryStateStore,
  type RolloutStateStore,
  type SyncRolloutStateStore,
} from './rollout/state-store.js';
export { fileStateStore } from './adapters/fs/state-file.js';
// The rollout's journal (what the controller saw and did) and the live rollout's HTML report drawn from it.
export {
  memoryJournal,
  type JournalEntry,
  type JournalRecorderOptions,
  type RolloutJournalSink,
} from './rollout/journal.js';
export { fileJournal, readJournal } from './adapters/fs/journal-file.js';
export { rolloutRecord, type RolloutRecord, type RolloutReportInput } from './report/rollout-record.js';
export { rolloutHtmlReport } from './report/rollout-html.js';

// Ports: what a live or simulated fleet implements for the controller.
export type {
  ActionOutcome,
  ApplyRequest,
  Awaitable,
  ChangeRef,
  ClusterClient,
  ClusterInfo,
  FenceRequest,
  FleetSupplier,
  MetricsSource,
  NodeSubsetLabel,
  RollbackRequest,
  SeatContext,
  SignalQuery,
  SignalReading,
  SignalSample,
  WorkloadStatus,
} from './rollout/ports.js';

// Break-glass, quarantine and fence: APF objects that keep an emergency path open.
export {
  additionObjects,
  breakGlassApf,
  fenceApf,
  quarantineApf,
  rampartServiceAccount,
  type ApfAddition,
  type BreakGlassOptions,
  type ServiceAccountRef,
} from './apf/breakglass.js';
export {
  renderManifests,
  type ApfObject,
  type FlowSchemaObject,
  type PriorityLevelConfigurationObject,
} from './apf/apf-manifests.js';

// Compare: policies × seeds on worker threads, scored and summarised.
export {
  runCompareJob,
  runCompareJobs,
  type CompareJob,
  type RunJobsOptions,
} from './compare/compare-run.js';
export { comparePolicy, runMetrics, type PolicyComparison, type RunMetrics } from './compare/compare.js';

// Sweep: a scenario's fields set to each combination of values, run on the same worker pool.
export {
  runSweepJob,
  runSweepJobs,
  sweepVariant,
  type SweepJob,
  type SweepVariant,
} from './compare/sweep-run.js';
export {
  loadScenarioWith,
  parseOverrideAxis,
  type OverrideAxis,
  type OverrideValue,
  type ScenarioOverride,
} from './config/scenario-overrides.js';
