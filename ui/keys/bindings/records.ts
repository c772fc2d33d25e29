/** The key bindings for decisions on a knock, a vetting room or a lobby (the Triage fix: triage-fix.ts). */
import {
  ACTIVE,
  OVERRIDABLE,
  RECORD_SCREENS,
  binding,
  moderated,
  mustBeOpen,
  mustBeOpening,
  needsRecord,
  onSubject,
  pendingInvite,
  type Binding,
} from "../binding.js";

export const RECORD_BINDINGS: readonly Binding[] = [
  binding({
    id: "approve",
    keys: ["a"],
    description:
      "approve: let the person in now (overrides a failed vetting; a pass held by a join wave)",
    hint: "approve",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    disabled: onSubject(
      (record) =>
        ACTIVE.has(record.phase) || OVERRIDABLE.has(record.phase)
          ? undefined
          : `already ${record.phase}`,
      (lobby) => (lobby.phase === "awaiting_moderator" ? undefined : "not for a lobby"),
    ),
    run: (ctx, actions) => {
      if (ctx.record) actions.moderate(ctx.record, { action: "approve" });
      else if (ctx.lobby) actions.moderateLobby(ctx.lobby, { action: "approve" });
    },
  }),
  binding({
    id: "reject",
    keys: ["x"],
    description: "reject the knock, with a reason the person sees (asks first)",
    hint: "reject",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: RECORD_SCREENS,
    args: "[reason]",
    disabled: needsRecord((record) =>
      ACTIVE.has(record.phase) ? undefined : `already ${record.phase}`,
    ),
    run: (ctx, actions, args) => ctx.record && actions.askReject(ctx.record, args || undefined),
  }),
  binding({
    id: "add-try",
    keys: ["t"],
    description: "give one more try (open vetting room; in a lobby, everyone or one person)",
    hint: "+try",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[tries] [@user, lobby]",
    disabled: onSubject(mustBeOpen, mustBeOpen),
    run: (ctx, actions, args) => {
      const [count, user, ...rest] = args.split(/\s+/).filter(Boolean);
      const tries = count ? Number(count) : 1;
      if (!Number.isInteger(tries)) return actions.refuse(`add-try: "${count}" is not a number`);
      if (ctx.record) {
        if (user) return actions.refuse("add-try: a vetting room has one person; no user needed");
        return actions.moderate(ctx.record, { action: "addTries", tries });
      }
      if (rest.length > 0) return actions.refuse("add-try: tries and one user at most");
      if (ctx.lobby) {
        actions.moderateLobby(ctx.lobby, { action: "addTries", tries, ...(user ? { user } : {}) });
      }
    },
  }),
  binding({
    id: "extend",
    keys: ["e"],
    description: "extend the vetting room or lobby by 30 minutes",
    hint: "+30m",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[minutes]",
    disabled: onSubject(mustBeOpen, mustBeOpen),
    run: (ctx, actions, args) => {
      const minutes = args ? Number(args) : 30;
      if (!Number.isFinite(minutes)) return actions.refuse(`extend: "${args}" is not a number`);
      const action = { action: "extend", seconds: Math.round(minutes * 60) } as const;
      if (ctx.record) actions.moderate(ctx.record, action);
      else if (ctx.lobby) actions.moderateLobby(ctx.lobby, action);
    },
  }),
  binding({
    id: "say",
    keys: ["s"],
    description: "say something in the vetting room or lobby as the bot",
    hint: "say",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[text]",
    disabled: onSubject(mustBeOpen, mustBeOpen),
    run: (ctx, actions, args) => {
      if (ctx.record) actions.askSay(ctx.record, args || undefined);
      else if (ctx.lobby) actions.askSayLobby(ctx.lobby, args || undefined);
    },
  }),
  binding({
    id: "repost",
    keys: ["R"],
    description:
      "post the challenge again with a new topic (a nudge); `:repost TOPIC / KEYWORD` picks it",
    hint: "repost",
    mutates: true,
    screens: RECORD_SCREENS,
    args: "[topic / keyword]",
    disabled: needsRecord(mustBeOpen),
    run: (ctx, actions, args) => {
      if (!ctx.record) return;
      if (!args.trim()) return actions.moderate(ctx.record, { action: "repost" });
      const [topic, keyword, ...rest] = args.split("/").map((part) => part.trim());
      if (!topic || !keyword || rest.length > 0) {
        return actions.refuse(
          "repost: give a topic and a keyword, as `a lighthouse in fog / beam`",
        );
      }
      actions.moderate(ctx.record, { action: "repost", challenge: { topic, keyword } });
    },
  }),
  binding({
    id: "close",
    keys: ["c"],
    description: "close the vetting room or lobby without a decision (asks first)",
    hint: "close",
    mutates: true,
    destructive: true,
    screens: RECORD_SCREENS,
    disabled: onSubject(mustBeOpening, mustBeOpening),
    run: (ctx, actions) => {
      if (ctx.record) actions.askClose(ctx.record);
      else if (ctx.lobby) actions.askCloseLobby(ctx.lobby);
    },
  }),
  binding({
    id: "vet",
    keys: ["v"],
    description: "send a held knock (no code) to vetting: a room and the challenge",
    hint: "to vetting",
    onBar: true,
    mutates: true,
    screens: RECORD_SCREENS,
    disabled: needsRecord((record) => (record.phase === "held" ? undefined : "not held")),
    run: (ctx, actions) => ctx.record && actions.moderate(ctx.record, { action: "vet" }),
  }),
  binding({
    id: "reinvite",
    keys: ["i"],
    description: "invite a passed newcomer again (after the invite failed)",
    hint: "re-invite",
    mutates: true,
    screens: RECORD_SCREENS,
    disabled: needsRecord((record) => (record.phase === "passed" ? undefined : "not passed")),
    run: (ctx, actions) => ctx.record && actions.moderate(ctx.record, { action: "reinvite" }),
  }),
  binding({
    id: "withdraw",
    keys: ["w"],
    description:
      "withdraw an unanswered invite (a Triage row, or a passed knock not yet in): the space and every room it went to (asks first)",
    hint: "withdraw",
    mutates: true,
    destructive: true,
    screens: RECORD_SCREENS,
    disabled: (ctx) => (pendingInvite(ctx) ? undefined : "no unanswered invite selected"),
    run: (ctx, actions) => {
      const invite = pendingInvite(ctx);
      if (invite) actions.askWithdrawInvite(invite);
    },
  }),
  binding({
    id: "ban",
    keys: ["b"],
    description:
      "ban the person from the space and every room, with a reason (asks first); their knock closes",
    hint: "ban",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: [...RECORD_SCREENS, "members"],
    args: "[reason]",
    disabled: (ctx) =>
      ctx.screen === "members"
        ? moderated((c) => c.member)(ctx)
        : (moderated(() => true)(ctx) ?? needsRecord()(ctx)),
    run: (ctx, actions, args) => {
      const user = ctx.screen === "members" ? ctx.member?.member.user : ctx.record?.user;
      if (user) actions.askMemberAction("ban", user, args || undefined);
    },
  }),
];
