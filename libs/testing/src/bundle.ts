import { randomInt } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { build } from 'esbuild';

/**
 * A service's entry and the workspace code it imports, bundled into one CommonJS file (packages
 * stay in node_modules), as production runs it. Loading it costs a third of loading the same
 * sources through tsx (module resolution and transpiling of several hundred files), which every
 * test stack paid nine times over.
 *
 * Bundles are kept under `.tolem/bundles`, each entry's current one named in a pointer file with
 * the size and mtime of every file that went into it; it is used only while all of them are
 * unchanged, so an edit is never run stale.
 */

/** Bumped when the build options change, so bundles built with the old ones are not reused. */
const BUILD_VERSION = 1;
/** Older bundles of an entry than this are removed when a new one is made. */
const KEEP_MS = 10 * 60_000;

/** Which bundle of an entry is current, and the files it was built from. */
interface Pointer {
  version: number;
  bundle: string;
  /** Path relative to the repository root -> [mtimeMs, size]. */
  inputs: Record<string, [number, number]>;
}

function statOf(path: string): [number, number] | undefined {
  try {
    const s = statSync(path);
    return [s.mtimeMs, s.size];
  } catch {
    return undefined;
  }
}

/** The current bundle's path while every file it was built from is unchanged. */
function freshBundle(root: string, dir: string, pointerFile: string): string | undefined {
  let pointer: Pointer;
  try {
    pointer = JSON.parse(readFileSync(pointerFile, 'utf8')) as Pointer;
  } catch {
    return undefined;
  }
  const bundle = join(dir, pointer.bundle);
  if (pointer.version !== BUILD_VERSION || statOf(bundle) === undefined) return undefined;
  const unchanged = Object.entries(pointer.inputs).every(([path, [mtime, size]]) => {
    const now = statOf(join(root, path));
    return now !== undefined && now[0] === mtime && now[1] === size;
  });
  return unchanged ? bundle : undefined;
}

const building = new Map<string, Promise<string>>();

/**
 * Builds a bundle under a name of its own (never overwriting one another process may be about
 * to start) and points the entry at it, unless a source changed while it was being built.
 */
async function buildBundle(root: string, entry: string, dir: string, name: string) {
  const started = Date.now();
  const file = `${name}.${started}-${process.pid}-${randomInt(1_000_000)}.js`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: join(dir, file),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    tsconfig: 'tsconfig.base.json',
    // Stack traces name the TypeScript sources (the child runs with --enable-source-maps).
    sourcemap: 'inline',
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs: Pointer['inputs'] = {};
  let editedMeanwhile = false;
  for (const path of [...Object.keys(result.metafile.inputs), 'tsconfig.base.json']) {
    const s = statOf(join(root, path));
    if (s === undefined || s[0] >= started) editedMeanwhile = true;
    if (s !== undefined) inputs[path] = s;
  }
  // A file edited while it was bundled may be in the bundle as it was before: this start uses
  // it (as tsx would have read the same file), the next one builds again.
  if (!editedMeanwhile) {
    const pointer: Pointer = { version: BUILD_VERSION, bundle: file, inputs };
    const tmp = join(dir, `${file}.json.tmp`);
    writeFileSync(tmp, JSON.stringify(pointer));
    renameSync(tmp, join(dir, `${name}.json`));
    for (const old of readdirSync(dir)) {
      if (!old.startsWith(`${name}.`) || !old.endsWith('.js') || old === file) continue;
      const at = statOf(join(dir, old));
      if (at && at[0] < started - KEEP_MS) rmSync(join(dir, old), { force: true });
    }
  }
  return join(dir, file);
}

/**
 * The path of an up-to-date bundle of `entry` (relative to `root`), built if missing or stale.
 * Concurrent calls in one process share one build.
 */
export async function bundledEntry(root: string, entry: string): Promise<string> {
  const dir = join(root, '.tolem', 'bundles');
  const name = entry.replace(/\.ts$/, '').replace(/[^A-Za-z0-9]+/g, '-');
  const fresh = freshBundle(root, dir, join(dir, `${name}.json`));
  if (fresh) return fresh;
  // Keyed by the pointer's path: one entry name under two roots is two bundles.
  const key = join(dir, name);
  const inFlight = building.get(key);
  if (inFlight) return inFlight;
  mkdirSync(dir, { recursive: true });
  const done = buildBundle(root, entry, dir, name).finally(() => building.delete(key));
  building.set(key, done);
  return done;
}
