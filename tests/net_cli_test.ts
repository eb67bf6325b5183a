/** Network flags on the command line: mistakes are one clear line, exit status 2. */
import assert from "node:assert/strict";

async function demu(args: string[], permissions: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, "main.ts", ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
}

// Any readable file will do as a kernel: the errors come before the machine starts.
const KERNEL = ["--kernel", "main.ts"];

Deno.test("net cli: bad drivers, forwards and missing permissions", async () => {
  const cases: [string[], string[], RegExp][] = [
    [["--net", "tap"], ["--allow-read"], /eth0: network driver 'tap' is not supported/],
    [["--hostfwd", "tcp::8022-:22"], ["--allow-read"], /--hostfwd needs a network card/],
    [["--net", "user", "--hostfwd", "udp::1-:2"], ["--allow-read"], /--hostfwd: expected tcp:/],
    [
      ["--net", "user", "--hostfwd", "tcp::18022-:22"],
      ["--allow-read", "--allow-net=127.0.0.1:1"],
      /forwarding 127\.0\.0\.1:18022 needs --allow-net=127\.0\.0\.1:18022/,
    ],
    [
      ["--net", "stream,connect=127.0.0.1:18023"],
      ["--allow-read"],
      /the network link needs --allow-net=127\.0\.0\.1:18023/,
    ],
    [["--net", "stream,listen=127.0.0.1"], ["--allow-read"], /listen: expected HOST:PORT/],
    [["--net", "user,mac=zz"], ["--allow-read"], /bad MAC address 'zz'/],
  ];
  for (const [args, perms, message] of cases) {
    const r = await demu([...KERNEL, ...args], perms);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^demu: /);
    assert.match(r.stderr, message);
  }
});

Deno.test("net cli: --help lists the network flags", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "main.ts", "--help"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.match(text, /--net user/);
  assert.match(text, /--hostfwd tcp:/);
});
