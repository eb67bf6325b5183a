/**
 * The GDB stub with a raw TCP client (no gdb): the packet codec, answers to
 * well-formed packets, and that malformed packets, bad checksums, garbage and
 * a client vanishing mid-packet leave the machine running or paused, never
 * crashed. tests/gdb_client_test.ts drives it with the real gdb-multiarch.
 */
import assert from "node:assert/strict";
import { Machine } from "../board/machine.ts";
import { encodePacket, PacketDecoder } from "../backends/debug/gdb_packets.ts";
import { GdbStub, parseGdbAddress } from "../backends/debug/gdb_server.ts";
import { makeElf } from "./support/tiny_elf.ts";
import { addi, jal, sd } from "../core/encode.ts";

const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test("packet decoder: checksums, escapes, pieces, noise and interrupts", () => {
  const d = new PacketDecoder();
  assert.deepEqual(d.push(encodePacket("m80000000,4")), [{ kind: "packet", data: "m80000000,4" }]);
  // Split anywhere, with noise and acks around it.
  const framed = text(encodePacket("qSupported:xmlRegisters=i386"));
  const got = [...d.push(bytes("xx+" + framed.slice(0, 5))), ...d.push(bytes(framed.slice(5)))];
  assert.deepEqual(got, [{ kind: "ack" }, {
    kind: "packet",
    data: "qSupported:xmlRegisters=i386",
  }]);
  assert.deepEqual(d.push(bytes("$g#00")), [{ kind: "bad-checksum" }]);
  assert.deepEqual(d.push(bytes("$g#zz")), [{ kind: "bad-checksum" }]);
  assert.deepEqual(d.push(new Uint8Array([3])), [{ kind: "interrupt" }]);
  // The escape: '}' then the byte XOR 0x20 ('$', '#', '}' and '*' travel so).
  assert.deepEqual(d.push(encodePacket("X0,1:}$#*")), [{ kind: "packet", data: "X0,1:}$#*" }]);
  // A packet longer than PacketSize is dropped (and asked for again), not buffered forever.
  const huge = "$" + "a".repeat(0x5000) + "#00";
  assert.deepEqual(d.push(bytes(huge)), [{ kind: "bad-checksum" }]);
  assert.deepEqual(d.push(encodePacket("?")), [{ kind: "packet", data: "?" }]);
});

/** A raw remote-protocol client: sends packets, reads replies. */
class RawClient {
  private buffer = "";
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(readonly conn: Deno.TcpConn) {
    (async () => {
      const buf = new Uint8Array(65536);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          this.buffer += text(buf.subarray(0, n));
          for (const w of this.waiters.splice(0)) w();
        }
      } catch {
        // closed
      }
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    })();
  }

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async sendRaw(s: string | Uint8Array): Promise<void> {
    await this.conn.write(typeof s === "string" ? bytes(s) : s);
  }

  /** Waits until the buffer holds a match of `re`, removes up to it, returns the match. */
  async expect(re: RegExp, ms = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m.index + m[0].length);
        return m;
      }
      if (this.closed) throw new Error(`connection closed, waiting for ${re}`);
      if (Date.now() > deadline) throw new Error(`no ${re} in ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** Sends a packet and returns the data of the next reply packet. */
  async request(data: string): Promise<string> {
    await this.sendRaw(encodePacket(data));
    return (await this.expect(/\$([^#]*)#[0-9a-f]{2}/))[1];
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/** A machine running `code` (default: spin forever) with a stub on a free port. */
function startMachine(code?: Uint8Array<ArrayBuffer>, paused = true) {
  const m = new Machine({ memoryMiB: 16, console: { write: () => {} }, deterministic: true });
  m.bootElf(makeElf(code));
  const stub = GdbStub.open(m, parseGdbAddress("127.0.0.1:0"), paused);
  const done = m.run();
  return { m, stub, done, port: stub.address.port };
}

async function finish(t: ReturnType<typeof startMachine>): Promise<void> {
  t.m.stop({ reason: "quit" });
  const exit = await t.done;
  await t.stub.close(exit);
}

const insns = (...words: number[]) => {
  const b = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(b.buffer).setUint32(i * 4, w >>> 0, true));
  return b;
};

Deno.test("stub: registers, memory, breakpoints, step and the target description", async () => {
  // 0: addi a0, a0, 1; 4: addi a1, a1, 2; 8: j 0
  const t = startMachine(insns(addi(10, 10, 1), addi(11, 11, 2), jal(0, -8)));
  const c = await RawClient.connect(t.port);
  try {
    assert.match(await c.request("qSupported:multiprocess+;xmlRegisters=i386"), /PacketSize=4000/);
    assert.equal(await c.request("QStartNoAckMode"), "OK");
    assert.match(await c.request("?"), /^T05/);
    // The target description, read in pieces as gdb does.
    let xml = "";
    for (let off = 0;;) {
      const r = await c.request(`qXfer:features:read:target.xml:${off.toString(16)},200`);
      xml += r.slice(1);
      off += r.length - 1;
      if (r[0] === "l") break;
    }
    for (const f of ["cpu", "fpu", "csr", "virtual"]) {
      assert.ok(xml.includes(`<feature name="org.gnu.gdb.riscv.${f}">`), f);
    }
    assert.equal(await c.request("qXfer:features:read:other.xml:0,100"), "E00");
    // pc is register 32, little-endian hex.
    assert.equal(await c.request("p20"), "0000008000000000");
    assert.equal((await c.request("g")).length, 33 * 16);
    // Memory: the first instruction, at its physical address (M-mode, no paging).
    assert.equal(await c.request("m80000000,4"), "13051500");
    assert.equal(await c.request("m0,4"), "E14"); // nothing there
    assert.equal(await c.request("m7fffffe,4"), "E14");
    // A breakpoint at 4, continue: stops there with a0 = 1.
    assert.equal(await c.request("Z0,80000004,4"), "OK");
    assert.match(await c.request("vCont;c"), /^T05/);
    assert.equal(await c.request("p20"), "0400008000000000");
    assert.equal(await c.request("pa"), "0100000000000000");
    assert.equal(await c.request("z0,80000004,4"), "OK");
    // One step runs addi a1: a1 = 2, pc = 8.
    assert.match(await c.request("s"), /^T05/);
    assert.equal(await c.request("pb"), "0200000000000000");
    assert.equal(await c.request("p20"), "0800008000000000");
    // Register and memory writes.
    assert.equal(await c.request("Pa=2a00000000000000"), "OK");
    assert.equal(await c.request("pa"), "2a00000000000000");
    assert.equal(await c.request("M80000100,2:beef"), "OK");
    assert.equal(await c.request("m80000100,2"), "beef");
    assert.equal(await c.request("M0,1:00"), "E14");
    // The virtual privilege register and a CSR (misa, 0x301 + 65).
    assert.equal(await c.request(`p${(65 + 4096).toString(16)}`), "0300000000000000");
    assert.equal(await c.request(`p${(65 + 0x301).toString(16)}`), "2d11140000000080");
    // monitor info answers in O packets, then OK.
    await c.sendRaw(
      encodePacket("qRcmd," + [..."info"].map((ch) => ch.charCodeAt(0).toString(16)).join("")),
    );
    const o = await c.expect(/\$O([0-9a-f]+)#/);
    assert.match(
      new TextDecoder().decode(Uint8Array.from(o[1].match(/../g)!.map((h) => parseInt(h, 16)))),
      /mode M/,
    );
    await c.expect(/\$OK#/);
  } finally {
    c.close();
    await finish(t);
  }
});

Deno.test("stub: Ctrl-C stops a running guest; a watchpoint stops before the store", async () => {
  // 0: addi a0, a0, 1; 4: sd a0, 0(t0); 8: j 0 (t0 is set through the stub)
  const t = startMachine(insns(addi(10, 10, 1), sd(10, 5, 0), jal(0, -8)));
  const c = await RawClient.connect(t.port);
  try {
    assert.equal(await c.request("P5=0001008000000000"), "OK"); // t0 = 0x80000100
    await c.sendRaw(encodePacket("c"));
    await new Promise((r) => setTimeout(r, 300));
    const before = t.m.executed;
    assert.ok(before > 0, "the guest ran after c");
    await c.sendRaw(new Uint8Array([3]));
    assert.match((await c.expect(/\$(T02[^#]*)#/))[1], /^T02/);
    const stoppedAt = t.m.executed;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.m.executed, stoppedAt, "paused after Ctrl-C");
    // A write watchpoint on the stored doubleword: the stop names it; the store has not happened.
    assert.equal(await c.request("Z2,80000100,8"), "OK");
    const r = await c.request("c");
    assert.match(r, /^T05watch:80000100;/);
    assert.equal(await c.request("p20"), "0400008000000000");
    const a0 = await c.request("pa");
    const mem = await c.request("m80000100,8");
    assert.notEqual(mem, a0, "the store had not happened yet");
    assert.equal(await c.request("z2,80000100,8"), "OK");
    assert.match(await c.request("s"), /^T05/);
    assert.equal(await c.request("m80000100,8"), a0, "stepping did the store");
  } finally {
    c.close();
    await finish(t);
  }
});

Deno.test("stub: malformed packets, bad checksums and garbage get errors, not a crash", async () => {
  const t = startMachine();
  const c = await RawClient.connect(t.port);
  try {
    await c.sendRaw("$g#00"); // bad checksum: '-', asking for it again
    await c.expect(/-/);
    for (
      const p of [
        "m",
        "mzz,4",
        "m80000000",
        "m80000000,ffffffff",
        "M80000000,4:zz",
        "M80000000,2:00",
        "X80000000,4:ab",
        "G12",
        "Pzz=00",
        "P1=",
        "P1000=00",
        "p",
        "pzzz",
        "Z9,0,0",
        "Z0",
        "z2,zz,4",
        "vCont;x",
        "qXfer:features:read:target.xml:zz",
        "qRcmd,zz",
      ]
    ) {
      const r = await c.request(p);
      assert.match(r, /^(E[0-9a-f]{2}|)$/, `${p} answered ${r}`);
    }
    assert.equal(await c.request("qNoSuchThing"), "");
    assert.equal(await c.request("vMustReplyEmpty"), "");
    await c.sendRaw(
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) & 0xff).filter((b) =>
        b !== 3 && b !== 0x24
      ),
    );
    await c.sendRaw("#$#$}}}}");
    // Still answering, and the machine is paused, not dead.
    assert.match(await c.request("?"), /^T/);
    assert.equal(await c.request("m80000000,4"), "13000000");
  } finally {
    c.close();
    await finish(t);
  }
});

Deno.test("stub: a client that vanishes mid-packet leaves the guest running; the next one attaches", async () => {
  const t = startMachine();
  const c1 = await RawClient.connect(t.port);
  assert.equal(await c1.request("Z0,80000004,4"), "OK");
  await c1.sendRaw("$m80000000,"); // and gone
  c1.close();
  await new Promise((r) => setTimeout(r, 300));
  const a = t.m.executed;
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(t.m.executed > a, "the guest runs on after the client left");
  assert.equal(t.m.hart.triggers.debuggerRules.length, 0, "its breakpoint went with it");
  const c2 = await RawClient.connect(t.port);
  try {
    assert.match(await c2.request("?"), /^T05/); // attaching stops the guest
    const b = t.m.executed;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.m.executed, b);
    // Detach: the guest runs on, the connection closes.
    assert.equal(await c2.request("D"), "OK");
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(t.m.executed > b);
  } finally {
    c2.close();
    await finish(t);
  }
});

Deno.test("stub: the guest's exit reaches the client as W; kill ends the machine", async () => {
  // Write 1 to tohost (0x80001000): pass, exit status 0.
  const t = startMachine(insns(addi(10, 0, 1), 0x000012b7, /* lui t0,1 */ 0, 0));
  const c = await RawClient.connect(t.port);
  try {
    // t0 = 0x80001000 by hand, then sd a0, 0(t0).
    assert.equal(await c.request("P5=0010008000000000"), "OK");
    assert.equal(await c.request("M80000004,4:" + hexWord(sd(10, 5, 0))), "OK");
    await c.sendRaw(encodePacket("c"));
    const exit = await t.done;
    assert.deepEqual(exit, { reason: "poweroff", code: 0 });
    await t.stub.close(exit); // what main.ts does when the run ends
    await c.expect(/\$W00#/);
  } finally {
    c.close();
  }
  const k = startMachine();
  const c2 = await RawClient.connect(k.port);
  await c2.request("?");
  await c2.sendRaw(encodePacket("vKill;1"));
  await c2.expect(/\$OK#/);
  assert.deepEqual(await k.done, { reason: "quit" });
  await k.stub.close({ reason: "quit" });
  c2.close();
});

function hexWord(w: number): string {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, w >>> 0, true);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

Deno.test("--gdb on the command line: permissions, sandbox rule, bad values", async () => {
  const { runMainToEnd } = await import("./support/cli_run.ts");
  const elf = await Deno.makeTempFile({ suffix: ".elf" });
  try {
    await Deno.writeFile(elf, makeElf());
    const p = await runMainToEnd(["--allow-read"], [
      "--print-permissions",
      "--elf",
      elf,
      "--gdb",
      "1234",
    ]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim(), `--allow-read=${elf} --allow-net=127.0.0.1:1234`);
    const s = await runMainToEnd(["--allow-read"], ["--sandbox", "--elf", elf, "--gdb", "1234"]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /--sandbox: --gdb needs its address written out/);
    const ok = await runMainToEnd(["--allow-read"], [
      "--print-permissions",
      "--sandbox",
      "--elf",
      elf,
      "--gdb",
      "127.0.0.1:1234",
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await runMainToEnd(["--allow-read"], ["--elf", elf, "--gdb", "localhost:99999"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^demu: --gdb: 'localhost:99999' is not \[HOST:\]PORT/);
    const paused = await runMainToEnd(["--allow-read"], ["--elf", elf, "-S"]);
    assert.equal(paused.code, 2);
    assert.match(paused.stderr, /-S \(start paused\) needs --gdb/);
    const denied = await runMainToEnd([`--allow-read=${elf}`], ["--elf", elf, "--gdb", "1234"]);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /--allow-net=127\.0\.0\.1:1234/);
  } finally {
    await Deno.remove(elf);
  }
});

Deno.test("stub: monitor reset puts the hart back at the program's entry with RAM reloaded", async () => {
  const t = startMachine(insns(addi(10, 10, 1), addi(11, 11, 2), jal(0, -8)));
  const c = await RawClient.connect(t.port);
  try {
    assert.match(await c.request("s"), /^T05/);
    assert.equal(await c.request("pa"), "0100000000000000");
    assert.equal(await c.request("M80000000,4:00000000"), "OK"); // scribble on the program
    const reset = [..."reset"].map((ch) => ch.charCodeAt(0).toString(16)).join("");
    await c.sendRaw(encodePacket(`qRcmd,${reset}`));
    await c.expect(/\$OK#/);
    assert.equal(await c.request("p20"), "0000008000000000");
    assert.equal(await c.request("pa"), "0000000000000000");
    assert.equal(await c.request("m80000000,4"), "13051500"); // reloaded from the ELF
    assert.match(await c.request("s"), /^T05/);
    assert.equal(await c.request("pa"), "0100000000000000");
  } finally {
    c.close();
    await finish(t);
  }
});
