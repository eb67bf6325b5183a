/**
 * TinyEMU's VM configuration files, so that its configs keep working: a
 * relaxed JSON (comments, unquoted keys, trailing commas, hex numbers) parsed
 * by `parseConfigText`, and the meaning of its keys checked by
 * `interpretConfig` (the rules of TinyEMU's machine.c). The caller reads the
 * file; nothing here touches the host.
 */
import { maxRamMiB, memoryFits } from "../core/memory.ts";
import { Framebuffer } from "../devices/framebuffer.ts";

/** A problem in a config file; `line`/`column` are 1-based when known. */
export class ConfigError extends Error {
  constructor(message: string, readonly line?: number, readonly column?: number) {
    // One line whatever the file held: control characters quoted from it are shown escaped.
    message = message.replace(
      // deno-lint-ignore no-control-regex
      /[\x00-\x1f\x7f]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
    );
    super(
      line === undefined
        ? `config: ${message}`
        : `config line ${line}${column === undefined ? "" : `, column ${column}`}: ${message}`,
    );
    this.name = "ConfigError";
  }
}

/** Where each key of each parsed object was written, for error messages later. */
const keyLines = new WeakMap<object, Map<string, number>>();

/** Parses config text into plain objects, arrays, strings, numbers, booleans and null. */
export function parseConfigText(text: string): Record<string, unknown> {
  const p = new Parser(text);
  p.skip();
  const value = p.value();
  p.skip();
  if (p.pos < text.length) p.fail("unexpected text after the configuration object");
  if (!isObject(value)) throw new ConfigError("the configuration must be an object { ... }", 1);
  return value;
}

/** Deeper nesting is refused: a recursive parser must not overflow the stack on hostile text. */
const MAX_NESTING = 64;

class Parser {
  pos = 0;
  private depth = 0;
  /** lineAt's cursor: keys come in text order, so each call scans only the new text. */
  private lineCursor = 0;
  private lineCount = 1;
  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
    }
    throw new ConfigError(message, line, at - lineStart + 1);
  }

  lineAt(at: number): number {
    if (at < this.lineCursor) {
      this.lineCursor = 0;
      this.lineCount = 1;
    }
    for (; this.lineCursor < at; this.lineCursor++) {
      if (this.text[this.lineCursor] === "\n") this.lineCount++;
    }
    return this.lineCount;
  }

  /** Enters an object or array (left again by `leave`). */
  private enter(): void {
    if (++this.depth > MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels`);
  }

  private leave<T>(value: T): T {
    this.depth--;
    return value;
  }

  /** Skips white space and comments. */
  skip(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\ufeff") this.pos++;
      else if (t.startsWith("//", this.pos)) {
        const end = t.indexOf("\n", this.pos);
        this.pos = end < 0 ? t.length : end + 1;
      } else if (t.startsWith("/*", this.pos)) {
        const end = t.indexOf("*/", this.pos + 2);
        if (end < 0) this.fail("unterminated /* comment");
        this.pos = end + 2;
      } else break;
    }
  }

  value(): unknown {
    const c = this.text[this.pos];
    if (c === "{") {
      this.enter();
      return this.leave(this.object());
    }
    if (c === "[") {
      this.enter();
      return this.leave(this.array());
    }
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    const word = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.pos, this.pos + 64))?.[0];
    if (word === "true" || word === "false" || word === "null") {
      this.pos += word.length;
      return word === "true" ? true : word === "false" ? false : null;
    }
    if (c === undefined) this.fail("unexpected end of file, expected a value");
    this.fail(
      word ? `unexpected word '${word}' (strings need double quotes)` : `unexpected '${c}'`,
    );
  }

  object(): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    const lines = new Map<string, number>();
    keyLines.set(obj, lines);
    this.pos++; // {
    for (;;) {
      this.skip();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return obj;
      }
      const keyAt = this.pos;
      const key = this.key();
      if (lines.has(key)) this.fail(`duplicate key '${key}'`, keyAt);
      this.skip();
      if (this.text[this.pos] !== ":") this.fail(`expected ':' after '${key}'`);
      this.pos++;
      this.skip();
      // defineProperty: a key named "__proto__" must stay a plain data key.
      Object.defineProperty(obj, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      lines.set(key, this.lineAt(keyAt));
      this.skip();
      const c = this.text[this.pos];
      if (c === ",") this.pos++;
      else if (c !== "}") this.fail("expected ',' or '}'");
    }
  }

  key(): string {
    if (this.text[this.pos] === '"') return this.string();
    const m = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) this.fail("expected a key");
    this.pos += m[0].length;
    return m[0];
  }

  array(): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    for (;;) {
      this.skip();
      if (this.text[this.pos] === "]") {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.skip();
      const c = this.text[this.pos];
      if (c === ",") this.pos++;
      else if (c !== "]") this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const t = this.text;
    const start = this.pos;
    let out = "";
    this.pos++; // opening quote
    for (;;) {
      const c = t[this.pos];
      if (c === undefined || c === "\n") this.fail("unterminated string", start);
      this.pos++;
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = t[this.pos++];
      const simple: Record<string, string> = {
        '"': '"',
        "\\": "\\",
        "/": "/",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
      };
      if (e in simple) out += simple[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos, this.pos + 4))) {
        out += String.fromCharCode(parseInt(t.slice(this.pos, this.pos + 4), 16));
        this.pos += 4;
      } else this.fail(`bad escape '\\${e ?? ""}' in string`, this.pos - 2);
    }
  }

  number(): number {
    const m = /^-?(0[xX][0-9a-fA-F]+|\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(
      this.text.slice(this.pos, this.pos + 64),
    );
    if (!m) this.fail("bad number");
    const s = m[0];
    this.pos += s.length;
    if (/[\w$]/.test(this.text[this.pos] ?? "")) this.fail("bad number");
    const neg = s.startsWith("-");
    const body = neg ? s.slice(1) : s;
    const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : Number(body);
    return neg ? -n : n;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface DriveConfig {
  /** The image file; a TinyEMU-style http(s):// name here means `url`. */
  file?: string;
  /** A read-only image served over HTTP(S) (read by range requests). */
  url?: string;
  device?: string;
  /** "rw", "ro" or "snapshot" (the default); -rw / -ro override it. */
  mode?: string;
  /** Snapshot mode: keep the written blocks in this file (created if missing) instead of RAM. */
  overlay?: string;
  /** What the guest reads in /sys/block/vdX/serial (at most 20 bytes). */
  serial?: string;
}

export interface FsConfig {
  tag: string;
  file: string;
  /** Read-only export: every change is refused with EROFS. */
  ro?: boolean;
}

export interface EthConfig {
  driver: string;
  ifname?: string;
  /** The card's MAC address as written (`02:00:00:00:00:02`); checked when the card opens. */
  mac?: string;
}

export interface DisplayConfig {
  device: string;
  width: number;
  height: number;
  vgaBios?: string;
}

export interface VmConfig {
  memoryMiB: number;
  bios?: string;
  kernel?: string;
  initrd?: string;
  /** The kernel command line, with TinyEMU's `${TZ}` substituted. */
  cmdline: string;
  drives: DriveConfig[];
  fs: FsConfig[];
  eth: EthConfig[];
  display?: DisplayConfig;
  inputDevice?: string;
  /** "auto" asks for hardware acceleration, which demu does not have: it runs as "none". */
  accel?: "none" | "auto";
  rtcLocalTime: boolean;
}

/** A machine with nothing configured yet: 128 MiB, no files, no devices. */
export function emptyConfig(): VmConfig {
  return { memoryMiB: 128, cmdline: "", drives: [], fs: [], eth: [], rtcLocalTime: false };
}

/** The command line's boot choices, laid over a config's. */
export interface BootFlags {
  memoryMiB?: number;
  bios?: string;
  kernel?: string;
  initrd?: string;
  /** TinyEMU's -append: added to the command line; a leading '!' replaces it. */
  append?: string;
}

export function applyBootFlags(config: VmConfig, flags: BootFlags): void {
  if (flags.memoryMiB !== undefined) config.memoryMiB = flags.memoryMiB;
  if (flags.bios !== undefined) config.bios = flags.bios;
  if (flags.kernel !== undefined) config.kernel = flags.kernel;
  if (flags.initrd !== undefined) config.initrd = flags.initrd;
  const text = flags.append;
  if (text !== undefined) {
    config.cmdline = text.startsWith("!")
      ? text.slice(1)
      : config.cmdline
      ? `${config.cmdline} ${text}`
      : text;
  }
}

export interface InterpretOptions {
  /** Directory of the config file: relative file names resolve against it. */
  baseDir?: string;
  /** Minutes east of UTC for `${TZ}`; defaults to the host's current offset. */
  utcOffsetMinutes?: number;
}

/** The largest guest RAM: it and the machine's tables must fit below 2 GiB (core/memory.ts). */
export const MAX_MEMORY_MIB = maxRamMiB();
const MAX_DEVICES = 16;

/** The top-level keys a config may have besides driveN, fsN and ethN. */
export const TOP_KEYS: ReadonlySet<string> = new Set([
  "version",
  "machine",
  "memory_size",
  "bios",
  "kernel",
  "initrd",
  "cmdline",
  "display0",
  "input_device",
  "accel",
  "rtc_local_time",
]);

/** Checks a parsed config against TinyEMU's rules and returns what the machine needs. */
export function interpretConfig(
  obj: Record<string, unknown>,
  opts: InterpretOptions = {},
): VmConfig {
  const r = new Reader(obj, "");
  for (const key of Object.keys(obj)) {
    if (!TOP_KEYS.has(key) && !/^(drive|fs|eth)\d+$/.test(key)) {
      r.fail(key, `unknown key '${key}'`);
    }
  }

  const version = r.int("version", true);
  if (version !== 1) {
    r.fail("version", `version ${version} is not supported (this emulator reads version 1)`);
  }
  const machine = r.str("machine", true);
  if (machine === "riscv32" || machine === "riscv128" || machine === "pc") {
    r.fail("machine", `machine '${machine}' is not supported: demu emulates only 'riscv64'`);
  }
  if (machine !== "riscv64") r.fail("machine", `unknown machine name '${machine}'`);

  const memoryMiB = r.int("memory_size", true)!;
  if (memoryMiB < 1 || memoryMiB > MAX_MEMORY_MIB) {
    r.fail("memory_size", `memory_size must be 1..${MAX_MEMORY_MIB} (MiB), not ${memoryMiB}`);
  }

  const path = (f: string | undefined) => f === undefined ? undefined : resolve(opts.baseDir, f);

  const drives = indexed(obj, "drive").map(([key, d]) => {
    d.only(["file", "url", "device", "mode", "overlay", "serial"]);
    const device = d.str("device");
    if (device !== undefined && device !== "virtio") {
      d.fail("device", `drive device '${device}' is unknown (only 'virtio')`);
    }
    const url = d.str("url");
    const file = d.str("file", url === undefined);
    if (file !== undefined && url !== undefined) d.fail("url", `${key} has both 'file' and 'url'`);
    const mode = d.str("mode");
    if (mode !== undefined && mode !== "rw" && mode !== "ro" && mode !== "snapshot") {
      d.fail("mode", `drive mode '${mode}' is unknown (rw, ro or snapshot)`);
    }
    const drive: DriveConfig = { file: path(file), device, mode };
    // Optional keys appear only when given.
    if (url !== undefined) drive.url = url;
    const overlay = d.str("overlay");
    if (overlay !== undefined) drive.overlay = path(overlay);
    const serial = d.str("serial");
    if (serial !== undefined) drive.serial = serial;
    return drive;
  });

  const fs = indexed(obj, "fs").map(([, f], i) => {
    f.only(["file", "tag", "ro"]);
    const ro = f.bool("ro");
    return {
      file: path(f.str("file", true))!,
      tag: f.str("tag") ?? (i === 0 ? "/dev/root" : `/dev/root${i}`),
      ...(ro === undefined ? {} : { ro }),
    };
  });

  const eth = indexed(obj, "eth").map(([, e]) => {
    e.only(["driver", "ifname", "mac"]);
    const driver = e.str("driver", true)!;
    const mac = e.str("mac", false);
    return { driver, ifname: e.str("ifname", driver === "tap"), ...(mac ? { mac } : {}) };
  });

  let display: DisplayConfig | undefined;
  const d = r.sub("display0");
  if (d) {
    d.only(["device", "width", "height", "vga_bios"]);
    display = {
      device: d.str("device", true)!,
      width: d.int("width", true)!,
      height: d.int("height", true)!,
      vgaBios: path(d.str("vga_bios")),
    };
    if (display.device !== "simplefb") {
      d.fail("device", `display0 device '${display.device}' is unknown (only 'simplefb')`);
    }
    for (const key of ["width", "height"] as const) {
      if (display[key] < 1 || display[key] > 4096) {
        d.fail(key, `display0.${key} must be 1..4096, not ${display[key]}`);
      }
    }
    // The screen's memory sits in the same buffer as RAM (core/memory.ts).
    const vram = Framebuffer.bytesFor(display.width, display.height);
    if (!memoryFits(memoryMiB * 2 ** 20, vram)) {
      r.fail(
        "memory_size",
        `memory_size ${memoryMiB} (MiB) and a ${display.width}x${display.height} display0 ` +
          `do not fit below 2 GiB: at most ${maxRamMiB(vram)} MiB with this screen`,
      );
    }
  }

  const inputDevice = r.str("input_device");
  if (inputDevice !== undefined && inputDevice !== "virtio") {
    r.fail("input_device", `input_device '${inputDevice}' is unknown (only 'virtio')`);
  }

  const accel = r.str("accel");
  if (accel !== undefined && accel !== "none" && accel !== "auto") {
    r.fail("accel", `unsupported 'accel' value '${accel}' (expected 'none' or 'auto')`);
  }

  return {
    memoryMiB,
    bios: path(r.str("bios")),
    kernel: path(r.str("kernel")),
    initrd: path(r.str("initrd")),
    cmdline: substituteTz(
      r.str("cmdline") ?? "",
      opts.utcOffsetMinutes ?? -new Date().getTimezoneOffset(),
    ),
    drives,
    fs,
    eth,
    display,
    inputDevice,
    accel: accel as VmConfig["accel"],
    rtcLocalTime: r.bool("rtc_local_time") ?? false,
  };
}

/** drive0, drive1, ... up to the first missing index, as TinyEMU reads them. */
function indexed(obj: Record<string, unknown>, prefix: string): [string, Reader][] {
  const out: [string, Reader][] = [];
  const top = new Reader(obj, "");
  for (let i = 0; `${prefix}${i}` in obj; i++) {
    if (i >= MAX_DEVICES) {
      top.fail(`${prefix}${i}`, `too many ${prefix} entries (at most ${MAX_DEVICES})`);
    }
    out.push([`${prefix}${i}`, top.sub(`${prefix}${i}`)!]);
  }
  const stray = Object.keys(obj).find((k) =>
    k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)) && !out.some(([n]) => n === k)
  );
  if (stray) top.fail(stray, `'${stray}' follows a gap: entries must be numbered from ${prefix}0`);
  return out;
}

/** Typed access to one object's keys, with errors that name the key and its line. */
class Reader {
  constructor(readonly obj: Record<string, unknown>, readonly prefix: string) {}

  fail(key: string, message: string): never {
    throw new ConfigError(message, keyLines.get(this.obj)?.get(key));
  }

  private name(key: string): string {
    return this.prefix + key;
  }

  private get(key: string, required: boolean): unknown {
    if (!Object.hasOwn(this.obj, key)) {
      if (required) this.fail(key, `missing '${this.name(key)}'`);
      return undefined;
    }
    return this.obj[key];
  }

  only(keys: string[]): void {
    for (const k of Object.keys(this.obj)) {
      if (!keys.includes(k)) this.fail(k, `unknown key '${this.name(k)}'`);
    }
  }

  str(key: string, required = false): string | undefined {
    const v = this.get(key, required);
    if (v !== undefined && typeof v !== "string") {
      this.fail(key, `'${this.name(key)}' must be a string`);
    }
    return v;
  }

  int(key: string, required = false): number | undefined {
    const v = this.get(key, required);
    if (v !== undefined && (typeof v !== "number" || !Number.isSafeInteger(v))) {
      this.fail(key, `'${this.name(key)}' must be an integer`);
    }
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.get(key, false);
    if (v !== undefined && typeof v !== "boolean") {
      this.fail(key, `'${this.name(key)}' must be true or false`);
    }
    return v;
  }

  sub(key: string): Reader | undefined {
    const v = this.get(key, false);
    if (v === undefined) return undefined;
    if (!isObject(v)) this.fail(key, `'${this.name(key)}' must be an object { ... }`);
    return new Reader(v, `${this.name(key)}.`);
  }
}

/** TinyEMU's rule: URLs (anything with ':') and absolute paths stay; others join baseDir. */
function resolve(baseDir: string | undefined, file: string): string {
  if (!baseDir || file.includes(":") || file.startsWith("/")) return file;
  return `${baseDir.replace(/\/+$/, "")}/${file}`;
}

/**
 * As TinyEMU: `${TZ}` becomes a POSIX TZ string for the offset (UTC+1 gives
 * "UTC-01:00"); other `${...}` variables are unknown and vanish.
 */
function substituteTz(cmdline: string, eastMinutes: number): string {
  const sign = eastMinutes < 0 ? "+" : "-";
  const n = Math.abs(eastMinutes);
  const pad = (x: number) => String(x).padStart(2, "0");
  const tz = `UTC${sign}${pad(Math.floor(n / 60))}:${pad(n % 60)}`;
  return cmdline.replace(/\$\{([^}]*)\}/g, (_, name) => name === "TZ" ? tz : "");
}
