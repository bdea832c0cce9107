import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LauncherReport } from '../../host/launcher-report';

/** torchrun's report (torch 2.15) when rank 1 exited with status 2 and rank 0 was stopped after it. */
const REPORT = `torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
star_trainer.train FAILED
------------------------------------------------------------
Failures:
[1]:
  time      : 2026-12-06_15:16:28
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : -15 (pid: 427)  (SIGTERM)
  error_file: <N/A>
  traceback : Signal 15 (SIGTERM) received by PID 427
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-06_15:16:27
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : 2 (pid: 428)
  error_file: <N/A>
  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
============================================================`;

function read(text: string): LauncherReport {
  const report = new LauncherReport();
  for (const line of text.split('\n')) report.see(line);
  return report;
}

void describe("torchrun's failure report", () => {
  void it('names the exit status of the root-cause rank, not of the ranks stopped after it', () => {
    assert.equal(read(REPORT).rootCauseExit, 2);
  });

  void it('names a crash as a crash (a rank killed by SIGKILL)', () => {
    assert.equal(read(REPORT.replace('exitcode  : 2 (pid: 428)', 'exitcode  : -9 (pid: 428)')).rootCauseExit, -9);
  });

  void it('names nothing when the output holds no report, or a report without a root cause', () => {
    assert.equal(read('step 1 loss 2.5\nexitcode  : 2\ntraining completed!').rootCauseExit, undefined);
    assert.equal(read(REPORT.replace(/Root Cause[\s\S]*$/, '')).rootCauseExit, undefined);
  });
});
