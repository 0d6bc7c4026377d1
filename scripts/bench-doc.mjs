// Writes one marked section of docs/BENCHMARKS.md (`<!-- bench:<name>:start -->` … `end -->`),
// leaving the others as they are, so each benchmark script owns its section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const doc = join(root, "docs", "BENCHMARKS.md");

export const fmt = (n, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One line naming the machine a figure came from. */
export function machine() {
  return `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function writeSection(name, body) {
  const section = `<!-- bench:${name}:start -->\n${body.trim()}\n<!-- bench:${name}:end -->`;
  let text = existsSync(doc)
    ? readFileSync(doc, "utf8")
    : "# Benchmarks\n\nEvery figure here is written by `npm run bench`, with the machine it ran on.\n";
  const pattern = new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*<!-- bench:${name}:end -->`);
  text = pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}\n`;
  mkdirSync(dirname(doc), { recursive: true });
  writeFileSync(doc, text);
  console.log(section);
}
