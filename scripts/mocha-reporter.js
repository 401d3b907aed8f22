'use strict';
// Mocha's spec reporter, plus a last line `N passed, N failed` that CI reads.
const Mocha = require('mocha');

class SpeadReporter extends Mocha.reporters.Spec {
  epilogue() {
    super.epilogue();
    const { passes, failures, pending } = this.stats;
    process.stdout.write(`${passes} passed, ${failures} failed` + (pending ? `, ${pending} skipped` : '') + '\n');
  }
}

module.exports = SpeadReporter;
