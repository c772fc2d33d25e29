/** One member's detail (Enter in Members): their role, who vouched for them, whom they brought in, their live codes. */
import { Box, Text } from "ink";
import type { Endorsement } from "../../core/admission/endorsements.js";
import { useConsoleState } from "../console-context.js";
import { useNow } from "../hooks/use-now.js";
import { relative } from "../format/time.js";
import { sanitize } from "../sanitize.js";
import { currentMember } from "../state/rows.js";

export interface MemberDetailProps {
  readonly user: string;
  readonly height: number;
}

/** How a person came in: "with code ABC" or "let in by hand", and when. */
function cameIn(endorsement: Endorsement, now: number): string {
  const how =
    endorsement.code_or_manual === "manual"
      ? "let in by hand"
      : `with code ${sanitize(endorsement.code_or_manual, { max: 40 })}`;
  return endorsement.ts > 0 ? `${how}, ${relative(endorsement.ts * 1000, now)}` : how;
}

export function MemberDetail({ user, height }: MemberDetailProps) {
  const state = useConsoleState();
  const now = useNow(5000);
  const row = currentMember(state);
  const known = state.moderation.endorsements;
  const listing = known?.user === user ? known.listing : undefined;
  const header = (
    <>
      <Text bold wrap="truncate-end">
        {sanitize(user, { max: 300 })}
        {row?.shown.displayName ? <Text dimColor>{`  ${row.shown.displayName}`}</Text> : null}
      </Text>
      <Text wrap="truncate-end">role: {row?.shown.roles || "no level"}</Text>
    </>
  );
  if (!listing || !listing.ok) {
    return (
      <Box flexDirection="column" height={height} overflow="hidden">
        {header}
        <Text color={listing ? "red" : undefined} dimColor={!listing}>
          {listing ? `Who vouched for them is not known: ${sanitize(listing.error)}` : "Fetching…"}
        </Text>
      </Box>
    );
  }
  const { endorsedBy, endorsed, liveCodes } = listing.endorsements;
  // Header, inviter, the "brought in" line and the codes line; the rest lists whom they brought in.
  const room = Math.max(1, height - 6);
  const shown = endorsed.slice(-room).reverse();
  const more = endorsed.length - shown.length;
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      {header}
      <Text wrap="truncate-end">
        {endorsedBy
          ? `vouched for by ${sanitize(endorsedBy.endorser, { max: 300 })} (${cameIn(endorsedBy, now)})`
          : "vouched for by: not recorded (they came before the endorsement log)"}
      </Text>
      <Text wrap="truncate-end">
        {liveCodes.length === 0
          ? "live codes: none"
          : `live codes: ${liveCodes.map((c) => `${sanitize(c.code, { max: 40 })} (${c.book})`).join(", ")} · X revokes them`}
      </Text>
      <Text wrap="truncate-end" dimColor>
        {`brought in: ${endorsed.length}${more > 0 ? ` (newest ${shown.length} shown)` : ""}`}
      </Text>
      {shown.map((endorsement, index) => (
        <Text key={`${endorsement.invitee}-${index}`} wrap="truncate-end">
          {"  "}
          <Text bold>{sanitize(endorsement.invitee, { max: 300 })}</Text>
          <Text dimColor>{`  ${cameIn(endorsement, now)}`}</Text>
        </Text>
      ))}
    </Box>
  );
}
