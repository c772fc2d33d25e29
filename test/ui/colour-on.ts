/**
 * Imported after ci-off.js by the tests that look at colours: Ink's colour support reads
 * FORCE_COLOR once, when it is first imported, so this must come before the harness.
 */
process.env.FORCE_COLOR = "3";
