/**
 * One browser session against a running demu web console (the browser half of
 * tests/web_browser_test.ts, run as its own process because playwright-core
 * reads /proc and the home directory, which the test suite's permissions do
 * not allow). Usage: deno run -A tests/browser/session.ts URL SCREENSHOT
 *
 * It does what a user would do and prints a JSON report of what the page
 * showed; the test asserts on it. A step that never happens ends the session
 * with an error naming what the page showed instead.
 */
import { chromium, type Page } from "playwright-core";
import {
  eventDeviceCommand,
  eventTails,
  fillRowsCommand,
  readEventsCommand,
} from "../support/guest_devices.ts";

const CHROMIUM = "/usr/bin/chromium";
const WIDTH = 800; // --web's default display
const VIEWPORT = { width: 1560, height: 700 };

/** The terminal's visible lines, as the user reads them. */
async function terminalText(page: Page): Promise<string> {
  const rows = await page.locator(".xterm-rows > div").allTextContents();
  // xterm draws spaces as no-break spaces; trailing blanks are not text.
  return rows.map((r) => r.replace(/\u00a0/g, " ").trimEnd()).join("\n");
}

async function waitForTerminal(page: Page, pattern: RegExp, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await terminalText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) {
      throw new Error(`terminal never showed ${pattern}; it shows:\n${text}`);
    }
    await page.waitForTimeout(200);
  }
}

/** The last event device path the terminal shows. */
function lastDevice(text: string): string {
  return [...text.matchAll(/^\/dev\/input\/event\d$/gm)].pop()![0];
}

let commands = 0;

/**
 * Types a command line into the terminal and waits until it has finished: it
 * is followed by an echo of a number computed by the shell, so the typed line
 * itself never matches.
 */
async function run(page: Page, command: string, ms = 60_000): Promise<string> {
  const n = 1000 + ++commands;
  await page.locator("#terminal").click();
  await page.keyboard.type(`${command}; echo done-$((${n - 1}+1))\n`);
  return await waitForTerminal(page, new RegExp(`^done-${n}$`, "m"), ms);
}

/** The canvas pixel at (x, y) as [R, G, B, A] (the page's DOM is not typed here: a string). */
function pixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    `[...document.getElementById("screen").getContext("2d").getImageData(${x}, ${y}, 1, 1).data]`,
  );
}

async function waitForPixel(page: Page, x: number, y: number, rgba: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: number[] = [];
  while (Date.now() < deadline) {
    last = await pixel(page, x, y);
    if (last.join() === rgba.join()) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`canvas pixel (${x}, ${y}) is ${last}, expected ${rgba}`);
}

const [url, screenshot] = Deno.args;
const browser = await chromium.launch({ executablePath: CHROMIUM });
try {
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(url);
  await waitForTerminal(page, /^~ #$/m, 120_000);
  const status = await page.textContent("#status");

  // The terminal: a command typed into it runs in the guest.
  const echoed = await run(page, "echo web-$((6*7))");

  // The framebuffer: red rows 500..519 and green rows 520..539 written to /dev/fb0.
  await run(page, fillRowsCommand("\\000\\000\\377\\000", 500, 20, WIDTH));
  await run(page, fillRowsCommand("\\000\\377\\000\\000", 520, 20, WIDTH));
  await run(page, "echo 'Hello from the guest framebuffer (fbcon on tty1)' > /dev/tty1");
  const red = [255, 0, 0, 255];
  const green = [0, 255, 0, 255];
  await waitForPixel(page, 0, 500, red);
  await waitForPixel(page, WIDTH - 1, 519, red);
  await waitForPixel(page, 400, 530, green);
  const pixels: Record<string, number[]> = {};
  for (const [x, y] of [[0, 500], [WIDTH - 1, 519], [400, 530], [400, 499], [400, 540]]) {
    pixels[`${x},${y}`] = await pixel(page, x, y);
  }

  // The keyboard: keys pressed on the canvas, read by the guest from its event device.
  const found = await run(page, eventDeviceCommand("keyboard"));
  const device = lastDevice(found);
  await page.locator("#terminal").click();
  await page.keyboard.type(readEventsCommand(device, 2) + "\n");
  await page.waitForTimeout(300);
  await page.locator("#screen").focus();
  let text = "";
  // Presses before dd opens the device are lost: press until two events come out.
  for (let i = 0; i < 100 && eventTails(text).length < 2; i++) {
    await page.keyboard.press("KeyA");
    await page.waitForTimeout(300);
    text = await terminalText(page);
  }
  const keyTails = eventTails(text);

  // The tablet: the pointer moving over the canvas, read from the tablet's event device.
  const tablet = lastDevice(await run(page, eventDeviceCommand("tablet")));
  await page.locator("#terminal").click();
  await page.keyboard.type(readEventsCommand(tablet, 3) + "\n");
  await page.waitForTimeout(300);
  const box = (await page.locator("#screen").boundingBox())!;
  let tabletText = "";
  // Diagonal steps, so each report has both axes; until dd has read three events.
  for (let i = 0; i < 100 && eventTails(tabletText).length < 3; i++) {
    const f = 0.25 + (i % 20) / 40;
    await page.mouse.move(box.x + f * box.width, box.y + f * box.height);
    await page.waitForTimeout(300);
    const all = await terminalText(page);
    tabletText = all.slice(all.lastIndexOf("count=3")); // what the tablet's dd printed
  }
  const tabletTails = eventTails(tabletText);

  // A second viewer sees the same console and screen; a reload reconnects.
  const second = await browser.newPage({ viewport: VIEWPORT });
  await second.goto(url);
  // The marker of the last command run: recent output a new viewer must see.
  const recent = new RegExp(`^done-${1000 + commands}$`, "m");
  const secondText = await waitForTerminal(second, recent);
  await waitForPixel(second, 0, 505, red);
  const secondPixel = await pixel(second, 0, 505);
  await page.reload();
  await waitForPixel(page, 400, 530, green);
  const reloadPixel = await pixel(page, 400, 530);
  await run(second, "echo from-second-$((2*3))-viewer");
  const firstSees = await waitForTerminal(page, /^from-second-6-viewer$/m);

  // A shell on the screen (tty1), typed into with the canvas keyboard.
  await run(page, `(setsid sh -c 'exec sh -l <>/dev/tty1 >&0 2>&1' &)`);
  await page.waitForTimeout(1000);
  await page.locator("#screen").focus();
  // Ctrl-U first: the guest's tty1 may hold an 'a' left over from the presses above.
  await page.keyboard.press("Control+KeyU");
  await page.keyboard.type("touch /tmp/typed\n", { delay: 30 });
  await page.keyboard.type("uname -a\n", { delay: 30 });
  // The file appears once the shell on tty1 has run the line: look a few times.
  let typed = "";
  for (let i = 0; i < 10 && !/^\/tmp\/typed$/m.test(typed); i++) {
    typed = await run(page, "ls /tmp/typed 2>/dev/null");
  }
  // The shell's line editor cleared the screen below it: draw the bars again for the picture.
  await run(page, fillRowsCommand("\\000\\000\\377\\000", 500, 20, WIDTH));
  await run(page, fillRowsCommand("\\000\\377\\000\\000", 520, 20, WIDTH));
  await waitForPixel(page, 400, 530, green);
  await page.screenshot({ path: screenshot, fullPage: true });

  console.log(JSON.stringify({
    status,
    echoed: /^web-42$/m.test(echoed),
    pixels,
    device,
    keyTails,
    tablet,
    tabletTails,
    typedOnScreen: /^\/tmp\/typed$/m.test(typed),
    secondSawScrollback: recent.test(secondText),
    secondPixel,
    reloadPixel,
    firstSeesSecond: /^from-second-6-viewer$/m.test(firstSees),
  }));
  await page.locator("#terminal").click();
  await page.keyboard.type("poweroff\n");
} finally {
  await browser.close();
}
