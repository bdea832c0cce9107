// Entry point of the `star` command (bin/star.js loads this file through tsx).
import { runStar } from './dispatch';

void runStar(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
