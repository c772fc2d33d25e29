/**
 * The one input hook of the console. Several useInput hooks would each get
 * every key; this one turns each key into its registry name and hands it to
 * the controller, which routes it to the open dialog or to the binding.
 */
import { useInput, usePaste } from "ink";
import type { ConsoleController } from "../controller/console-controller.js";
import { keyNames } from "./key-names.js";

export function useDispatcher(controller: ConsoleController): void {
  useInput((input, key) => {
    for (const name of keyNames(input, key)) controller.handleKey(name);
  });
  usePaste((text) => controller.handlePaste(text));
}
