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

export function openInputDevices(): VirtioInput[] {
  return [
    new VirtioInput(keyboardProfile(KEYMAP.values())),
    new VirtioInput(mouseProfile()),
    new VirtioInput(tabletProfile()),
  ];
}
