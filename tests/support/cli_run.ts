/**
 * Runs demu as a user does, as a process (`deno run ... main.ts`, the launcher,
 * or a compiled binary), with its terminal output in a ScriptedConsole so a
 * test can wait for the prompt and type commands.
 */
import { fileURLToPath } from "node:url";
import { ScriptedConsole } from "../../backends/console/scripted_console.ts";

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const MAIN = `${REPO}main.ts`;

export interface DemuProcess {
  /** The guest's console as the terminal shows it; `type` writes to demu's stdin. */
  console: ScriptedConsole;
  /** The exit status and everything demu wrote on stderr. */
  done: Promise<{ code: number; stderr: string }>;
  /** Sends a signal to the process. */
  kill(signal: Deno.Signal): void;
  /**
   * Ends it: SIGTERM, which `deno task start`'s launcher passes on to the demu
   * it started (a SIGKILL would leave that one running with the pipes open),
   * then SIGKILL if it is still there 10 s later. Resolves when it has exited.
   */
  stop(): Promise<{ code: number; stderr: string }>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  clearEnv?: boolean;
}

/** Starts `command args` with piped stdio. */
export function spawnDemu(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): DemuProcess {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd ?? REPO,
    env: options.env,
    clearEnv: options.clearEnv,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const console = new ScriptedConsole();
  const writer = child.stdin.getWriter();
  console.connect((bytes) => void writer.write(bytes).catch(() => {}));
  const pumped = (async () => {
    for await (const chunk of child.stdout) console.write(chunk);
  })();
  const stderr = new Response(child.stderr).text();
  const done = (async () => {
    const status = await child.status;
    await pumped;
    await writer.close().catch(() => {});
    return { code: status.code, stderr: await stderr };
  })();
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // already exited
    }
  };
  const stop = () => {
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), 10_000);
    return done.finally(() => clearTimeout(timer));
  };
  return { console, done, kill, stop };
}

/** Powers the guest off from its shell (`poweroff -f`); killed if it has not exited in 30 s. */
export async function powerOffGuest(p: DemuProcess): Promise<void> {
  p.console.type("poweroff -f\n");
  const timer = setTimeout(() => void p.stop(), 30_000);
  await p.done;
  clearTimeout(timer);
}

/** `deno run` arguments of `deno task start`'s launcher (backends/process/launch.ts), before demu's own. */
export const LAUNCHER = [
  "run",
  "--no-prompt",
  "--allow-read",
  "--allow-env=DEMU_CACHE,HOME",
  "--allow-run",
  `${REPO}backends/process/launch.ts`,
];

/** Runs `fn` with a new temporary folder, removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `deno run --no-prompt PERMISSIONS main.ts ARGS` from the repository. */
export function runMain(permissions: string[], args: string[], options?: SpawnOptions) {
  return spawnDemu(
    Deno.execPath(),
    ["run", "--no-prompt", ...permissions, MAIN, ...args],
    options,
  );
}

/** The same, for a run whose console does not matter: status and stdout/stderr. */
export async function runMainToEnd(permissions: string[], args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, MAIN, ...args],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr).trim(),
  };
}

/**
 * An argument no other process has: `--timeout` with a random number of
 * seconds, so a test can find its own demu processes with `processesWith`.
 */
export function uniqueMarker(): { args: string[]; marker: string } {
  const marker = String(100_000 + Math.floor(Math.random() * 900_000));
  return { args: ["--timeout", marker], marker };
}

/** The command lines (as `ps` shows them) of processes running a main.ts with `marker`. */
export async function processesWith(marker: string): Promise<string[][]> {
  const out = await new Deno.Command("ps", { args: ["-eo", "args="], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((argv) => argv.includes(marker) && argv.some((a) => a.endsWith("/main.ts")));
}

/** A tool's own flags, and after `--` the demu command line it runs. */
export function splitAtDashes(args: string[]): { own: string[]; demuArgs: string[] } {
  const dash = args.indexOf("--");
  return dash < 0
    ? { own: args, demuArgs: [] }
    : { own: args.slice(0, dash), demuArgs: args.slice(dash + 1) };
}
