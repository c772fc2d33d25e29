/** Times as moderators read them: "3 min ago", "in 2 h", "1 h 5 min left", a clock time for the log. */
// date-fns by function, not from its index: the index loads every function and locale, which
// took 1.6 s of the console's start (Node reads date-fns' 200 KB package.json for each file).
import type { FormatDistanceToken, Locale } from "date-fns";
import { format } from "date-fns/format";
import { formatDistanceStrict } from "date-fns/formatDistanceStrict";
import { enUS } from "date-fns/locale/en-US";

const UNITS: Partial<Record<FormatDistanceToken, string>> = {
  xSeconds: "s",
  xMinutes: "min",
  xHours: "h",
  xDays: "d",
  xWeeks: "w",
  xMonths: "mo",
  xYears: "y",
};

/** English, with short units: narrow columns at 80×24. */
const compact: Locale = {
  ...enUS,
  formatDistance: (token, count, options) => {
    const text = `${count} ${UNITS[token] ?? token}`;
    if (!options?.addSuffix) return text;
    return (options.comparison ?? 0) > 0 ? `in ${text}` : `${text} ago`;
  },
};

/** `at` and `now` in ms. */
export function relative(at: number, now: number): string {
  if (!Number.isFinite(at)) return "";
  if (Math.abs(now - at) < 1000) return "now";
  return formatDistanceStrict(at, now, { addSuffix: true, locale: compact });
}

/** Time left until `at` (ms): "1 h 5 min left", or how long ago it passed. */
export function timeLeft(at: number | undefined, now: number): string {
  if (at === undefined) return "—";
  if (at <= now) return `over, ${formatDistanceStrict(at, now, { locale: compact })} ago`;
  const minutes = Math.floor((at - now) / 60_000);
  if (minutes >= 60 && minutes < 24 * 60) {
    const rest = minutes % 60;
    return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ""} left`;
  }
  return `${formatDistanceStrict(at, now, { locale: compact })} left`;
}

/** A clock time, with the date when it is not today. `at` in ms. */
export function clock(at: number, now: number): string {
  if (!Number.isFinite(at)) return "";
  const sameDay = format(at, "yyyy-MM-dd") === format(now, "yyyy-MM-dd");
  return format(at, sameDay ? "HH:mm:ss" : "MM-dd HH:mm");
}
