/**
 * `deno task start [--allow-...] [options] [config]`: runs demu from source
 * with exactly the Deno permissions its machine needs. A first child, with
 * read and env only, prints them (`main.ts --print-permissions`); a second
 * runs main.ts with only those flags, plus any `--allow-...` flags given first
 * (e.g. `--allow-net=example.org:443` for what a guest on `--net user` may
 * reach). This process runs no guest: it only starts the two and passes on
 * the exit status.
 */
import { fileUrlPath } from "../host_path.ts";
import { parseFlags } from "./flag_line.ts";
import { isUrl } from "../url.ts";

const MAIN = fileUrlPath(new URL("../../main.ts", import.meta.url));
/** What the first child needs to read a config file and find the default image. */
const PLANNER_FLAGS = ["--allow-read", "--allow-env=DEMU_CACHE,HOME"];

async function launch(args: string[]): Promise<number> {
  const extra: string[] = [];
  while (args.length && args[0].startsWith("--allow-")) extra.push(args.shift()!);
  const deno = Deno.execPath();
  const plannerOnly = args.some((a) => a === "-h" || a === "--help" || a === "--print-permissions");
  // A config given by URL (JSLinux style) is fetched by the planner too.
  const configHosts = args.filter(isUrl).map((a) => new URL(a).host);
  const plannerFlags = [...PLANNER_FLAGS];
  if (configHosts.length) plannerFlags.push(`--allow-net=${configHosts.join(",")}`);
  const plan = await new Deno.Command(deno, {
    args: ["run", "--no-prompt", ...plannerFlags, MAIN, "--print-permissions", ...args],
    stdin: "null",
    stdout: plannerOnly ? "inherit" : "piped",
    stderr: "inherit",
  }).output();
  if (!plan.success || plannerOnly) return plan.code;
  const flags = parseFlags(new TextDecoder().decode(plan.stdout));
  const child = new Deno.Command(deno, {
    args: ["run", "--no-prompt", ...flags, ...extra, MAIN, ...args],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // The terminal's signals reach the child too; this process only waits for it.
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const forward = (sig: Deno.Signal) => () => {
    try {
      child.kill(sig);
    } catch { /* already gone */ }
  };
  const listeners = signals.map((sig) => [sig, forward(sig)] as const);
  for (const [sig, fn] of listeners) Deno.addSignalListener(sig, fn);
  const status = await child.status;
  for (const [sig, fn] of listeners) Deno.removeSignalListener(sig, fn);
  return status.code;
}

if (import.meta.main) Deno.exit(await launch([...Deno.args]));
