/**
 * Triage's `f`: runs the binding a trouble row names as its fix. It finds that
 * binding through the registry, which lists this one too, so the registry
 * hands its lookup in rather than this file importing the registry.
 */
import { binding, type Binding } from "../binding.js";

export function triageFixBinding(bindingById: (id: string) => Binding | undefined): Binding {
  return binding({
    id: "fix",
    keys: ["f"],
    description: "the fix for the selected trouble (its key is on the row)",
    hint: "fix",
    onBar: true,
    mutates: true,
    screens: ["triage"],
    disabled: (ctx) => {
      if (!ctx.trouble) return "nothing selected";
      const fix = bindingById(ctx.trouble.fix);
      return fix ? fix.disabled(ctx) : "no fix";
    },
    run: (ctx, actions, args) => {
      const fix = ctx.trouble && bindingById(ctx.trouble.fix);
      fix?.run(ctx, actions, args);
    },
  });
}
