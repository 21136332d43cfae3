// The terminal UI's entry points: the Ink app for terminals, plain line output otherwise.

export { startTui, type TuiOptions } from "./start.js";
export { runPlain } from "./plain.js";
