// The README's test command: build, type-check, run vitest, and end with one plain line
// "N passed, N failed" that CI reads. .ci/run runs it once per Node version and sums the runs:
// PROCTOP_TEST_RUN=NAME prints "NAME run: N passed / N failed" instead (so only CI's summed line
// has the plain form) and writes the counts to .test-counts-NAME.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const require = createRequire(import.meta.url);
const node = process.execPath;
const results = '.vitest-results.json';

const build = spawnSync(node, ['scripts/build.mjs', '--no-types'], { stdio: 'inherit' });
/** Runs a command to its end, inheriting stdio; resolves its exit status. */
const runNode = (args) => new Promise((resolve) => spawn(node, args, { stdio: 'inherit' }).once('close', (code) => resolve({ status: code })));
// Type-check tests and sources, and refresh the library's declarations (dist/types) alongside.
const tsc = require.resolve('typescript/bin/tsc');
const [typecheck, declarations] = await Promise.all([runNode([tsc, '-p', 'tsconfig.test.json']), runNode([tsc, '-p', 'tsconfig.json', '--emitDeclarationOnly'])]);
rmSync(results, { force: true });
const vitest = spawnSync(
  node,
  [join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile=${results}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
/** The first non-empty line of a failure message, shortened for a one-line summary. */
const firstLine = (text) => (String(text ?? '').split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 300);
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, 'utf8'));
  passed = report.numPassedTests ?? 0;
  // A suite that failed to load has no failed assertions of its own: count it once.
  const brokenSuites = (report.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && !(suite.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  failed = (report.numFailedTests ?? 0) + brokenSuites;
  // Name what failed, so the end of a long log (all CI keeps) says which test and why.
  for (const suite of report.testResults ?? []) {
    const file = relative(process.cwd(), suite.name ?? '');
    const failedTests = (suite.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const test of failedTests) failures.push(`${file} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    if (suite.status === 'failed' && failedTests.length === 0) failures.push(`${file}: ${firstLine(suite.message)}`);
  }
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
} else {
  failed += 1;
}
// A failed build or type-check counts as a failure of its own.
if (build.status !== 0) { console.error('build failed'); failed += 1; }
if (typecheck.status !== 0) { console.error('type-check failed'); failed += 1; }
if (declarations.status !== 0) { console.error('type declarations (dist/types) not emitted'); failed += 1; }
// Vitest fails a run with every test green when an error escaped the tests (an unhandled
// rejection or exception): count it, so the summary line never says 0 failed on a failed run.
if (vitest.status !== 0 && failed === 0) { console.error('vitest failed outside the tests (unhandled errors)'); failed += 1; }
for (const failure of failures) console.log(`FAILED ${failure}`);
const run = process.env.PROCTOP_TEST_RUN;
if (run) {
  writeFileSync(`.test-counts-${run}.json`, `${JSON.stringify({ node: process.version, passed, failed, skipped, failures })}\n`);
  console.log(`${run} run (Node ${process.version}): ${passed} passed / ${failed} failed${skipped ? ` / ${skipped} skipped` : ''}`);
} else {
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}
process.exit(failed > 0 || vitest.status !== 0 ? 1 : 0);
