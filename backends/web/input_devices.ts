/**
 * `input_device: "virtio"`: a virtio keyboard (every key the web page can
 * send), a relative mouse and an absolute tablet, in that slot order. Their
 * host side is the web console, which finds them in the machine by kind.
 */
import {
  keyboardProfile,
  mouseProfile,
  tabletProfile,
  VirtioInput,
} from "../../devices/virtio_input.ts";
import { KEYMAP } from "./keymap.ts";
import type { DeviceKind } from "../device_kind.ts";

export function openInputDevices(): VirtioInput[] {
  return [
    new VirtioInput(keyboardProfile(KEYMAP.values())),
    new VirtioInput(mouseProfile()),
    new VirtioInput(tabletProfile()),
  ];
}

/** `input_device: "virtio"` (also implied by --web): keyboard, mouse and tablet. */
export const inputKind: DeviceKind = {
  name: "input",
  options: {},
  help: "",
  addFromFlags() {},
  needs: () => [],
  sandbox: () => [],
  open: (config) => Promise.resolve(config.inputDevice === "virtio" ? openInputDevices() : []),
  usesNetwork: () => false,
};
