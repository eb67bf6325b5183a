/** One benchmark line: the median of the runs, with their spread. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function report(name: string, unit: string, xs: number[], digits = 1): void {
  const fmt = (v: number) => v.toFixed(digits);
  console.log(
    `${name.padEnd(34)} ${fmt(median(xs)).padStart(8)} ${unit.padEnd(7)}` +
      `  (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))}, ${xs.length} runs)`,
  );
}
