/**
 * One GDB client's session: answers the remote protocol's packets against the
 * machine (registers, memory, break/watch points, run control, monitor
 * commands) and reports stops. All-stop mode with one thread, the hart.
 * Malformed or unknown packets get an error or the empty reply the protocol
 * prescribes, never an exception: nothing a client sends can crash the VM.
 */
import { debugRead, debugWrite } from "../../core/debug_access.ts";
import type { DebugControl, StopCause } from "../../core/debugger.ts";
import type { Machine } from "../../board/machine.ts";
import { WATCH_EXECUTE, WATCH_LOAD, WATCH_STORE } from "../../core/triggers.ts";
import {
  encodePacket,
  fromHex,
  hex64,
  type Incoming,
  MAX_PACKET,
  parseHexNumber,
  toHex,
} from "./gdb_packets.ts";
import { PC_REGNUM, readRegister, targetXml, writeRegister } from "./gdb_registers.ts";

/** Signal numbers GDB expects in stop replies. */
const SIGINT = 2, SIGTRAP = 5;

/** What a Z/z packet's type asks for: 0 software and 1 hardware breakpoints, 2-4 watchpoints. */
const Z_KINDS = [WATCH_EXECUTE, WATCH_EXECUTE, WATCH_STORE, WATCH_LOAD, WATCH_LOAD | WATCH_STORE];

/** Bytes a single m/M/X packet may move (replies are hex: twice as long). */
const MAX_MEMORY = (MAX_PACKET - 32) / 2;

/**
 * Break and watch points a client may hold: each costs memory and every
 * placement rebuilds the trigger tables, so a client sending Z packet after Z
 * packet must meet a limit (GDB reports the failed insertion).
 */
export const MAX_DEBUGGER_POINTS = 1024;

export interface SessionHost {
  /** Sends bytes to the client. */
  send(bytes: Uint8Array): void;
  /** Ends the connection (after detach or kill). */
  close(): void;
}

export class GdbSession {
  private noAck = false;
  private running = false;
  private lastStop = `T05thread:01;`;
  private readonly xml = targetXml();
  private ended = false;

  constructor(
    private readonly machine: Machine,
    private readonly control: DebugControl,
    private readonly host: SessionHost,
  ) {
    control.onStop = (cause) => this.stopped(cause);
    // The machine is paused while a client is attached and not continuing.
    control.pause();
  }

  /** Handles what the decoder found. */
  receive(items: Incoming[]): void {
    for (const item of items) {
      if (this.ended) return;
      switch (item.kind) {
        case "packet":
          if (!this.noAck) this.host.send(new Uint8Array([0x2b])); // '+'
          this.reply(this.handle(item.data));
          break;
        case "bad-checksum":
          if (!this.noAck) this.host.send(new Uint8Array([0x2d])); // '-': send it again
          break;
        case "interrupt":
          if (this.running) {
            this.control.pause();
            this.stopped({ kind: "interrupted" });
          }
          break;
        default: // acks: replies are not resent, a reliable stream needs no retransmission
      }
    }
  }

  /** The client went away without detaching: drop its points and let the guest run on. */
  disconnected(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
  }

  /** The machine stopped for good: tell the client how (W with the exit status). */
  exited(code: number): void {
    if (this.ended) return;
    this.reply(`W${(code & 0xff).toString(16).padStart(2, "0")}`);
    this.ended = true;
  }

  private release(): void {
    this.machine.hart.triggers.clearDebuggerRules();
    this.control.onStop = null;
    this.running = true;
    this.control.resume(false);
  }

  private reply(data: string | null): void {
    if (data !== null) this.host.send(encodePacket(data));
  }

  private stopped(cause: StopCause): void {
    if (!this.running) return;
    this.running = false;
    let reply: string;
    switch (cause.kind) {
      case "interrupted":
        reply = `T${hexByte(SIGINT)}thread:01;`;
        break;
      case "watch":
      case "rwatch":
      case "awatch":
        reply = `T${hexByte(SIGTRAP)}${cause.kind}:${cause.address.toString(16)};thread:01;`;
        break;
      default:
        reply = `T${hexByte(SIGTRAP)}thread:01;`;
    }
    this.lastStop = reply;
    this.reply(reply);
  }

  private go(step: boolean, address?: string): string | null {
    if (address) {
      const pc = parseHexNumber(address);
      if (pc === null) return "E01";
      writeRegister(this.machine.hart, PC_REGNUM, pc);
    }
    this.running = true;
    this.control.resume(step);
    return null; // the stop reply comes when the machine stops
  }

  /** The reply to one packet (null: none now). */
  private handle(p: string): string | null {
    const h = this.machine.hart;
    switch (p[0]) {
      case "?":
        return this.lastStop;
      case "g": {
        let s = "";
        for (let r = 0; r <= PC_REGNUM; r++) s += hex64(readRegister(h, r)!.value);
        return s;
      }
      case "G": {
        const bytes = fromHex(p.slice(1));
        if (!bytes || bytes.length < 8 * (PC_REGNUM + 1)) return "E01";
        const view = new DataView(bytes.buffer);
        for (let r = 0; r <= PC_REGNUM; r++) {
          writeRegister(h, r, view.getBigUint64(r * 8, true));
        }
        return "OK";
      }
      case "p": {
        const n = parseHexNumber(p.slice(1));
        const reg = n === null ? null : readRegister(h, Number(n));
        return reg ? hex64(reg.value).slice(0, reg.bytes * 2) : "E01";
      }
      case "P": {
        const m = /^P([0-9a-fA-F]+)=([0-9a-fA-F]+)$/.exec(p);
        const bytes = m ? fromHex(m[2]) : null;
        if (!m || !bytes || bytes.length === 0 || bytes.length > 8) return "E01";
        const wide = new Uint8Array(8);
        wide.set(bytes);
        const value = new DataView(wide.buffer).getBigUint64(0, true);
        return writeRegister(h, parseInt(m[1], 16), value) ? "OK" : "E01";
      }
      case "m": {
        const a = addressAndLength(p.slice(1));
        if (!a || a.length > MAX_MEMORY) return "E01";
        const bytes = debugRead(h, a.address, a.length);
        return bytes.length === 0 && a.length > 0 ? "E14" : toHex(bytes);
      }
      case "M": {
        const colon = p.indexOf(":");
        const a = addressAndLength(p.slice(1, colon));
        const bytes = fromHex(p.slice(colon + 1));
        if (colon < 0 || !a || !bytes || bytes.length !== a.length) return "E01";
        return debugWrite(h, a.address, bytes) ? "OK" : "E14";
      }
      case "X": {
        const colon = p.indexOf(":");
        const a = addressAndLength(p.slice(1, colon));
        if (colon < 0 || !a) return "E01";
        const bytes = Uint8Array.from(p.slice(colon + 1), (c) => c.charCodeAt(0));
        if (bytes.length !== a.length) return "E01";
        return debugWrite(h, a.address, bytes) ? "OK" : "E14";
      }
      case "Z":
      case "z":
        return this.point(p);
      case "c":
        return this.go(false, p.slice(1));
      case "s":
        return this.go(true, p.slice(1));
      case "C": // continue with a signal: there are no signals to deliver to a bare machine
        return this.go(false, p.split(";")[1]);
      case "S":
        return this.go(true, p.split(";")[1]);
      case "D":
        this.reply("OK");
        this.ended = true;
        this.release();
        this.host.close();
        return null;
      case "k":
        this.ended = true;
        this.machine.stop({ reason: "quit" });
        this.release();
        this.host.close();
        return null;
      case "H":
        return "OK";
      case "T":
        return "OK"; // the one thread is alive
      case "v":
        return this.vPacket(p);
      case "q":
      case "Q":
        return this.query(p);
      default:
        return "";
    }
  }

  private vPacket(p: string): string | null {
    if (p === "vCont?") return "vCont;c;C;s;S";
    if (p.startsWith("vCont;")) {
      // Actions apply to the first thread that matches; there is one thread.
      const action = p.slice(6).split(";")[0].split(":")[0];
      if (action === "c" || action[0] === "C") return this.go(false);
      if (action === "s" || action[0] === "S") return this.go(true);
      if (action === "t") return "OK";
      return "E01";
    }
    if (p.startsWith("vKill")) { // unlike k, answered before the machine ends
      this.reply("OK");
      this.handle("k");
      return null;
    }
    return ""; // vMustReplyEmpty, vFile and the rest
  }

  private query(p: string): string {
    if (p.startsWith("qSupported")) {
      return `PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;QStartNoAckMode+;` +
        "vContSupported+";
    }
    if (p === "QStartNoAckMode") {
      this.noAck = true;
      return "OK";
    }
    const xfer = /^qXfer:features:read:([^:]+):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
    if (xfer) {
      if (xfer[1] !== "target.xml") return "E00";
      const off = parseInt(xfer[2], 16), len = parseInt(xfer[3], 16);
      const chunk = this.xml.slice(off, off + Math.min(len, MAX_PACKET - 16));
      return (off + chunk.length >= this.xml.length ? "l" : "m") + chunk;
    }
    if (p === "qAttached") return "1";
    if (p === "qC") return "QC01";
    if (p === "qfThreadInfo") return "m01";
    if (p === "qsThreadInfo") return "l";
    if (p.startsWith("qRcmd,")) {
      const command = fromHex(p.slice(6));
      if (!command) return "E01";
      return this.monitor(new TextDecoder().decode(command).trim());
    }
    if (p.startsWith("qSymbol")) return "OK";
    return "";
  }

  /** `monitor` commands: output as O packets, then OK. */
  private monitor(command: string): string {
    const h = this.machine.hart;
    const out = (text: string) => this.reply("O" + toHex(new TextEncoder().encode(text)));
    const mode = ["U", "S", "?", "M"][h.priv];
    switch (command) {
      case "info":
        out(
          `pc 0x${BigInt.asUintN(64, BigInt(h.pc)).toString(16)}, mode ${mode}, ` +
            `${this.machine.executed} instructions executed, ` +
            `${h.triggers.debuggerRules.length} debugger break/watch points, ` +
            `satp 0x${BigInt.asUintN(64, h.satp).toString(16)}\n`,
        );
        return "OK";
      case "reset":
        this.machine.reset();
        this.lastStop = `T${hexByte(SIGTRAP)}thread:01;`;
        out("machine reset: RAM reloaded, the hart at its reset address\n");
        return "OK";
      case "help":
      case "":
        out("monitor commands: info (pc, mode, counts), reset (reload and restart the machine)\n");
        return "OK";
      default:
        out(`unknown monitor command '${command}' (try: monitor help)\n`);
        return "OK";
    }
  }

  /** Z/z TYPE,ADDR,KIND: place or remove a break or watch point. */
  private point(p: string): string {
    const m = /^([Zz])([0-4]),([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})/.exec(p);
    if (!m) return "E01";
    const kinds = Z_KINDS[Number(m[2])];
    const address = Number(BigInt.asIntN(64, BigInt("0x" + m[3])));
    const length = kinds === WATCH_EXECUTE ? 1 : parseInt(m[4], 16);
    const triggers = this.machine.hart.triggers;
    if (m[1] === "Z") {
      // GDB re-sends a point it believes placed (after a stop): keep one copy.
      if (!triggers.debuggerRules.some((r) => r.kinds === kinds && r.address === address)) {
        if (triggers.debuggerRules.length >= MAX_DEBUGGER_POINTS) return "E22";
        triggers.addDebuggerRule(kinds, address, length);
      }
      return "OK";
    }
    triggers.removeDebuggerRule(kinds, address);
    return "OK";
  }
}

const hexByte = (n: number) => n.toString(16).padStart(2, "0");

/** "ADDR,LENGTH" in hex; the address as the hart holds it (sign-extended). */
function addressAndLength(s: string): { address: number; length: number } | null {
  const m = /^([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})$/.exec(s);
  if (!m) return null;
  return { address: Number(BigInt.asIntN(64, BigInt("0x" + m[1]))), length: parseInt(m[2], 16) };
}
