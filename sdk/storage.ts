/** Where a client keeps its session, replica and queue: in memory, or a browser's IndexedDB or localStorage. */

/** A small async key-value store (async so that IndexedDB fits). */
export interface ClientStorage {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Storage that lives as long as the object (tests, scripts, or a page that needs no reload). */
export function memoryStorage(): ClientStorage {
  const data = new Map<string, string>();
  return {
    get: (key) => Promise.resolve(data.get(key)),
    set: (key, value) => {
      data.set(key, value);
      return Promise.resolve();
    },
    remove: (key) => {
      data.delete(key);
      return Promise.resolve();
    },
  };
}

// The browser globals used, described here (the repo's lib has no DOM types).
interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
interface IdbRequest<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbStore {
  get(key: string): IdbRequest<unknown>;
  put(value: string, key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<unknown>;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): { objectStore(name: string): IdbStore };
}
interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}
interface BrowserGlobals {
  indexedDB?: IdbFactory;
  localStorage?: WebStorage;
}

function done<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error instanceof Error ? req.error : new Error('IndexedDB request failed'));
  });
}

const STORE = 'kv';

function indexedDbStorage(factory: IdbFactory, name: string): ClientStorage {
  let db: Promise<IdbDatabase> | undefined;
  const open = (): Promise<IdbDatabase> => {
    if (!db) {
      const req = factory.open(name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
      };
      db = done(req);
      db.catch(() => (db = undefined)); // opened again on the next call
    }
    return db;
  };
  const store = async (mode: 'readonly' | 'readwrite') => (await open()).transaction(STORE, mode).objectStore(STORE);
  return {
    async get(key) {
      const value = await done((await store('readonly')).get(key));
      return typeof value === 'string' ? value : undefined;
    },
    async set(key, value) {
      await done((await store('readwrite')).put(value, key));
    },
    async remove(key) {
      await done((await store('readwrite')).delete(key));
    },
  };
}

function webStorage(ls: WebStorage, prefix: string): ClientStorage {
  return {
    get: (key) => Promise.resolve(ls.getItem(`${prefix}:${key}`) ?? undefined),
    set: (key, value) => {
      ls.setItem(`${prefix}:${key}`, value); // may throw QuotaExceededError: the caller's write fails
      return Promise.resolve();
    },
    remove: (key) => {
      ls.removeItem(`${prefix}:${key}`);
      return Promise.resolve();
    },
  };
}

/**
 * A browser's storage: IndexedDB (database `prefix`) when present, else localStorage (keys
 * `prefix:key`), else memory. One prefix per app; two clients on one prefix share their state.
 */
export function browserStorage(prefix = 'todo'): ClientStorage {
  const g = globalThis as BrowserGlobals;
  if (g.indexedDB) return indexedDbStorage(g.indexedDB, prefix);
  if (g.localStorage) return webStorage(g.localStorage, prefix);
  return memoryStorage();
}
