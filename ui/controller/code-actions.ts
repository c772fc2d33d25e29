/**
 * The Codes view from the keyboard: a new code in a few keys, revoke, the link
 * copied or as a QR code; homeserver registration tokens beside them (token-actions.ts).
 */
import type { CodeBookName } from "../../core/api.js";
import type { CodeActions } from "../keys/console-actions.js";
import { parseCodeEnd } from "../format/code-expiry.js";
import { codeLink } from "../format/code-link.js";
import { sanitize } from "../sanitize.js";
import { copyToClipboard } from "../terminal/clipboard.js";
import { editBook } from "./book-editor.js";
import type { ConsoleCore } from "./console-core.js";
import { tokenActions } from "./token-actions.js";

const MAX_USES = 100_000;

export function codeActions(core: ConsoleCore): CodeActions {
  return {
    startMint: () => core.set({ overlay: { kind: "pickBook", for: "mint" } }),
    editBook: (book) => {
      if (book) return void editBook(core, book);
      core.set({ overlay: { kind: "pickBook", for: "edit" } });
    },
    askRevoke: (row) => {
      const code = sanitize(row.code);
      const label = sanitize(row.entry.label);
      core.confirm({
        title: `Revoke the ${row.book} code ${code}?`,
        lines: [
          `${label || "no label"} · ${row.entry.uses_remaining} uses left`,
          "Links with this code stop working at once.",
        ],
        confirmLabel: "Revoke",
        destructive: true,
        then: { kind: "revoke", book: row.book, code: row.code },
      });
    },
    askRevokeMarked: (rows) => {
      const shown = rows.slice(0, 3).map((row) => sanitize(row.code, { max: 20 }));
      const more = rows.length > shown.length ? ` and ${rows.length - shown.length} more` : "";
      core.confirm({
        title: `Revoke ${rows.length} codes?`,
        lines: [
          `${shown.join(", ")}${more}`,
          "Links with these codes stop working at once.",
          'Type "revoke", then Tab to the button and Enter.',
        ],
        confirmLabel: `Revoke ${rows.length}`,
        destructive: true,
        typeWord: "revoke",
        typed: "",
        then: {
          kind: "revokeMany",
          codes: rows.map((row) => ({ book: row.book, code: row.code })),
        },
      });
    },
    copyLink: (row) => copyLink(core, row.book, row.code),
    showLink: (row) => {
      const link = linkOf(core, row.book, row.code);
      if (link === undefined) return;
      core.set({
        overlay: {
          kind: "codeLink",
          book: row.book,
          code: row.code,
          link,
          isInverted: core.state.qrInverted,
        },
      });
    },
    ...tokenActions(core),
  };
}

/**
 * A code's link, from the public address the console was started with
 * (in-process) or the one the daemon reports (attached); undefined, with
 * the reason on the status line, when neither is known.
 */
export function linkOf(core: ConsoleCore, book: CodeBookName, code: string): string | undefined {
  const base = core.options.publicUrl ?? core.state.health?.publicUrl;
  if (base === undefined) {
    core.refuse("no link: the public address (HS_PUBLIC) is not known yet; see the Health view");
    return undefined;
  }
  return codeLink(base, book, code);
}

export function copyLink(core: ConsoleCore, book: CodeBookName, code: string, link?: string): void {
  const text = link ?? linkOf(core, book, code);
  if (text === undefined) return;
  copyToClipboard(core.options.terminal, text);
  core.set({
    notice: { tone: "info", text: `copied to your clipboard: ${sanitize(text, { max: 200 })}` },
  });
}

/** Second step of a new code, after its book: how many uses. */
export function askUses(core: ConsoleCore, book: CodeBookName, value = "1"): void {
  core.prompt(`uses of the new ${book} code`, { kind: "mintUses", book }, value);
}

export function submitUses(core: ConsoleCore, book: CodeBookName, value: string): void {
  const uses = Number(value.trim());
  if (!Number.isInteger(uses) || uses < 1 || uses > MAX_USES) {
    core.refuse(`uses must be 1–${MAX_USES}`);
    return askUses(core, book, value);
  }
  core.prompt(`label for the new ${book} code (who or what it is for)`, {
    kind: "mintLabel",
    book,
    uses,
  });
}

export function submitLabel(
  core: ConsoleCore,
  book: CodeBookName,
  uses: number,
  value: string,
): void {
  askExpiry(core, book, uses, value.trim());
}

function askExpiry(
  core: ConsoleCore,
  book: CodeBookName,
  uses: number,
  label: string,
  value = "",
): void {
  core.prompt(
    `the new ${book} code ends (7d, 12h, 2026-12-31; empty: never)`,
    { kind: "mintExpiry", book, uses, label },
    value,
  );
}

export function submitExpiry(
  core: ConsoleCore,
  book: CodeBookName,
  uses: number,
  label: string,
  value: string,
): void {
  const end = parseCodeEnd(value, core.options.now());
  if (!end.ok) {
    core.refuse(end.error);
    return askExpiry(core, book, uses, label, value);
  }
  void core.engine.mint(book, uses, label, end.atMs);
}
