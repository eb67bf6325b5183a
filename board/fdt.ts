/**
 * A writer for flattened device trees (DTB format version 17, as in the
 * devicetree specification, chapter 5): build nodes with properties, then
 * serialize. All multi-byte values are big-endian; the tree knows nothing of
 * what the nodes mean.
 */

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;
const HEADER_SIZE = 40;
const VERSION = 17;
const LAST_COMPATIBLE_VERSION = 16;

const utf8 = new TextEncoder();

/** One node: a name (with its `@unit-address`), ordered properties and children. */
export class FdtNode {
  readonly props = new Map<string, Uint8Array>();
  readonly children: FdtNode[] = [];

  constructor(readonly name: string) {}

  /** Appends and returns a new child node. */
  addChild(name: string): FdtNode {
    const child = new FdtNode(name);
    this.children.push(child);
    return child;
  }

  /** The child with exactly this name, if any. */
  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Sets a raw byte value (replacing any earlier value of the same name). */
  setBytes(name: string, value: Uint8Array): this {
    this.props.set(name, value);
    return this;
  }

  /** A property with no value: a boolean flag such as `interrupt-controller`. */
  setEmpty(name: string): this {
    return this.setBytes(name, new Uint8Array(0));
  }

  setU32(name: string, value: number): this {
    return this.setCells(name, [value]);
  }

  /** A 64-bit value as two cells, high first. */
  setU64(name: string, value: bigint | number): this {
    return this.setCells(name, u64Cells(value));
  }

  /** A list of 32-bit cells (reg, ranges, interrupts-extended...). */
  setCells(name: string, cells: readonly number[]): this {
    const bytes = new Uint8Array(cells.length * 4);
    const view = new DataView(bytes.buffer);
    cells.forEach((c, i) => {
      if (!Number.isInteger(c) || c < -0x80000000 || c > 0xffffffff) {
        throw new Error(`fdt: property ${name}: cell ${c} is not a 32-bit integer`);
      }
      view.setUint32(i * 4, c >>> 0);
    });
    return this.setBytes(name, bytes);
  }

  setString(name: string, value: string): this {
    return this.setStrings(name, [value]);
  }

  /** A string list: each string NUL-terminated, back to back (compatible...). */
  setStrings(name: string, values: readonly string[]): this {
    const parts = values.map((v) => utf8.encode(v + "\0"));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return this.setBytes(name, bytes);
  }

  /** Gives the node a phandle so that other nodes can refer to it. */
  setPhandle(phandle: number): this {
    return this.setU32("phandle", phandle);
  }
}

/** Splits a 64-bit value into two cells, high first. */
export function u64Cells(value: bigint | number): [number, number] {
  const v = BigInt.asUintN(64, BigInt(value));
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}

/** A whole tree: a root node plus header fields, and a phandle allocator. */
export class Fdt {
  readonly root = new FdtNode("");
  /** The physical id of the boot CPU, recorded in the header. */
  bootCpuidPhys = 0;
  private nextPhandle = 1;

  /** Returns a fresh phandle value (1, 2, ...). */
  allocPhandle(): number {
    return this.nextPhandle++;
  }

  /** Serializes: header, empty memory reservation block, structure block, strings block. */
  toBytes(): Uint8Array {
    const strings = new StringTable();
    const struct = new ByteWriter();
    writeNode(this.root, struct, strings);
    struct.u32(FDT_END);

    const offRsvmap = HEADER_SIZE; // already 8-byte aligned
    const offStruct = offRsvmap + 16; // one all-zero terminating entry
    const structBytes = struct.bytes();
    const stringBytes = strings.bytes();
    const offStrings = offStruct + structBytes.length;
    const total = offStrings + stringBytes.length;

    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    const header = [
      FDT_MAGIC,
      total,
      offStruct,
      offStrings,
      offRsvmap,
      VERSION,
      LAST_COMPATIBLE_VERSION,
      this.bootCpuidPhys,
      stringBytes.length,
      structBytes.length,
    ];
    header.forEach((v, i) => view.setUint32(i * 4, v));
    out.set(structBytes, offStruct);
    out.set(stringBytes, offStrings);
    return out;
  }
}

function writeNode(node: FdtNode, out: ByteWriter, strings: StringTable): void {
  out.u32(FDT_BEGIN_NODE);
  out.raw(utf8.encode(node.name + "\0"));
  out.align4();
  for (const [name, value] of node.props) {
    out.u32(FDT_PROP);
    out.u32(value.length);
    out.u32(strings.offset(name));
    out.raw(value);
    out.align4();
  }
  for (const child of node.children) writeNode(child, out, strings);
  out.u32(FDT_END_NODE);
}

/** The strings block: each property name stored once. */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly out = new ByteWriter();

  offset(name: string): number {
    let off = this.offsets.get(name);
    if (off === undefined) {
      off = this.out.length;
      this.offsets.set(name, off);
      this.out.raw(utf8.encode(name + "\0"));
    }
    return off;
  }

  bytes(): Uint8Array {
    return this.out.bytes();
  }
}

/** A growable big-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  u32(v: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Pads with zeros to the next multiple of 4. */
  align4(): void {
    const pad = (4 - (this.length & 3)) & 3;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
