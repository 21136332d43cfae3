// The time the engine stamps on states: wall-clock milliseconds that never go backwards within a process, so a
// clock set back (NTP step, manual change) holds at the last stamp until it catches up and no duration is negative.

let last = 0;

/** Date.now(), but never less than a value it returned before. */
export function monotonicNow(): number {
  const now = Date.now();
  if (now > last) last = now;
  return last;
}
