/**
 * backends/process/parse_args.ts reads a command line as node:util's
 * parseArgs (strict, positionals allowed) does: the same values and
 * positionals for what it accepts, and a one-line TypeError with a code for
 * what it refuses.
 */
import assert from "node:assert/strict";
import { parseArgs as nodeParseArgs } from "node:util";
import { type FlagSpec, parseArgs } from "../backends/process/parse_args.ts";

const OPTIONS: Record<string, FlagSpec> = {
  memory: { type: "string", short: "m" },
  cold: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  "start-paused": { type: "boolean", short: "S" },
  drive: { type: "string", multiple: true },
  web: { type: "string" },
};

const node = (args: string[]) => {
  const { values, positionals } = nodeParseArgs({ args, options: OPTIONS, allowPositionals: true });
  return { values: { ...values }, positionals };
};

Deno.test("parse_args: the same values and positionals as node:util's parseArgs", () => {
  const lines = [
    [],
    ["vm.cfg"],
    ["--memory", "512", "vm.cfg"],
    ["--memory=512", "--memory=256"],
    ["-m", "64"],
    ["-m64"],
    ["-hS"],
    ["-Sm", "32"],
    ["-Sm32", "a", "b"],
    ["--drive", "a.img", "--drive=b.img,ro", "--cold"],
    ["--web=", "x.cfg"],
    ["--memory=-1"],
    ["-", "--cold"],
    ["--cold", "--", "--help", "-m"],
    ["--memory", "="],
  ];
  for (const args of lines) {
    assert.deepEqual({ ...parseArgs(args, OPTIONS) }, node(args), args.join(" "));
  }
});

Deno.test("parse_args: what node:util's parseArgs refuses is refused in one line", () => {
  const lines = [
    ["--bogus"],
    ["-x"],
    ["-hx"],
    ["--cold=yes"],
    ["--memory"],
    ["-m"],
    ["--memory", "--cold"],
    ["-m", "-5"],
    ["--constructor"],
  ];
  for (const args of lines) {
    assert.throws(() => node(args), TypeError, args.join(" "));
    assert.throws(() => parseArgs(args, OPTIONS), (e) => {
      assert.ok(
        e instanceof TypeError && "code" in e && e.code === "ERR_PARSE_ARGS",
        args.join(" "),
      );
      assert.ok(!e.message.includes("\n"), e.message);
      return true;
    });
  }
});
