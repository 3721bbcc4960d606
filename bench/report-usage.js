// @ts-check
// Preloaded into a benchmarked process (`node --import ./bench/report-usage.js …`): at exit, one JSON line on
// stderr with its peak RSS and how long it ran since it started, which its parent cannot read once it is gone.
process.on('exit', () => {
  const usage = { maxRssMB: process.resourceUsage().maxRSS / 1024, processS: performance.now() / 1000 };
  process.stderr.write(`${JSON.stringify(usage)}\n`);
});
