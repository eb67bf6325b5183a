/**
 * Host file paths (POSIX), as node:path's join, resolve and basename and
 * node:url's fileURLToPath give them. Written here rather than imported: an
 * import of node:path or node:url loads Deno's Node compatibility scripts at
 * every start of demu (docs/speed.md, "start, 2026-12-06, session 11").
 * tests/host_path_test.ts holds them to Node's results.
 */

/** `.` and `..` resolved, repeated slashes made one; a trailing slash kept. */
function normalize(path: string): string {
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.length > 0 && out.at(-1) !== "..") out.pop();
    else if (!absolute) out.push("..");
  }
  const body = out.join("/");
  if (absolute) return "/" + body + (trailing && body ? "/" : "");
  if (body === "") return trailing ? "./" : ".";
  return body + (trailing ? "/" : "");
}

/** The parts joined with `/` and normalized; no parts (or only empty ones) is `.`. */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** The absolute path the parts name, from the current directory; no trailing slash. */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !path.startsWith("/"); i--) {
    if (parts[i] !== "") path = path === "" ? parts[i] : `${parts[i]}/${path}`;
  }
  if (!path.startsWith("/")) path = path === "" ? Deno.cwd() : `${Deno.cwd()}/${path}`;
  const normal = normalize(path);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/** The last part of a path, trailing slashes ignored. */
export function basename(path: string): string {
  const trimmed = path.replace(/(?<=.)\/+$/, "");
  return trimmed === "/" ? "" : trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The host path of a `file:` URL; another URL is a TypeError. */
export function fileUrlPath(url: URL): string {
  if (url.protocol !== "file:") throw new TypeError(`not a file: URL: ${url.href}`);
  if (url.hostname !== "" && url.hostname !== "localhost") {
    throw new TypeError(`a file: URL with a host: ${url.href}`);
  }
  if (/%2f/i.test(url.pathname)) throw new TypeError(`an encoded '/' in ${url.href}`);
  return decodeURIComponent(url.pathname);
}
