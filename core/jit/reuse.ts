/**
 * Region bodies compiled before, by their bytes. A region's body holds no
 * guest address of its own (core/jit/codegen.ts `pcConst`: pcs are offsets
 * from a page address the function takes as a parameter), so the same code
 * planned the same way at another address emits the same bytes: each `sh -c`
 * on a distribution is a new process whose dash and glibc ASLR moves, and
 * their regions, translated again, cost V8 a new compile and a new climb from
 * its baseline tier to its optimizing one (docs/speed.md, "dash"). A body
 * found here is the same function, in the same instance, on V8's code for it
 * as it stands: a tail call between two functions of one instance costs V8 a
 * third of one between instances (docs/speed.md, "settle").
 */

/** A compiled body and its function, which serves every address the body is found at. */
export interface CompiledBody<F> {
  fn: F;
  body: Uint8Array;
}

export class CompiledBodies<F> {
  private readonly byHash = new Map<number, CompiledBody<F>[]>();
  /** Where in RAM (buffer offsets) the regions compiled here were rooted. */
  private readonly roots = new Set<number>();
  /** The modules' bytes held here (each body's share). */
  bytes = 0;

  /**
   * `maxBytes` bounds the modules held (past it, all are let go): they are
   * those of the translations in use and of ones dropped since (a page's
   * regions merged into one, a process gone), which a Debian boot makes
   * several times over.
   */
  constructor(readonly maxBytes: number) {}

  /** The body compiled before with these bytes (`hash` is bodyHash(body)), or null. */
  find(hash: number, body: Uint8Array): CompiledBody<F> | null {
    for (const c of this.byHash.get(hash) ?? []) if (sameBytes(c.body, body)) return c;
    return null;
  }

  add(hash: number, entry: CompiledBody<F>, share: number): void {
    if (this.bytes + share > this.maxBytes) this.clear();
    const list = this.byHash.get(hash);
    if (list === undefined) this.byHash.set(hash, [entry]);
    else list.push(entry);
    this.bytes += share;
  }

  /** Notes a compiled region's root, by its buffer offset. */
  root(offset: number): void {
    this.roots.add(offset);
  }

  /**
   * Whether a region compiled here was rooted at this buffer offset: the
   * translation budget lets such a pc through, as its translation will most
   * likely be found here and cost no compile.
   */
  rooted(offset: number): boolean {
    return this.roots.has(offset);
  }

  clear(): void {
    this.roots.clear();
    this.byHash.clear();
    this.bytes = 0;
  }
}

/** FNV-1a over the body's bytes. */
export function bodyHash(body: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) h = Math.imul(h ^ body[i], 0x01000193);
  return h >>> 0;
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
