/**
 * The Linux input event numbers (include/uapi/linux/input-event-codes.h) that
 * demu's input devices report: event types, buttons, axes. Key codes for the
 * keyboard come from the host side's key map (each a KEY_* number).
 */

export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_REL = 0x02;
export const EV_ABS = 0x03;
export const EV_LED = 0x11;
export const EV_REP = 0x14;

export const SYN_REPORT = 0;

export const BTN_LEFT = 0x110;
export const BTN_RIGHT = 0x111;
export const BTN_MIDDLE = 0x112;
export const BTN_SIDE = 0x113;
export const BTN_EXTRA = 0x114;
/** The mouse buttons in the order of the page's `buttons` bit mask (bit 0 left, 1 right, ...). */
export const MOUSE_BUTTONS = [BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE, BTN_EXTRA];

export const REL_X = 0x00;
export const REL_Y = 0x01;
export const REL_HWHEEL = 0x06;
export const REL_WHEEL = 0x08;

export const ABS_X = 0x00;
export const ABS_Y = 0x01;

export const LED_NUML = 0x00;
export const LED_CAPSL = 0x01;
export const LED_SCROLLL = 0x02;

export const INPUT_PROP_POINTER = 0x00;
export const INPUT_PROP_DIRECT = 0x01;

/** Linux's bus type for virtual devices (BUS_VIRTUAL). */
export const BUS_VIRTUAL = 0x06;
