/** The SDK for Node: everything of index.ts, and fileStorage (a folder of JSON files). */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientStorage } from './storage';

export * from './index';

/** Pending operations per file, so that a read sees every write called before it (also from another client). */
const chains = new Map<string, Promise<void>>();

function serialized<T>(file: string, op: () => Promise<T>): Promise<T> {
  const before = chains.get(file) ?? Promise.resolve();
  const result = before.then(op);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  chains.set(file, tail);
  void tail.then(() => {
    if (chains.get(file) === tail) chains.delete(file);
  });
  return result;
}

/**
 * Storage in the folder `dir` (made when missing): one file a key, each written whole (to a
 * temporary file, then renamed), so a crash leaves the old value or the new one.
 */
export function fileStorage(dir: string): ClientStorage {
  const fileOf = (key: string) => path.join(dir, `${encodeURIComponent(key)}.json`);
  let counter = 0;
  return {
    get: (key) =>
      serialized(fileOf(key), async () => {
        try {
          return await readFile(fileOf(key), 'utf8');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw err;
        }
      }),
    set: (key, value) =>
      serialized(fileOf(key), async () => {
        await mkdir(dir, { recursive: true });
        const tmp = `${fileOf(key)}.${process.pid}.${++counter}.tmp`;
        await writeFile(tmp, value, 'utf8');
        await rename(tmp, fileOf(key));
      }),
    remove: (key) => serialized(fileOf(key), () => rm(fileOf(key), { force: true })),
  };
}
