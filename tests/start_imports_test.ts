/**
 * The start of demu loads no Node built-in: an import of one makes Deno load
 * its Node compatibility scripts first, tens of milliseconds of every start,
 * `--help` included (docs/speed.md, "start, 2026-12-06, session 11"). Those
 * that need one load it on first use (core/node_builtin.ts); type-only
 * imports cost nothing at run time and are allowed.
 */
import assert from "node:assert/strict";

interface ModuleInfo {
  specifier: string;
  dependencies?: { specifier: string; code?: unknown }[];
}

async function nodeImports(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
  }).output();
  assert.ok(out.success, `deno info ${entry}`);
  const { modules } = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: ModuleInfo[] };
  return modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) => d.specifier.startsWith("node:") && d.code)
      .map((d) =>
        `${
          m.specifier.replace(/^.*?\/(?=(main|backends|board|core|devices)\b)/, "")
        } imports ${d.specifier}`
      )
  );
}

for (const entry of ["main.ts", "backends/process/launch.ts"]) {
  Deno.test(`start imports: ${entry} and what it imports load no Node built-in`, async () => {
    assert.deepEqual(await nodeImports(entry), []);
  });
}
