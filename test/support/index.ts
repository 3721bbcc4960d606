// The one test support module: temp files and the repository root, the CLI runners (in-process and
// spawned), golden files. Tests import from here, not from the files behind it.
export { repoRoot, tempDir, writeTemp } from './files.js';
export { runCli, runCliInProcess, type CliRun, type CliRunOptions } from './cli.js';
export { assertGolden, goldenDir, unifiedDiff, updateGoldenCommand } from './golden.js';
