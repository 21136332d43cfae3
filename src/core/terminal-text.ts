// Text from users (flow and task names, error messages, log lines) made safe for a terminal: control characters,
// escape sequences and bidirectional-override characters are shown as visible escapes instead of acting.

/** C0 controls (but tab and newline), DEL, C1 controls, and the Unicode bidi embedding/override/isolate marks. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, plus tab and newline: for one-line fields such as names. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\u001b": "\\e" };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Neutralise terminal control in user text: ESC becomes "\e", other controls "\xNN", bidi marks "\uNNNN".
 * Newlines and tabs are kept unless `inline` is set (names, one-line fields).
 * @example escapeTerminal("evil\u001b[2Jname") // "evil\\e[2Jname"
 */
export function escapeTerminal(text: string, options: { inline?: boolean } = {}): string {
  const pattern = options.inline ? UNSAFE_INLINE : UNSAFE_MULTILINE;
  pattern.lastIndex = 0;
  return pattern.test(text) ? text.replace(pattern, visible) : text;
}
