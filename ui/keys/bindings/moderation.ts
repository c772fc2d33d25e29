/** The key bindings for the blocklist, members and their roles, kicks and bans. */
import { binding, moderated, type Binding } from "../binding.js";

export const MODERATION_BINDINGS: readonly Binding[] = [
  binding({
    id: "block",
    keys: ["n"],
    description: "block a pattern: a user ID, a server, a glob or a display name; then a reason",
    hint: "block",
    onBar: true,
    mutates: true,
    screens: ["blocklist"],
    disabled: moderated(() => true),
    run: (_ctx, actions) => actions.startBlock(),
  }),
  binding({
    id: "unblock",
    keys: ["d"],
    description: "remove the selected blocklist entry (asks first)",
    hint: "unblock",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["blocklist"],
    disabled: moderated((ctx) => ctx.block),
    run: (ctx, actions) => ctx.block && actions.askUnblock(ctx.block),
  }),
  binding({
    id: "promote",
    keys: ["p"],
    description: "give the selected member a role in the space and every room: pick it from a list",
    hint: "promote",
    onBar: true,
    mutates: true,
    screens: ["members"],
    disabled: moderated((ctx) => ctx.member),
    run: (ctx, actions) => ctx.member && actions.pickRole(ctx.member),
  }),
  binding({
    id: "demote",
    keys: ["D"],
    description: "demote the selected member to the rooms' default level (asks first)",
    hint: "demote",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["members"],
    disabled: moderated((ctx) => ctx.member),
    run: (ctx, actions) => ctx.member && actions.askDemote(ctx.member),
  }),
  binding({
    id: "kick",
    keys: ["K"],
    description:
      "kick the selected member from the space and every room, with a reason (asks first)",
    hint: "kick",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["members"],
    args: "[reason]",
    disabled: moderated((ctx) => ctx.member),
    run: (ctx, actions, args) =>
      ctx.member && actions.askMemberAction("kick", ctx.member.member.user, args || undefined),
  }),
  binding({
    id: "unban",
    keys: ["U"],
    description: "lift a ban in the space and every room: asks whom (or :unban @user reason)",
    hint: "unban",
    mutates: true,
    screens: ["blocklist", "members"],
    args: "[@user] [reason]",
    disabled: (ctx) =>
      ctx.state.moderation.available ? undefined : "not available in this console",
    run: (_ctx, actions, args) => {
      const [user, ...reason] = args.split(/\s+/).filter(Boolean);
      actions.unban(user, reason.join(" ") || undefined);
    },
  }),
  binding({
    id: "fetch",
    keys: ["ctrl+r"],
    description: "fetch the blocklist or members again",
    hint: "fetch again",
    screens: ["blocklist", "members"],
    disabled: moderated(() => true),
    run: (ctx, actions) => actions.refreshModeration(),
  }),
];
