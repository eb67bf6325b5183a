/**
 * A buffer made of several pieces: the guest memory views of one request's
 * descriptor chain, used in place so data moves between a host file and
 * guest RAM without a bounce copy.
 */

/** The views covering bytes [from, to) of `parts` (subarrays, no copy). */
export function sliceParts(parts: Uint8Array[], from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of parts) {
    const end = at + p.length;
    if (end > from && at < to) {
      out.push(p.subarray(Math.max(0, from - at), Math.min(p.length, to - at)));
    }
    at = end;
    if (at >= to) break;
  }
  return out;
}

/** Total length of `parts`. */
export function partsLength(parts: Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Copies `src` into `parts` from byte `offset` on; returns the count copied. */
export function copyIntoParts(parts: Uint8Array[], offset: number, src: Uint8Array): number {
  let done = 0;
  for (const p of sliceParts(parts, offset, offset + src.length)) {
    p.set(src.subarray(done, done + p.length));
    done += p.length;
  }
  return done;
}

/** Copies bytes of `parts` from `offset` on into `dest`; returns the count copied. */
export function copyFromParts(parts: Uint8Array[], offset: number, dest: Uint8Array): number {
  let done = 0;
  for (const p of sliceParts(parts, offset, offset + dest.length)) {
    dest.set(p, done);
    done += p.length;
  }
  return done;
}
