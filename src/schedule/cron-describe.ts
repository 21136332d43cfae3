// Plain English for the common shapes of a five-field cron expression; null for the rest, which are shown as written.

import { CRON_MACROS } from "./cron-fields.js";

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const NUMBER = /^\d+$/;
const EVERY_N = /^\*\/(\d+)$/;

const pad = (n: string): string => n.padStart(2, "0");

function describeTime(minute: string, hour: string): string | null {
  if (NUMBER.test(minute) && NUMBER.test(hour)) return `at ${pad(hour)}:${pad(minute)}`;
  if (minute === "*" && hour === "*") return "every minute";
  const minutes = EVERY_N.exec(minute);
  if (minutes && hour === "*") return `every ${minutes[1]} minutes`;
  if (NUMBER.test(minute) && hour === "*") return `at minute ${Number(minute)} of every hour`;
  const hours = EVERY_N.exec(hour);
  if (NUMBER.test(minute) && hours) return `at minute ${Number(minute)} of every ${hours[1]} hours`;
  return null;
}

function dayName(value: string): string | null {
  if (NUMBER.test(value)) return DAY_NAMES[Number(value)] ?? null;
  const named = DAY_NAMES.find((d) => d.toLowerCase() === value.toLowerCase());
  return named ?? null;
}

function describeDays(dayOfMonth: string, month: string, dayOfWeek: string): string | null {
  if (month !== "*") return null;
  if (dayOfMonth === "*" && dayOfWeek === "*") return "every day";
  if (dayOfMonth === "*") {
    const parts: string[] = [];
    for (const item of dayOfWeek.split(",")) {
      const [from, to, extra] = item.split("-");
      const a = dayName(from);
      const b = to === undefined ? a : dayName(to);
      if (!a || !b || extra !== undefined) return null;
      parts.push(to === undefined ? a : `${a}–${b}`);
    }
    return `on ${parts.join(", ")}`;
  }
  if (dayOfWeek === "*" && NUMBER.test(dayOfMonth)) return `on day ${Number(dayOfMonth)} of every month`;
  return null;
}

/** "at 12:00 every day", "every 15 minutes", "at 09:30 on Mon–Fri"; null when the shape is not a common one. */
export function describeCron(expression: string): string | null {
  const fields = (CRON_MACROS[expression.toLowerCase()] ?? expression).trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const time = describeTime(minute, hour);
  const days = describeDays(dayOfMonth, month, dayOfWeek);
  if (!time || !days) return null;
  // "every 15 minutes every day" says nothing more than "every 15 minutes"; a clock time needs its days.
  return days === "every day" && !/^at \d\d:\d\d$/.test(time) ? time : `${time} ${days}`;
}
