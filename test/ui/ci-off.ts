/**
 * Imported first by every console test: under CI=true Ink draws only the final
 * frame, so the tests, which read frames as they change, run with CI=false.
 * It must run before Ink is imported (Ink reads it once, at import).
 */
process.env.CI = "false";
// Plain frames: any escape sequence in one can only have come from the data.
process.env.FORCE_COLOR = "0";
