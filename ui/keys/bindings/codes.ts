/** The key bindings for invite and signup codes, and the homeserver's registration tokens. */
import { binding, type Binding } from "../binding.js";

export const CODE_BINDINGS: readonly Binding[] = [
  binding({
    id: "new-code",
    keys: ["n"],
    description: "new code or homeserver token: book, uses, label; shows the code and its link",
    hint: "new code",
    onBar: true,
    mutates: true,
    screens: ["codes"],
    run: (_ctx, actions) => actions.startMint(),
  }),
  binding({
    id: "edit-book",
    keys: ["E"],
    description: "edit a code book in $EDITOR; the changes are shown before anything is applied",
    hint: "edit book",
    mutates: true,
    screens: ["codes"],
    args: "[invite|signup]",
    run: (ctx, actions, args) => {
      const book = args || ctx.code?.book;
      if (book !== undefined && book !== "invite" && book !== "signup") {
        return actions.refuse(`edit-book: "${args}" is not a book (invite or signup)`);
      }
      actions.editBook(book);
    },
  }),
  binding({
    id: "revoke",
    keys: ["r"],
    description: "revoke the selected code or token, or every marked one (asks first)",
    hint: "revoke",
    onBar: true,
    mutates: true,
    destructive: true,
    screens: ["codes"],
    disabled: (ctx) =>
      ctx.code || ctx.token || ctx.markedCodes.length > 0 ? undefined : "nothing selected",
    run: (ctx, actions) => {
      if (ctx.markedCodes.length > 0) actions.askRevokeMarked(ctx.markedCodes);
      else if (ctx.code) actions.askRevoke(ctx.code);
      else if (ctx.token) actions.askRevokeToken(ctx.token);
    },
  }),
  binding({
    id: "mark",
    keys: [" "],
    description: "mark or unmark the code, for revoking several at once",
    hint: "mark",
    screens: ["codes"],
    disabled: (ctx) =>
      ctx.code
        ? undefined
        : ctx.token
          ? "homeserver tokens are revoked one at a time"
          : "nothing selected",
    run: (ctx, actions) => ctx.code && actions.toggleMark(ctx.code.id),
  }),
  binding({
    id: "copy-link",
    keys: ["y"],
    description:
      "copy the code's link, or the token itself, to your clipboard (OSC 52, works over SSH)",
    hint: "copy",
    onBar: true,
    screens: ["codes"],
    disabled: (ctx) => (ctx.code || ctx.token ? undefined : "nothing selected"),
    run: (ctx, actions) => {
      if (ctx.code) actions.copyLink(ctx.code);
      else if (ctx.token) actions.copyToken(ctx.token);
    },
  }),
  binding({
    id: "show-link",
    keys: ["enter", "v"],
    description: "show the code's link and its QR code (a homeserver token: the whole token)",
    hint: "QR",
    onBar: true,
    screens: ["codes"],
    disabled: (ctx) => (ctx.code || ctx.token ? undefined : "nothing selected"),
    run: (ctx, actions) => {
      if (ctx.code) actions.showLink(ctx.code);
      else if (ctx.token) actions.showToken(ctx.token);
    },
  }),
  binding({
    id: "fetch-tokens",
    keys: ["ctrl+r"],
    description: "fetch the homeserver's registration tokens again",
    hint: "fetch tokens",
    screens: ["codes"],
    disabled: (ctx) =>
      ctx.state.moderation.available ? undefined : "not available in this console",
    run: (_ctx, actions) => actions.refreshTokens(),
  }),
];
