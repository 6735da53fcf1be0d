import fs from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, whether this runs from dev/ (tsx) or dist/dev/ (built). */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`package.json not found above ${from}`);
  }
}
