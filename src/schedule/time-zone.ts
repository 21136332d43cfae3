// IANA time zone checks shared by every schedule kind.

import { IANAZone } from "luxon";
import { CellflowError } from "../core/errors.js";

export const DEFAULT_TIME_ZONE = "UTC";

/** Returns the zone unchanged when it is a known IANA name, else throws a SCHEDULE error. */
export function checkTimeZone(zone: string): string {
  if (typeof zone !== "string" || zone.trim() === "" || !IANAZone.isValidZone(zone)) {
    throw new CellflowError("SCHEDULE", `unknown time zone '${String(zone)}'`, "use an IANA name like Europe/Berlin");
  }
  return zone;
}
