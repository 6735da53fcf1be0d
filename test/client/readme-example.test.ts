/**
 * The README's SDK example, run as a reader would: its code block written to a file at the project's
 * root and run with tsx (a CommonJS package: no top-level await) against a server, from a folder of
 * its own (its `.todo/` lands there). It must register, print each state of the Inbox once, and exit;
 * run again without its folder, it must log in (the email is taken) and carry on.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { projectRoot } from '../../dev/kit';
import { useServer } from '../support/server';

const run = promisify(execFile);

/** The states the example printed, each as its lines. */
const statesOf = (stdout: string): string[][] =>
  stdout
    .split('--- Inbox\n')
    .slice(1)
    .map((state) => state.trimEnd().split('\n'));

describe('README: the SDK example', function () {
  this.timeout(90_000);
  const server = useServer();

  it('runs as written: registers (then logs in), prints each state once, and exits', async () => {
    const root = projectRoot;
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Client SDK')))?.[1];
    expect(code, 'a ts block in the README section "Client SDK"').to.be.a('string');
    const file = path.join(root, `.readme-example-${process.pid}.ts`);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-readme-'));
    fs.writeFileSync(file, code!);
    try {
      const example = () =>
        run(process.execPath, [require.resolve('tsx/cli'), file], {
          cwd,
          env: { ...process.env, TODO_URL: server().url },
          timeout: 60_000,
        });
      const first = await example();
      expect(statesOf(first.stdout)).to.deep.equal([
        ['(empty)'],
        ['· Buy milk (not sent yet)'],
        ['· Buy milk'],
        ['✓ Buy milk (not sent yet)'],
        ['✓ Buy milk'],
      ]);
      expect(fs.readdirSync(path.join(cwd, '.todo'))).to.include('todo.session.json');

      fs.rmSync(path.join(cwd, '.todo'), { recursive: true }); // no stored session: register says email_taken
      const second = statesOf((await example()).stdout);
      expect(second[0]).to.deep.equal(['✓ Buy milk']);
      expect(second.at(-1)).to.deep.equal(['✓ Buy milk', '✓ Buy milk']);
      second.slice(1).forEach((state, i) => expect(state, 'a state printed twice').to.not.deep.equal(second[i]));
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
