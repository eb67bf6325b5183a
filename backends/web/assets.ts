/**
 * The files of the web page, compiled into demu: the page, its script and
 * style, and xterm.js with its style sheet taken from the npm package
 * (@xterm/xterm, the terminal emulator VS Code uses). Text imports put them
 * in the module graph, so `deno compile` embeds them and nothing is fetched
 * at run time or from a CDN.
 */
import xtermJs from "@xterm/xterm/lib/xterm.js" with { type: "text" };
import xtermCss from "@xterm/xterm/css/xterm.css" with { type: "text" };
import pageHtml from "./page.html" with { type: "text" };
import pageJs from "./page.js" with { type: "text" };
import pageCss from "./page.css" with { type: "text" };

export interface Asset {
  type: string;
  body: string;
}

const js = "text/javascript; charset=utf-8";
const css = "text/css; charset=utf-8";

/** URL path → file. */
export const PAGE_ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["/", { type: "text/html; charset=utf-8", body: pageHtml }],
  ["/demu.js", { type: js, body: pageJs }],
  ["/demu.css", { type: css, body: pageCss }],
  ["/xterm.js", { type: js, body: xtermJs }],
  ["/xterm.css", { type: css, body: xtermCss }],
]);
