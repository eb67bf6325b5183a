/**
 * The layers import one way: core → devices → board → backends → main.ts and
 * mod.ts. A file may import its own layer or a lower one, never a higher one;
 * this test reads every import of the project's source and names each that
 * runs the wrong way.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LAYERS = ["core", "devices", "board", "backends", "main"];

/** The layer of a repository-relative path, or undefined outside the layered code. */
function layerOf(path: string): number | undefined {
  if (path === "main.ts" || path === "mod.ts") return LAYERS.indexOf("main");
  const top = path.split("/")[0];
  const i = LAYERS.indexOf(top);
  return i >= 0 && top !== "main" ? i : undefined;
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory && layerOf(path) !== undefined) yield* sourceFiles(path);
    else if (entry.isFile && /\.(ts|js)$/.test(entry.name) && layerOf(path) !== undefined) {
      yield path;
    }
  }
}

/** Relative module specifiers of static and dynamic imports and re-exports. */
export function importsOf(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of text.matchAll(pattern)) found.push(m[1]);
  return found;
}

Deno.test("architecture: the import reader sees static, dynamic and re-export imports", () => {
  const text = `import { a } from "../core/a.ts";\nexport { b } from './b.ts';\n` +
    `const c = await import("../board/c.ts");\nimport "./side.ts";`;
  assert.deepEqual(importsOf(text), ["../core/a.ts", "./b.ts", "../board/c.ts", "./side.ts"]);
});

Deno.test("architecture: every import runs down the layers (core → devices → board → backends → main)", async () => {
  const wrong: string[] = [];
  let files = 0;
  for await (const file of sourceFiles("")) {
    files++;
    const from = layerOf(file)!;
    for (const spec of importsOf(await Deno.readTextFile(join(ROOT, file)))) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
      const to = layerOf(target);
      if (to !== undefined && to > from) {
        wrong.push(`${file} (${LAYERS[from]}) imports ${target} (${LAYERS[to]})`);
      }
    }
  }
  assert.ok(files > 50, `read only ${files} files`);
  assert.deepEqual(wrong, [], `imports that run up the layers:\n${wrong.join("\n")}`);
});
