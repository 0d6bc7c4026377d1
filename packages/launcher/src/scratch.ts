// The launcher's scratch directory (AEGIS_SCRATCH_DIR or --scratch-dir): where `--target local`'s
// binary syncs partitions and stages results, and where a sweep's merge works. Unset, the binary
// keeps its own default (/tmp/aegis-scratch) and the merge the system's temporary directory.
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError } from "./errors.js";

/** The variable the binary reads, and the launcher too. */
export const SCRATCH_ENV = "AEGIS_SCRATCH_DIR";

/**
 * Which scratch directory the user asked for: `--scratch-dir` wins over `$AEGIS_SCRATCH_DIR`; an
 * empty variable counts as unset (an empty flag does not: it is refused by {@link checkScratchDir}).
 */
export function scratchRequest(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): { dir: string; origin: string } | undefined {
  if (flag !== undefined) return { dir: flag, origin: "--scratch-dir" };
  const fromEnv = env[SCRATCH_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return { dir: fromEnv, origin: SCRATCH_ENV };
  return undefined;
}

/**
 * Checks a scratch directory before anything is launched and returns its absolute path. It must
 * be a directory or not exist yet, under a directory (no file on the way). With `create`, it is
 * made (with its parents) and a temporary entry is made and removed in it, so a directory that
 * cannot be written is refused now rather than after the upload; without (`--dry-run`), nothing is
 * made. `origin` names the flag or variable in messages.
 */
export async function checkScratchDir(dir: string, origin: string, opts: { create?: boolean } = {}): Promise<string> {
  if (dir.trim() === "") throw new InputError(`${origin} is empty: name a directory for scratch files, or leave it unset for the default`);
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    const st = await stat(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw new InputError(`${origin} ${abs}: cannot look at ${p} (${err.code ?? String(err)}): name another directory`, { cause: err });
    });
    if (st !== undefined) {
      if (!st.isDirectory()) throw new InputError(`${origin} ${abs}: ${p === abs ? "it" : p} is not a directory: name a directory for scratch files`);
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  if (opts.create) {
    try {
      // One level at a time: Node's recursive mkdir never returns where a parent refuses children (procfs).
      for (const p of missing) await mkdir(p).catch((err: NodeJS.ErrnoException) => (err.code === "EEXIST" ? undefined : Promise.reject(err)));
      await rm(await mkdtemp(join(abs, ".aegis-write-check-")), { recursive: true, force: true });
    } catch (err) {
      throw new InputError(`${origin} ${abs}: cannot make or write files there (${(err as NodeJS.ErrnoException).code ?? String(err)}): name another directory`, { cause: err });
    }
  }
  return abs;
}
