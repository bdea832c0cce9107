/**
 * torchrun's failure report, read from the trainer's output. When a rank exits with status 2 (bad input:
 * a config the trainer refuses), torchrun stops the others and exits 1 itself; its report names the
 * first rank to fail and that rank's exit code. The host reads it, so bad input under torchrun fails
 * at once instead of being retried like a crash.
 */
const ROOT_CAUSE = /^Root Cause \(first observed failure\):/;
const EXIT_CODE = /^\s*exitcode\s*:\s*(-?\d+)/;
const SECTION_END = /^={20,}/;

export class LauncherReport {
  private inRootCause = false;
  /** The exit status of the rank torchrun names as the root cause of its failure, once seen. */
  rootCauseExit: number | undefined;

  see(line: string): void {
    if (ROOT_CAUSE.test(line)) {
      this.inRootCause = true;
      return;
    }
    if (!this.inRootCause) return;
    const code = EXIT_CODE.exec(line);
    if (code) {
      this.rootCauseExit = Number(code[1]);
      this.inRootCause = false;
    } else if (SECTION_END.test(line)) this.inRootCause = false;
  }
}
