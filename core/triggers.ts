/**
 * Sdtrig debug triggers (RISC-V debug spec 1.0, ch. 5): tselect, tdata1-3,
 * tinfo and tcontrol, with address-match triggers of type 2 (mcontrol, what
 * the riscv-tests `breakpoint` program expects) and type 6 (mcontrol6).
 * Triggers fire "before": an execute match stops the instruction before it
 * runs, a load or store match before memory is touched. Action 0 raises a
 * breakpoint exception (cause 3, tval the matching address); debug mode
 * (action 1, dmode) is not implemented, so those bits read as zero.
 *
 * The GDB stub's breakpoints and watchpoints (backends/debug) are matched by
 * the same code: they are rules without a CSR, whose hit stops the machine
 * for the debugger instead of trapping.
 */

import { PRIV_M } from "./csr.ts";

export const TRIGGER_COUNT = 4;

/** tdata1.type values. */
const TYPE_MCONTROL = 2n;
const TYPE_MCONTROL6 = 6n;
const TYPE_DISABLED = 15n;
const TYPE_SHIFT = 60n;

// Fields shared by mcontrol and mcontrol6 (low 12 bits), and their hit bits.
const LOAD = 1n;
const STORE = 2n;
const EXECUTE = 4n;
const U = 8n;
const S = 16n;
const M = 64n;
const MATCH_SHIFT = 7n;
const MCONTROL_HIT = 1n << 20n;
const MCONTROL6_HIT0 = 1n << 22n;

/** Match kinds: address equal, address at or above tdata2, address below tdata2. */
const MATCH_EQUAL = 0;
const MATCH_AT_LEAST = 2;
const MATCH_BELOW = 3;

/** tcontrol bits: M-mode triggers enabled, and the value before the last trap into M. */
export const TCONTROL_MTE = 8;
export const TCONTROL_MPTE = 128;

/** What an address rule watches. */
export const WATCH_EXECUTE = 1;
export const WATCH_LOAD = 2;
export const WATCH_STORE = 4;

/**
 * One armed match: a trigger CSR's decoded form or a debugger's break/watch
 * point. Addresses are guest virtual addresses held as JS numbers.
 */
export interface AddressRule {
  /** WATCH_* bits. */
  kinds: number;
  /** MATCH_EQUAL / MATCH_AT_LEAST / MATCH_BELOW for triggers; debugger rules match a range. */
  match: number;
  address: number;
  /** Bytes covered, for debugger rules (an access overlapping [address, address+length) hits). */
  length: number;
  /** Privilege modes it fires in, as bits (1 << priv). */
  privs: number;
  /** The trigger index, or -1 for a debugger rule. */
  trigger: number;
}

/** The trap or stop a match asks for. */
export interface Hit {
  rule: AddressRule;
  /** The address that matched (the pc, or the access's first byte). */
  address: number;
}

export interface TriggerState {
  select: number;
  tdata1: bigint[];
  tdata2: bigint[];
  tcontrol: number;
}

const toNumber = (v: bigint) => Number(BigInt.asIntN(64, v));

export class Triggers {
  select = 0;
  readonly tdata1: bigint[] = Array(TRIGGER_COUNT).fill(TYPE_MCONTROL << TYPE_SHIFT);
  readonly tdata2: bigint[] = Array(TRIGGER_COUNT).fill(0n);
  tcontrol = 0;
  /** Rules the debugger placed (backends/debug). */
  readonly debuggerRules: AddressRule[] = [];
  /** The rules in force, guest triggers after the debugger's. */
  private rules: AddressRule[] = [];
  /** True while any rule watches instruction fetch, or loads and stores. */
  watchesFetch = false;
  watchesData = false;
  /** Told whenever the rules change (the hart drops its fast paths while any are armed). */
  onChange: (() => void) | null = null;

  read(csr: number): bigint | undefined {
    switch (csr) {
      case 0x7a0:
        return BigInt(this.select);
      case 0x7a1:
        return this.tdata1[this.select];
      case 0x7a2:
        return this.tdata2[this.select];
      case 0x7a3: // tdata3 (textra): no context matching, all zero
        return 0n;
      case 0x7a4: // tinfo: version 1 (Sdtrig 1.0); types 2, 6 and 15 exist
        return (1n << 24n) | (1n << 2n) | (1n << 6n) | (1n << 15n);
      case 0x7a5:
        return BigInt(this.tcontrol);
    }
    return undefined;
  }

  /** Writes a trigger CSR (WARL: unsupported field values become legal ones); false if not one. */
  write(csr: number, v: bigint): boolean {
    switch (csr) {
      case 0x7a0: // an index past the last trigger leaves tselect as it was
        if (v >= 0n && v < BigInt(TRIGGER_COUNT)) this.select = Number(v);
        return true;
      case 0x7a1:
        this.tdata1[this.select] = legalTdata1(BigInt.asUintN(64, v));
        break;
      case 0x7a2:
        this.tdata2[this.select] = BigInt.asUintN(64, v);
        break;
      case 0x7a3:
      case 0x7a4:
        return true;
      case 0x7a5:
        this.tcontrol = Number(v & BigInt(TCONTROL_MTE | TCONTROL_MPTE));
        return true;
      default:
        return false;
    }
    this.rebuild();
    return true;
  }

  /** A trap into M-mode saves and clears mte, so a handler's own accesses do not re-fire. */
  enterMachineTrap(): void {
    const mte = this.tcontrol & TCONTROL_MTE;
    this.tcontrol = mte ? TCONTROL_MPTE : 0;
  }

  /** MRET restores mte from mpte. */
  returnFromMachineTrap(): void {
    if (this.tcontrol & TCONTROL_MPTE) this.tcontrol |= TCONTROL_MTE;
    else this.tcontrol &= ~TCONTROL_MTE;
  }

  /** Adds or removes a debugger rule; remove answers whether it was there. */
  addDebuggerRule(kinds: number, address: number, length: number): void {
    this.debuggerRules.push({
      kinds,
      match: MATCH_EQUAL,
      address,
      length: Math.max(1, length),
      privs: 0xf,
      trigger: -1,
    });
    this.rebuild();
  }

  removeDebuggerRule(kinds: number, address: number): boolean {
    const i = this.debuggerRules.findIndex((r) => r.kinds === kinds && r.address === address);
    if (i < 0) return false;
    this.debuggerRules.splice(i, 1);
    this.rebuild();
    return true;
  }

  clearDebuggerRules(): void {
    this.debuggerRules.length = 0;
    this.rebuild();
  }

  /** The guest-visible state, for the lockstep checker (core/jit/lockstep.ts) to undo a run. */
  save(): TriggerState {
    return {
      select: this.select,
      tdata1: [...this.tdata1],
      tdata2: [...this.tdata2],
      tcontrol: this.tcontrol,
    };
  }

  load(s: TriggerState): void {
    this.select = s.select;
    s.tdata1.forEach((v, i) => this.tdata1[i] = v);
    s.tdata2.forEach((v, i) => this.tdata2[i] = v);
    this.tcontrol = s.tcontrol;
    this.rebuild();
  }

  /** Back to the reset state (debugger rules stay). */
  reset(): void {
    this.select = 0;
    this.tdata1.fill(TYPE_MCONTROL << TYPE_SHIFT);
    this.tdata2.fill(0n);
    this.tcontrol = 0;
    this.rebuild();
  }

  /** The first rule an instruction fetch at `pc` in mode `priv` matches. */
  matchFetch(pc: number, priv: number): Hit | null {
    for (const r of this.rules) {
      if ((r.kinds & WATCH_EXECUTE) && this.enabled(r, priv) && hits(r, pc, 1)) {
        return { rule: r, address: pc };
      }
    }
    return null;
  }

  /** The first rule a load or store of `size` bytes at `va` matches. */
  matchData(va: number, size: number, store: boolean, priv: number): Hit | null {
    const kind = store ? WATCH_STORE : WATCH_LOAD;
    for (const r of this.rules) {
      if ((r.kinds & kind) && this.enabled(r, priv) && hits(r, va, size)) {
        return { rule: r, address: va };
      }
    }
    return null;
  }

  /** Records a trigger's firing in its hit bit (mcontrol.hit, mcontrol6.hit0). */
  markHit(index: number): void {
    const t = this.tdata1[index];
    this.tdata1[index] = t | ((t >> TYPE_SHIFT) === TYPE_MCONTROL ? MCONTROL_HIT : MCONTROL6_HIT0);
  }

  private enabled(r: AddressRule, priv: number): boolean {
    if (!((r.privs >> priv) & 1)) return false;
    // M-mode triggers with action 0 fire only while tcontrol.mte is set (debug spec §5.7.7).
    return r.trigger < 0 || priv !== PRIV_M || (this.tcontrol & TCONTROL_MTE) !== 0;
  }

  private rebuild(): void {
    const rules = [...this.debuggerRules];
    for (let i = 0; i < TRIGGER_COUNT; i++) {
      const rule = decode(this.tdata1[i], this.tdata2[i], i);
      if (rule) rules.push(rule);
    }
    this.rules = rules;
    this.watchesFetch = rules.some((r) => r.kinds & WATCH_EXECUTE);
    this.watchesData = rules.some((r) => r.kinds & (WATCH_LOAD | WATCH_STORE));
    this.onChange?.();
  }
}

/** Whether an access of `size` bytes at `va` matches rule r. */
function hits(r: AddressRule, va: number, size: number): boolean {
  if (r.trigger < 0) return va < r.address + r.length && r.address < va + size;
  if (r.match === MATCH_AT_LEAST) return va >= r.address;
  if (r.match === MATCH_BELOW) return va < r.address;
  return va === r.address;
}

/**
 * The legal value of a tdata1 write: type 2 or 6 keep their supported fields
 * (M/S/U, execute/load/store, match equal/>=/<); 0 disables the trigger
 * (type 15), as any other type does.
 */
function legalTdata1(v: bigint): bigint {
  const type = v >> TYPE_SHIFT;
  if (type !== TYPE_MCONTROL && type !== TYPE_MCONTROL6) return TYPE_DISABLED << TYPE_SHIFT;
  let match = (v >> MATCH_SHIFT) & 15n;
  if (match !== 2n && match !== 3n) match = 0n;
  const keep = v & (M | S | U | EXECUTE | STORE | LOAD);
  const hit = v & (type === TYPE_MCONTROL ? MCONTROL_HIT : MCONTROL6_HIT0);
  return (type << TYPE_SHIFT) | hit | (match << MATCH_SHIFT) | keep;
}

/** The rule a trigger's CSRs describe, or null when it watches nothing. */
function decode(tdata1: bigint, tdata2: bigint, index: number): AddressRule | null {
  const type = tdata1 >> TYPE_SHIFT;
  if (type !== TYPE_MCONTROL && type !== TYPE_MCONTROL6) return null;
  const kinds = (tdata1 & EXECUTE ? WATCH_EXECUTE : 0) | (tdata1 & LOAD ? WATCH_LOAD : 0) |
    (tdata1 & STORE ? WATCH_STORE : 0);
  const privs = (tdata1 & U ? 1 : 0) | (tdata1 & S ? 2 : 0) | (tdata1 & M ? 8 : 0);
  if (kinds === 0 || privs === 0) return null;
  return {
    kinds,
    match: Number((tdata1 >> MATCH_SHIFT) & 15n),
    address: toNumber(tdata2),
    length: 1,
    privs,
    trigger: index,
  };
}
