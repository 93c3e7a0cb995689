// Files the CLI writes are whole or absent: each is written to a temporary file beside it and
// renamed over the target only when every file of the command is complete. A run that fails
// anywhere (a folder that does not exist, a full disk, an error after the first file) leaves
// the old files as they were and no temporary file behind.
import fs from 'node:fs';
import path from 'node:path';

export class CliError extends Error {}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'no such folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
};

export function writeFailure(file: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  return new CliError(`${file}: cannot write: ${(code && REASONS[code]) ?? (e as Error).message}`);
}

export type Write = (chunk: string | Uint8Array) => void;

export class OutputFiles {
  private staged: { file: string; tmp: string }[] = [];

  /** Fails now, before any work, when `file` can't be written: no folder, not a folder, a folder in its place. */
  static check(file: string | undefined, flag: string): void {
    if (!file) return;
    const dir = path.dirname(path.resolve(file));
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      throw new CliError(`${flag} ${file}: no such folder: ${dir}`);
    }
    if (!st.isDirectory()) throw new CliError(`${flag} ${file}: ${dir} is a file, not a folder`);
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw new CliError(`${flag} ${file}: the folder ${dir} is not writable`);
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new CliError(`${flag} ${file}: is a folder, not a file`);
  }

  /** Writes `file`'s content (through `produce`) to a temporary file; nothing is visible until commit(). */
  stage(file: string, produce: (write: Write) => void): void {
    const dir = path.dirname(path.resolve(file));
    const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'wx');
    } catch (e) {
      throw writeFailure(file, e);
    }
    this.staged.push({ file, tmp });
    try {
      produce((chunk) => {
        try {
          if (typeof chunk === 'string') fs.writeSync(fd, chunk);
          else for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off, chunk.length - off);
        } catch (e) {
          throw writeFailure(file, e);
        }
      });
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Every staged file replaces its target. */
  commit(): void {
    for (const s of this.staged) {
      try {
        fs.renameSync(s.tmp, s.file);
      } catch (e) {
        throw writeFailure(s.file, e);
      }
    }
    this.staged = [];
  }

  /** Removes what was staged and not committed (a no-op after commit). */
  abort(): void {
    for (const s of this.staged) fs.rmSync(s.tmp, { force: true });
    this.staged = [];
  }
}

/** One file, whole or not at all. */
export function writeFileAtomic(file: string, produce: (write: Write) => void): void {
  const files = new OutputFiles();
  try {
    files.stage(file, produce);
    files.commit();
  } finally {
    files.abort();
  }
}
