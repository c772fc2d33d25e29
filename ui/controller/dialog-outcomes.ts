/** Where a confirmed dialog and an answered prompt lead: each to its domain's next step. */
import type { Followup, PromptPurpose } from "../state/console-state.js";
import { submitExpiry, submitLabel, submitUses } from "./code-actions.js";
import { editBook } from "./book-editor.js";
import type { ConsoleCore } from "./console-core.js";
import { sayInLobby } from "./lobby-actions.js";
import { askRejectReason, rejectWithReason, say } from "./vetting-actions.js";
import { withdrawInvite } from "./invite-actions.js";
import {
  confirmMemberAction,
  demote,
  memberAction,
  revokeCodesOf,
  submitBlockPattern,
  submitBlockReason,
  unbanTyped,
  unblock,
} from "./moderation-actions.js";
import { revokeToken, submitTokenExpiry, submitTokenUses } from "./token-actions.js";

export function followConfirmed(core: ConsoleCore, then: Followup): void {
  switch (then.kind) {
    case "moderate":
      return void core.engine.moderate(then.key, then.user, then.action);
    case "moderateLobby":
      return void core.engine.moderateLobby(then.key, then.name, then.action);
    case "applyCodeEdit":
      return void core.engine.editCodes(then.book, then.edit);
    case "reopenEditor":
      return void editBook(core, then.book, then.text, then.base);
    case "askRejectReason":
      return askRejectReason(core, then.key, then.user);
    case "revoke":
      return void core.engine.revoke(then.book, then.code);
    case "revokeMany":
      return void core.engine.revokeMany(then.codes);
    case "revokeToken":
      return void revokeToken(core, then.token);
    case "unblock":
      return unblock(core, then.pattern, then.blockKind);
    case "withdrawInvite":
      return void withdrawInvite(core, then.user);
    case "demote":
      return demote(core, then.user);
    case "memberAction":
      return memberAction(core, then.action, then.user, then.reason);
    case "revokeCodesOf":
      return revokeCodesOf(core, then.user);
    case "quit":
      return core.options.exit();
  }
}

export function submitPrompt(core: ConsoleCore, purpose: PromptPurpose, value: string): void {
  switch (purpose.kind) {
    case "rejectReason":
      return rejectWithReason(core, purpose.key, purpose.user, value);
    case "say":
      return say(core, purpose.key, purpose.user, value);
    case "lobbySay":
      return sayInLobby(core, purpose.key, purpose.name, value);
    case "mintUses":
      return submitUses(core, purpose.book, value);
    case "mintLabel":
      return submitLabel(core, purpose.book, purpose.uses, value);
    case "mintExpiry":
      return submitExpiry(core, purpose.book, purpose.uses, purpose.label, value);
    case "tokenUses":
      return submitTokenUses(core, value);
    case "tokenExpiry":
      return submitTokenExpiry(core, purpose.uses, value);
    case "blockPattern":
      return submitBlockPattern(core, value);
    case "memberReason":
      return confirmMemberAction(core, purpose.action, purpose.user, value.trim() || undefined);
    case "unbanUser":
      return unbanTyped(core, value);
    case "blockReason":
      return submitBlockReason(core, purpose.pattern, value);
  }
}
