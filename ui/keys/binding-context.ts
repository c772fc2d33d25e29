/** What a binding needs to know to run or say why it cannot: the screen, the row, the mode. */
import { screenOf, type ConsoleState } from "../state/console-state.js";
import {
  currentBlock,
  currentCode,
  currentMember,
  currentLobby,
  currentRecord,
  currentToken,
  currentTrouble,
  markedCodes,
} from "../state/rows.js";
import { REGISTRY, type Binding, type BindingContext } from "./registry.js";

export function bindingContext(state: ConsoleState, readonly: boolean): BindingContext {
  return {
    state,
    screen: screenOf(state),
    readonly,
    record: currentRecord(state),
    lobby: currentLobby(state),
    trouble: currentTrouble(state),
    code: currentCode(state),
    markedCodes: markedCodes(state),
    token: currentToken(state),
    block: currentBlock(state),
    member: currentMember(state),
  };
}

/** The help screen's search: over ids, descriptions, hints and keys. */
export function searchBindings(query: string): readonly Binding[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return REGISTRY;
  return REGISTRY.filter((binding) => {
    const text =
      `${binding.id} ${binding.description} ${binding.hint} ${binding.keys.join(" ")}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
