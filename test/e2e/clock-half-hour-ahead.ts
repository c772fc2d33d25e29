/**
 * Loaded into the console's process (`--import`) to move its clock 31 minutes
 * ahead: the console then sees a vetting room silent for half an hour
 * (core/triage.ts SILENT_AFTER_MS) without the test waiting for it. The daemon
 * and Synapse keep the real time, so everything they do stays real.
 */
const AHEAD_MS = 31 * 60_000;
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + AHEAD_MS;
