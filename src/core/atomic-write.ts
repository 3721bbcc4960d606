import {
  closeSync,
  existsSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { RampartError, ErrorCodes } from './errors.js';

/**
 * Temp files are `.rampart-<pid>-<n>.tmp` in the target's directory: a fixed short name, so any legal output
 * name works (one built from the target's name overflows the 255-byte limit for long names), and the pid
 * tells the next run whether its writer is gone (killed between the write and the rename).
 */
const tempName = /^\.rampart-(\d+)-\d+\.tmp$/;
let tempCount = 0;
/** Paths that name a descriptor of this process (a pipe, a terminal or a file the shell opened). */
const openStream = /^\/(dev\/(stdout|stderr|fd\/)|proc\/[^/]+\/(task\/[^/]+\/)?fd\/)/;
/** Links followed before giving up (the kernel's own limit, ELOOP, is 40). */
const maxLinks = 40;

/**
 * Writes a file atomically: a temp file in the same directory, then a rename, so a reader never sees a
 * half-written file and a crash leaves the previous version intact. A symbolic link is written through (its
 * target is replaced, the link stays); a FIFO or a character device (`/dev/null`, `/dev/stdout`, a
 * terminal) is written as a stream, in place; any other non-regular target is refused.
 */
export function writeFileAtomic(path: string, content: string): void {
  let tmp: string | undefined;
  try {
    const target = resolveTarget(path);
    if (target.stream) {
      const fd = ownDescriptor(path);
      // A descriptor of this process is written as it is: a socket (what a parent's pipe often is) cannot
      // be opened again through /proc.
      if (fd !== undefined) writeAll(fd, content);
      else writeFileSync(path, content);
      return;
    }
    const st = statSync(target.path, { throwIfNoEntry: false });
    if (st?.isDirectory()) throw new Error('it is a directory');
    if (st && !st.isFile() && !st.isFIFO() && !st.isCharacterDevice())
      throw new Error('it is not a regular file, a FIFO or a character device');
    if (st && !st.isFile()) {
      writeFileSync(target.path, content);
      return;
    }
    const dir = dirname(target.path);
    makeDirs(dir);
    removeStaleTemps(dir);
    tmp = join(dir, `.rampart-${process.pid}-${tempCount++}.tmp`);
    // `wx`: never through a link or file someone placed at the temp name.
    const fd = openSync(tmp, 'wx', st ? st.mode & 0o7777 : 0o666);
    try {
      // The umask applied at creation; an existing file keeps its own mode.
      if (st) fchmodSync(fd, st.mode & 0o7777);
      writeAll(fd, content);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target.path);
    tmp = undefined;
  } catch (err) {
    if (tmp !== undefined) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // Nothing was written there (e.g. the "directory" is a file): nothing to clean up.
      }
    }
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new RampartError(
      ErrorCodes.io,
      `${path}: could not write (${reason}); check the path and permissions`,
    );
  }
}

function writeAll(fd: number, content: string): void {
  const buf = Buffer.from(content, 'utf8');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      // A non-blocking pipe or socket that is full: wait for its reader a moment.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** The descriptor a path names when it is one of this process's own (`/dev/stdout`, `/dev/fd/3`, …). */
function ownDescriptor(path: string): number | undefined {
  if (path === '/dev/stdout') return 1;
  if (path === '/dev/stderr') return 2;
  const m = /^\/(?:dev\/fd|proc\/(?:self|thread-self|(\d+))\/fd)\/(\d+)$/.exec(path);
  if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return undefined;
  return Number(m[2]);
}

/**
 * Follows symbolic links by hand (the target may not exist yet: a dangling link is written through, as a
 * shell's `>` does). A descriptor path (`/dev/stdout` → `/proc/self/fd/1` → a pipe, a terminal or the file
 * the shell opened) names an open stream, not a place to put a file: such a path is written in place.
 */
function resolveTarget(path: string): { readonly path: string; readonly stream: boolean } {
  let p = path;
  for (let hops = 0; hops <= maxLinks; hops++) {
    if (openStream.test(p)) return { path, stream: true };
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st?.isSymbolicLink()) return { path: p, stream: false };
    const link = readlinkSync(p);
    p = isAbsolute(link) ? link : join(dirname(p), link);
  }
  throw new Error(`more than ${maxLinks} symbolic links`);
}

/** Removes temp files of writers that are gone (killed between writing and renaming). */
function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = tempName.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    const p = join(dir, name);
    try {
      if (lstatSync(p).isFile()) rmSync(p, { force: true });
    } catch {
      // Removed meanwhile by another run, or not ours to remove: either way, not this write's concern.
    }
  }
}

/**
 * True when a process with this pid runs. This process's own pid counts as gone: its writes are
 * synchronous, so a temp of its pid found here was left by an earlier run that had the same pid (a
 * container's pid 1, say).
 */
function isAlive(pid: number): boolean {
  if (pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time. Not mkdirSync's `recursive`: on Node 20 it
 * never returns for a directory the kernel refuses with ENOENT under an existing parent (`/proc/x/y`
 * spun a core until killed); creating each level alone turns that refusal into an error.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      // Created meanwhile by someone else: fine, as long as it is a directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw err;
    }
  }
}
