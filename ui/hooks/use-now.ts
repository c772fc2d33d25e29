/** The current time from the console's clock, refreshed every few seconds for "3 minutes ago". */
import { useEffect, useState } from "react";
import { useConsoleSettings } from "../console-context.js";

export function useNow(everyMs = 5000): number {
  const { now } = useConsoleSettings();
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((tick) => tick + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now();
}
