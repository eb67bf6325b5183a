/**
 * The Deno flags a machine needs as one shell line (`--print-permissions`
 * writes it, the launcher reads it back). Its own module, with no imports, so
 * `deno task start`'s launcher (backends/process/launch.ts) loads only this and
 * not the device kinds that backends/process/permissions.ts needs to plan.
 */

/** A value as the shell reads it: quoted only when it has to be. */
function shellWord(text: string): string {
  return /^[\w./:,=@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The flags as one line a shell reads back into the same words. */
export function formatFlags(flags: string[]): string {
  return flags.map(shellWord).join(" ");
}

/** Reads back what `formatFlags` wrote. */
export function parseFlags(line: string): string[] {
  const words: string[] = [];
  for (const m of line.trim().matchAll(/(?:[^\s']+|'[^']*')+/g)) {
    words.push(m[0].replace(/'([^']*)'/g, "$1"));
  }
  return words;
}
