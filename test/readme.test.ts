import { expect } from 'chai';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');

/** The ```ts blocks of the README section under `heading`. */
function snippets(heading: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section '${heading}'`);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Runs a snippet as a user's program would (top-level await, `import from 'spead'`), in a child process. */
function runSnippet(code: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const program = `(async () => {\n${js.replace(/require\("spead"\)/g, JSON.stringify(path.join(ROOT, 'dist', 'index.js')).replace(/^/, 'require(') + ')')}\n})().catch((e) => { console.error(e); process.exit(1); });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', program], { timeout: 30000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('README snippets run', () => {
  it('Heaps a batch at a time: 100 heaps through stream.batches()', async () => {
    const [code] = snippets('Heaps a batch at a time');
    const r = await runSnippet(code);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('100');
  });

  it('Item values: a >u4 ramp sent and received in memory, valid after release()', async () => {
    const [code] = snippets('Item values');
    const r = await runSnippet(code);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('4095');
    expect(r.stderr).to.equal('');
  });
});
