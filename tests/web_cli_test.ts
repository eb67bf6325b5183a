/**
 * `--web` on the command line: a bad address, a missing permission and a
 * port in use are each one line and exit status 2, before the guest boots.
 */
import assert from "node:assert/strict";
import { runMainToEnd } from "./support/cli_run.ts";

const BASE = ["--allow-read", "--allow-env=DEMU_CACHE,HOME"];

async function expectError(args: string[], message: RegExp, permissions = BASE) {
  const r = await runMainToEnd(permissions, args);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], message);
}

Deno.test("cli --web: bad address, missing --allow-net, port in use", async () => {
  await expectError(["--default", "--web=foo"], /^demu: --web: 'foo' is not HOST:PORT/);
  await expectError(["--elf", "x.elf", "--web"], /^demu: --web needs a Linux machine/);
  await expectError(
    ["--default", "--web", "127.0.0.1:8123"],
    /^demu: the web console on 127.0.0.1:8123 needs --allow-net=127.0.0.1:8123$/,
  );
  await expectError(
    ["--default", "--web"],
    /needs --allow-net=127.0.0.1:8080$/,
  );
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    await expectError(
      ["--default", "--web", `${port}`],
      new RegExp(`^demu: --web 127.0.0.1:${port}: the address is already in use`),
      [...BASE, "--allow-net=127.0.0.1"],
    );
  } finally {
    busy.close();
  }
});
