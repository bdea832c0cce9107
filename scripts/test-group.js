// One process of the fast tier (scripts/run-tests.js --fast): asks its parent for a test file, imports
// it, and asks for the next once that file's tests have finished, so a process that drew short files
// takes more of them. Node's runner runs top-level tests one after another in the order they were
// registered, so a test registered after a file's own (`<file> finished`, left out of the totals the
// parent prints) is reached only when they are all done.
'use strict';
const { test } = require('node:test');
const { relative, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');

function nextFile() {
  return new Promise((done) => {
    process.once('message', (message) => done(message.file));
    process.send({ ready: true });
  });
}

(async () => {
  for (let path = await nextFile(); path; path = await nextFile()) {
    const file = relative(process.cwd(), path);
    try {
      await import(pathToFileURL(resolve(path)).href);
    } catch (err) {
      test(`${file} loads`, () => {
        throw err;
      });
    }
    await new Promise((finished) => test(`${file} finished`, () => finished()));
  }
  process.disconnect();
})();
