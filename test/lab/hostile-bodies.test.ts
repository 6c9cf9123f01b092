// A hostile registry's bodies against the real client, each scenario in a child process: a body
// announced far over a cap, trickled, stalled, cut short or garbled must end the operation with a
// CoreError (or let it succeed) in bounded time, and must never end the process with an unhandled
// error, as it once ended VS Code's extension host.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { ChildReport } from '../support/lab/hostile-child';
import { SCENARIOS } from '../support/lab/hostile-scenarios';

const CHILD = join(__dirname, '../support/lab/hostile-child.js');

interface ChildRun {
  exitCode: number | null;
  stderr: string;
  report?: ChildReport;
}

function runChild(args: string[], timeoutMs = 60_000): Promise<ChildRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--enable-source-maps', CHILD, ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop();
        let report: ChildReport | undefined;
        try {
          report = line ? (JSON.parse(line) as ChildReport) : undefined;
        } catch {
          report = undefined;
        }
        resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr, report });
      },
    );
  });
}

/** The child lived to report: no unhandled error ended it. */
function assertSurvived(run: ChildRun): ChildReport {
  assert.equal(run.exitCode, 0, `the process ended with ${run.exitCode}:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /UNHANDLED/, run.stderr);
  assert.ok(run.report, `no report:\n${run.stderr}`);
  return run.report;
}

describe("a hostile registry's response bodies", function () {
  this.timeout(60_000);

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const expected = scenario.expect;
    const title =
      expected.outcome === 'rejected'
        ? `${name}: fails with ${expected.code}, and the process lives on`
        : `${name}: succeeds, and the process lives on`;
    it(title, async function () {
      const report = assertSurvived(await runChild([name]));
      assert.notEqual(report.outcome, 'hung', 'the operation did not end within 15 s');
      if (expected.outcome === 'rejected') {
        assert.equal(report.outcome, 'rejected', `it resolved to ${JSON.stringify(report.value)}`);
        assert.ok(report.coreError, `not a CoreError: ${report.name} ${report.code}: ${report.message}`);
        assert.equal(report.code, expected.code, report.message);
        // A sentence with a next step, never a bare library message.
        assert.match(report.message ?? '', /\.$/);
        assert.doesNotMatch(report.message ?? '', /UND_ERR|other side closed|This operation was aborted/);
      } else {
        assert.equal(report.outcome, 'resolved', `${report.code}: ${report.message}`);
        if ('value' in expected) assert.deepEqual(report.value, expected.value);
      }
    });
  }

  it("never raises an unhandled error or a raw one, whatever a manifest answer's status, length and ending (property)", async function () {
    this.timeout(150_000);
    const seed = Date.now() % 100_000;
    const run = await runChild(['--property', '25', String(seed)], 140_000);
    const report = assertSurvived(run);
    assert.equal(report.outcome, 'resolved', `seed ${seed}: ${report.message}`);
  });
});
