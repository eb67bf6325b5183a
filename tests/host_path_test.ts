/** backends/host_path.ts gives what node:path (POSIX) and node:url give. */
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { basename, fileUrlPath, join, resolve } from "../backends/host_path.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "a",
  "a/",
  "/a/b/",
  "a//b",
  "./a/./b",
  "a/../..",
  "../a/../b",
  "/../a",
  "/a/b/../../..",
  "a/..",
  "a/../",
  "vm.cfg",
  "~/.cache/demu",
  "dir with space/x.img",
];

Deno.test("host_path: join, resolve and basename as node:path's", () => {
  for (const p of PATHS) {
    assert.equal(basename(p), nodePath.posix.basename(p), `basename ${p}`);
    assert.equal(resolve(p), nodePath.posix.resolve(p), `resolve ${p}`);
    assert.equal(join(p), nodePath.posix.join(p), `join ${p}`);
    for (const q of ["", "b", "/c", "../d", "e/"]) {
      assert.equal(join(p, q), nodePath.posix.join(p, q), `join ${p} ${q}`);
      assert.equal(resolve(p, q), nodePath.posix.resolve(p, q), `resolve ${p} ${q}`);
      assert.equal(resolve(q, p), nodePath.posix.resolve(q, p), `resolve ${q} ${p}`);
    }
  }
  assert.equal(join(), nodePath.posix.join());
  assert.equal(resolve(), nodePath.posix.resolve());
});

Deno.test("host_path: fileUrlPath as node:url's fileURLToPath", () => {
  for (const u of ["file:///a/b", "file:///a%20b/c%C3%A9", "file://localhost/x", "file:///"]) {
    assert.equal(fileUrlPath(new URL(u)), fileURLToPath(new URL(u)), u);
  }
  for (const u of ["https://example.com/a", "file://host/a", "file:///a%2fb"]) {
    assert.throws(() => fileURLToPath(new URL(u)), TypeError, u);
    assert.throws(() => fileUrlPath(new URL(u)), TypeError, u);
  }
});
