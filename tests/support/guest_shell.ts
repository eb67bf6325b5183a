/**
 * Boots the default image with extra VirtIO devices and drives its shell:
 * `sh(cmd)` types one command line and resolves with its output (the echoed
 * command and the prompt stripped). Shared by the 9P guest tests and bench.
 */
import type { ScriptedConsole } from "../../backends/console/scripted_console.ts";
import type { Machine, MachineExit, MachineOptions } from "../../board/machine.ts";
import type { VirtioDevice } from "../../devices/virtio.ts";
import { defaultMachine, PROMPT } from "./boot.ts";

export { PROMPT };

export interface GuestShell {
  machine: Machine;
  console: ScriptedConsole;
  running: Promise<MachineExit>;
  sh(command: string, timeoutMs?: number): Promise<string>;
  /** Powers off (or stops) the guest and waits for the run to end. */
  shutdown(): Promise<MachineExit>;
}

export async function bootShell(
  devices: VirtioDevice[],
  memoryMiB = 128,
  extra: Partial<MachineOptions> = {},
): Promise<GuestShell> {
  const { machine, console } = await defaultMachine({ memoryMiB, ...extra }, undefined, devices);
  const running = machine.run();
  try {
    await console.waitFor(PROMPT);
  } catch (e) {
    machine.stop({ reason: "quit" });
    await running;
    throw e;
  }
  const sh = async (command: string, timeoutMs = 120_000) => {
    console.type(command + "\n");
    const out = await console.waitFor(PROMPT, timeoutMs);
    // Drop the echoed command line (the terminal may wrap it) and the prompt.
    const body = out.slice(0, -PROMPT.length).replace(/\r/g, "");
    const nl = body.indexOf("\n", Math.min(command.length, body.length - 1));
    return nl < 0 ? "" : body.slice(nl + 1);
  };
  const shutdown = async () => {
    console.type("poweroff -f\n");
    const timer = setTimeout(() => machine.stop({ reason: "quit" }), 20_000);
    const exit = await running;
    clearTimeout(timer);
    await machine.close();
    return exit;
  };
  return { machine, console, running, sh, shutdown };
}
