/**
 * Settings the reference approver reads that anteroom does not, each with why.
 * A reference .env still works: these are ignored, and the daemon says so once
 * at start for each one that is set (docs/migrating-from-reference.md lists them).
 */
export const UNSUPPORTED_REFERENCE_SETTINGS: Readonly<Record<string, string>> = {
  ONBOARDING_BOT_TOKEN:
    "one bot identity (MATRIX_TOKEN) runs vetting rooms and lobbies alike; carried-over lobbies made by the onboarding bot need MATRIX_TOKEN's bot to be in them",
  FEED_ROOM: "the haiku of a vetted newcomer is not relayed to a feed room",
  SYNC_STATE:
    "the sync state is DATA_DIR/sync.json; the reference's cursor is not read, and a fresh start reconciles from the rooms' state instead of replaying old events",
  LOBBY_SYNC_STATE: "one sync covers the space, vetting rooms and lobbies (DATA_DIR/sync.json)",
  OPERATOR_ANNOUNCE_PATH: "there is no operator announcement file",
};

/**
 * The unsupported reference settings that are set (non-blank) in this environment, in a
 * stable order. `read` names the settings anteroom reads: one that gains support is never
 * reported as ignored.
 */
export function referenceSettingsIgnored(
  env: Readonly<Record<string, string | undefined>>,
  read: readonly string[] = [],
): string[] {
  return Object.keys(UNSUPPORTED_REFERENCE_SETTINGS).filter(
    (name) => !!env[name]?.trim() && !read.includes(name),
  );
}
