/**
 * The command line as a user meets it: every bad input gives one clear line
 * on stderr and exit status 2, never a stack trace.
 */
import assert from "node:assert/strict";
import { makeElf } from "./support/tiny_elf.ts";

async function demu(args: string[], permissions = ["--allow-read"]) {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, "main.ts", ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function expectError(args: string[], message: RegExp, permissions?: string[]) {
  const r = await demu(args, permissions);
  assert.equal(r.code, 2, `exit status for ${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^demu: /);
  assert.match(lines[0], message);
}

Deno.test("cli: --help prints usage", async () => {
  const r = await demu(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /usage: demu \[options\] \[config\]/);
});

Deno.test("cli: missing files, bad numbers and bad flags", async () => {
  await expectError(["/nonexistent/vm.cfg"], /config file '\/nonexistent\/vm.cfg' not found/);
  await expectError(["--kernel", "/nonexistent/Image"], /kernel '\/nonexistent\/Image' not found/);
  await expectError(["--kernel", "/"], /is a directory/);
  await expectError(["-m", "lots", "--kernel", "x"], /-m: 'lots' is not a number/);
  await expectError(["-m", "4096", "--kernel", "x"], /-m: 4096 is out of range/);
  await expectError(["--frobnicate"], /frobnicate/);
  await expectError(["--no-jit", "--jit-check", "--kernel", "x"], /--no-jit and --jit-check/);
  // With nothing else to boot, demu boots the default image: here it may not read it.
  await expectError([], /the default image needs --allow-read=/, []);
});

Deno.test("cli: -m takes up to 2045 MiB, the most that fits below 2 GiB with the machine's tables", async () => {
  // 2047 passed the old check (1..2047) and the machine's allocation then failed; 2046 is one
  // MiB over since the TLBs grew to 1,024 entries (core/memory.ts TLB_AREA_BYTES).
  await expectError(
    ["-m", "2046", "--kernel", "x"],
    /^demu: -m: 2046 is out of range \(1\.\.2045\)$/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/spin.elf`, makeElf());
    const r = await demu(["-m", "2045", "--max-insns", "1000", "--elf", `${dir}/spin.elf`]);
    assert.equal(r.code, 124, r.stderr);
    assert.equal(r.stderr.trim(), "demu: stopped after 1000 instructions (--max-insns)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: an invalid config names the line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cfg = `${dir}/vm.cfg`;
    await Deno.writeTextFile(cfg, '{\n  version: 1,\n  machine: "riscv64"\n  memory_size: 64\n}\n');
    await expectError([cfg], /config line 4/);
    await Deno.writeTextFile(
      cfg,
      '{ version: 1, machine: "riscv64", memory_size: 64, bios: "no" }',
    );
    await expectError([cfg], /firmware '.*\/no' not found/);
    await Deno.writeTextFile(cfg, '{ version: 1, machine: "riscv64", memory_size: 64 }');
    await expectError([cfg], /nothing to boot: the config names no bios or kernel/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: a denied permission names the flag", async () => {
  await expectError(["/etc/hostname"], /needs --allow-read/, []);
  await expectError(
    ["--default"],
    /needs --allow-read=.*images\/default \(or --allow-env=DEMU_CACHE,HOME to use the build cache\)/,
    [],
  );
});

Deno.test("cli: --fs names a bad share in one line", async () => {
  await expectError(["--kernel", "/etc/hostname", "--fs", "nodir"], /--fs: expected TAG=DIR/);
  await expectError(
    ["--kernel", "/etc/hostname", "--fs", "t=/nonexistent/share,ro"],
    /shared directory '\/nonexistent\/share' not found/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await expectError(
      ["--kernel", "/etc/hostname", "--fs", `t=${dir}`],
      /sharing '.*' needs --allow-write=/,
    );
  } finally {
    await Deno.remove(dir);
  }
});
