/**
 * The storage acceptance suite: what the client needs of a ClientStorage, run against every
 * implementation (after automerge-repo's runStorageAdapterTests). A new storage passes it before a
 * client is given it: `runStorageTests(name, setup)`. IndexedDB, which needs a browser, is run by
 * browser.test.ts through a client that reloads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { browserStorage, memoryStorage, type ClientStorage } from '../../sdk/index';
import { fileStorage } from '../../sdk/node';

interface StorageSetup {
  storage: ClientStorage;
  /** Another handle on the same place (a reload, another process): for a storage that outlives its object. */
  reopen?: () => ClientStorage;
  teardown?: () => void;
}

interface StorageTraits {
  /** Outlives its object (a reload reads what was written): memory storage does not, by design. */
  persistent: boolean;
}

/** The keys the client writes, and a few that a careless encoding would confuse. */
const KEYS = ['todo.session', 'todo.replica', 'todo.queue', 'todo.device', 'a/b', 'a%2Fb', 'a_b', '..', 'ü:ß'];

export function runStorageTests(name: string, setup: () => StorageSetup, traits: StorageTraits): void {
  describe(`ClientStorage acceptance: ${name}`, () => {
    let s: StorageSetup;
    beforeEach(() => (s = setup()));
    afterEach(() => s.teardown?.());

    it('answers undefined for a key never written', async () => {
      expect(await s.storage.get('todo.session')).to.equal(undefined);
    });

    it('gives back what was set, the last value set, and undefined once removed', async () => {
      await s.storage.set('todo.queue', '{"v":1}');
      expect(await s.storage.get('todo.queue')).to.equal('{"v":1}');
      await s.storage.set('todo.queue', '{"v":2}');
      expect(await s.storage.get('todo.queue')).to.equal('{"v":2}');
      await s.storage.remove('todo.queue');
      expect(await s.storage.get('todo.queue')).to.equal(undefined);
    });

    it('removes a key never written without failing', async () => {
      await s.storage.remove('todo.device');
      expect(await s.storage.get('todo.device')).to.equal(undefined);
    });

    it('keeps every key apart, whatever its characters', async () => {
      await Promise.all(KEYS.map((key) => s.storage.set(key, `value of ${key}`)));
      for (const key of KEYS) expect(await s.storage.get(key), key).to.equal(`value of ${key}`);
      await s.storage.remove('a/b');
      expect(await s.storage.get('a/b')).to.equal(undefined);
      expect(await s.storage.get('a%2Fb')).to.equal('value of a%2Fb');
      expect(await s.storage.get('a_b')).to.equal('value of a_b');
    });

    it('keeps a value exactly: empty, unicode, and large', async () => {
      const values = ['', ' ', 'line\nbreak', '✓ Buy milk 🥛', JSON.stringify({ title: 'x'.repeat(2_000_000) })];
      for (const value of values) {
        await s.storage.set('todo.replica', value);
        expect(await s.storage.get('todo.replica')).to.equal(value);
      }
    });

    it('applies calls in the order made, not waited for: a read sees every write called before it', async () => {
      const writes = [
        s.storage.set('todo.queue', 'first'),
        s.storage.set('todo.queue', 'second'),
        s.storage.remove('todo.queue'),
        s.storage.set('todo.queue', 'last'),
      ];
      const read = s.storage.get('todo.queue');
      s.storage.set('todo.queue', 'after the read').catch(() => undefined);
      expect(await read).to.equal('last');
      await Promise.all(writes);
      expect(await s.storage.get('todo.queue')).to.equal('after the read');
    });

    it('takes many writes to many keys at once, and keeps each last one', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
      await Promise.all(keys.flatMap((key) => [1, 2, 3].map((n) => s.storage.set(key, `${key}:${n}`))));
      expect(await Promise.all(keys.map((key) => s.storage.get(key)))).to.deep.equal(keys.map((k) => `${k}:3`));
    });

    if (!traits.persistent) return;

    it('outlives its object: another handle on the same place reads what was written', async () => {
      expect(s.reopen, "a persistent storage's setup gives reopen()").to.be.a('function');
      await s.storage.set('todo.session', 'kept');
      await s.storage.set('todo.queue', 'gone');
      await s.storage.remove('todo.queue');
      const again = s.reopen!();
      expect(await again.get('todo.session')).to.equal('kept');
      expect(await again.get('todo.queue')).to.equal(undefined);
    });
  });
}

/** A localStorage as browsers have it (strings only, one namespace per origin). */
function fakeLocalStorage(): {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
} {
  const data = new Map<string, string>();
  return {
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

runStorageTests('memoryStorage()', () => ({ storage: memoryStorage() }), { persistent: false });

runStorageTests(
  'fileStorage(dir)',
  () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'todo-storage-')), 'not made yet');
    return {
      storage: fileStorage(dir),
      reopen: () => fileStorage(dir),
      teardown: () => fs.rmSync(path.dirname(dir), { recursive: true, force: true }),
    };
  },
  { persistent: true },
);

runStorageTests(
  'browserStorage() over localStorage (no IndexedDB)',
  () => {
    const g = globalThis as { localStorage?: unknown };
    const ls = fakeLocalStorage();
    g.localStorage = ls;
    // a second prefix on the same localStorage: its keys must not be seen by this one
    void browserStorage('other-app').set('todo.session', 'not mine');
    return {
      storage: browserStorage('todo-test'),
      reopen: () => browserStorage('todo-test'),
      teardown: () => delete g.localStorage,
    };
  },
  { persistent: true },
);

runStorageTests(
  'browserStorage() with neither IndexedDB nor localStorage (memory)',
  () => ({ storage: browserStorage('todo-test') }),
  { persistent: false },
);
