'use strict';
// Prints every C++ source under native/, one per line, for binding.gyp.
// Listing them here rather than by hand keeps binding.gyp out of every change
// that adds a file.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const found = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'tests') walk(rel);
    } else if (entry.name.endsWith('.cpp')) {
      found.push(rel);
    }
  }
})('native');
process.stdout.write(found.sort().join('\n') + '\n');
