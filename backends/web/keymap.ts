/**
 * Browser key positions (KeyboardEvent.code, UI Events "code" values) to
 * Linux key codes (KEY_* in input-event-codes.h). The code names the physical
 * key, not the character, so the guest applies its own keyboard layout as it
 * would on real hardware. The virtio keyboard advertises exactly these codes.
 */

const LETTERS = "QWERTYUIOP ASDFGHJKL ZXCVBNM";
/** First Linux code of each letter row (KEY_Q, KEY_A, KEY_Z). */
const ROW_START = [16, 30, 44];

function build(): Map<string, number> {
  const m = new Map<string, number>();
  LETTERS.split(" ").forEach((row, r) => {
    [...row].forEach((ch, i) => m.set(`Key${ch}`, ROW_START[r] + i));
  });
  for (let d = 1; d <= 9; d++) m.set(`Digit${d}`, 1 + d); // KEY_1 = 2
  m.set("Digit0", 11);
  for (let f = 1; f <= 10; f++) m.set(`F${f}`, 58 + f); // KEY_F1 = 59
  m.set("F11", 87);
  m.set("F12", 88);
  for (let f = 13; f <= 24; f++) m.set(`F${f}`, 170 + f); // KEY_F13 = 183
  const keypad: [string, number][] = [
    ["Numpad7", 71],
    ["Numpad8", 72],
    ["Numpad9", 73],
    ["NumpadSubtract", 74],
    ["Numpad4", 75],
    ["Numpad5", 76],
    ["Numpad6", 77],
    ["NumpadAdd", 78],
    ["Numpad1", 79],
    ["Numpad2", 80],
    ["Numpad3", 81],
    ["Numpad0", 82],
    ["NumpadDecimal", 83],
    ["NumpadEnter", 96],
    ["NumpadDivide", 98],
    ["NumpadMultiply", 55],
    ["NumpadEqual", 117],
    ["NumpadComma", 121],
    ["NumpadParenLeft", 179],
    ["NumpadParenRight", 180],
  ];
  const others: [string, number][] = [
    ["Escape", 1],
    ["Minus", 12],
    ["Equal", 13],
    ["Backspace", 14],
    ["Tab", 15],
    ["BracketLeft", 26],
    ["BracketRight", 27],
    ["Enter", 28],
    ["ControlLeft", 29],
    ["Semicolon", 39],
    ["Quote", 40],
    ["Backquote", 41],
    ["ShiftLeft", 42],
    ["Backslash", 43],
    ["Comma", 51],
    ["Period", 52],
    ["Slash", 53],
    ["ShiftRight", 54],
    ["AltLeft", 56],
    ["Space", 57],
    ["CapsLock", 58],
    ["NumLock", 69],
    ["ScrollLock", 70],
    ["IntlBackslash", 86],
    ["IntlRo", 89],
    ["Convert", 92],
    ["KanaMode", 93],
    ["NonConvert", 94],
    ["ControlRight", 97],
    ["PrintScreen", 99],
    ["AltRight", 100],
    ["Home", 102],
    ["ArrowUp", 103],
    ["PageUp", 104],
    ["ArrowLeft", 105],
    ["ArrowRight", 106],
    ["End", 107],
    ["ArrowDown", 108],
    ["PageDown", 109],
    ["Insert", 110],
    ["Delete", 111],
    ["AudioVolumeMute", 113],
    ["AudioVolumeDown", 114],
    ["AudioVolumeUp", 115],
    ["Power", 116],
    ["Pause", 119],
    ["Lang1", 122],
    ["Lang2", 123],
    ["IntlYen", 124],
    ["MetaLeft", 125],
    ["MetaRight", 126],
    ["ContextMenu", 127],
    ["BrowserStop", 128],
    ["Again", 129],
    ["Props", 130],
    ["Undo", 131],
    ["Copy", 133],
    ["Open", 134],
    ["Paste", 135],
    ["Find", 136],
    ["Cut", 137],
    ["Help", 138],
    ["LaunchApp2", 140],
    ["Sleep", 142],
    ["WakeUp", 143],
    ["LaunchMail", 155],
    ["BrowserFavorites", 156],
    ["LaunchApp1", 157],
    ["BrowserBack", 158],
    ["BrowserForward", 159],
    ["Eject", 161],
    ["MediaTrackNext", 163],
    ["MediaPlayPause", 164],
    ["MediaTrackPrevious", 165],
    ["MediaStop", 166],
    ["BrowserHome", 172],
    ["BrowserRefresh", 173],
    ["BrowserSearch", 217],
    ["MediaSelect", 226],
  ];
  for (const [name, code] of [...keypad, ...others]) m.set(name, code);
  return m;
}

/** KeyboardEvent.code → Linux KEY_* code. */
export const KEYMAP: ReadonlyMap<string, number> = build();
