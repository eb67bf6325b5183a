/**
 * Builds the one-file binary as `deno task compile` does (the same command,
 * read from deno.json, with another output path), for the compile test and
 * the startup benchmark. `deno compile` needs Deno's `denort` runtime: from
 * $DENORT_BIN, or downloaded; without either it cannot build, and callers
 * skip with the reason.
 */
import { REPO } from "./cli_run.ts";

/** The arguments of the `deno compile` in deno.json's compile task, writing to `output`. */
export async function compileArgs(output: string): Promise<string[]> {
  const tasks = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`)).tasks;
  // The task is `bundle && deno compile ... || (hint)`: take the deno compile command alone.
  const command = (tasks.compile as string).split("||")[0].split("&&").map((c) => c.trim())
    .find((c) => c.startsWith("deno compile "));
  if (!command) throw new Error("deno.json's compile task has no `deno compile` step");
  const words = command.split(/\s+/).slice(1);
  const at = words.indexOf("--output");
  if (at < 0) throw new Error("deno.json's compile task names no --output");
  words[at + 1] = output;
  return words;
}

export type CompileResult = { built: true } | { built: false; reason: string };

/** Compiles demu into `output`. A missing runtime is a reason to skip; other failures throw. */
export async function compileDemu(output: string): Promise<CompileResult> {
  const bundle = await new Deno.Command("bash", {
    args: [`${REPO}images/bundle.sh`],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!bundle.success) throw new Error(new TextDecoder().decode(bundle.stderr));
  const out = await new Deno.Command(Deno.execPath(), {
    args: await compileArgs(output),
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (out.success) return { built: true };
  const stderr = new TextDecoder().decode(out.stderr);
  const runtimeMissing = !Deno.env.get("DENORT_BIN") &&
    /lookup address|dns error|download|connect|network|denort/i.test(stderr);
  if (runtimeMissing) {
    // The innermost "Caused by" line says why (e.g. a failed DNS lookup).
    const lines = stderr.split("Stack backtrace")[0].split("\n").map((l) => l.trim());
    const causes = lines.filter((l) => /^\d+: /.test(l)).map((l) => l.replace(/^\d+: /, ""));
    const line = causes.at(-1) ?? lines.find((l) => l.startsWith("error"));
    return {
      built: false,
      reason: `deno compile could not get its denort runtime (${line ?? "no network"}); ` +
        "set DENORT_BIN to a denort binary of this Deno version to build and boot the binary",
    };
  }
  throw new Error(`deno compile failed:\n${stderr}`);
}
