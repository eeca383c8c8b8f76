import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Reads a JSON state file; undefined when missing or unreadable (a torn write counts as missing). */
export async function readState<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename) so a concurrent reader never sees half a file. */
export async function writeState(file: string, value: unknown): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await fsp.rename(tmp, file);
}

export async function removeState(file: string): Promise<void> {
  await fsp.rm(file, { force: true });
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Last `lines` lines of a (log) file, or a note that it could not be read. */
export async function fileTail(file: string, lines: number): Promise<string> {
  try {
    const text = await fsp.readFile(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(could not read ${file}: ${(err as Error).message})`;
  }
}
