/** Decisions on lobbies: more tries, more time, say as the bot, close (asks first). */
import { displayLobby } from "../format/lobby-display.js";
import type { LobbyActions } from "../keys/console-actions.js";
import type { ConsoleCore } from "./console-core.js";

export function lobbyActions(core: ConsoleCore): LobbyActions {
  return {
    moderateLobby: (lobby, action) =>
      void core.engine.moderateLobby(lobby.key, displayLobby(lobby).name, action),
    askCloseLobby: (lobby) => {
      const { name, joinedCount } = displayLobby(lobby);
      core.confirm({
        title: `Close the lobby ${name}?`,
        lines: [
          joinedCount === 0
            ? "Nobody is in it."
            : `${joinedCount} ${joinedCount === 1 ? "person is" : "people are"} in it and will be told it closed.`,
          "Nobody is let in; the bot leaves the room.",
        ],
        confirmLabel: "Close",
        destructive: true,
        then: { kind: "moderateLobby", key: lobby.key, name, action: { action: "close" } },
      });
    },
    askSayLobby: (lobby, text) => {
      const { name } = displayLobby(lobby);
      if (text !== undefined) return sayInLobby(core, lobby.key, name, text);
      core.prompt(`say in ${name} as the bot`, { kind: "lobbySay", key: lobby.key, name });
    },
  };
}

export function sayInLobby(core: ConsoleCore, key: string, name: string, text: string): void {
  if (!text.trim()) return core.refuse("nothing said: the text was empty");
  void core.engine.moderateLobby(key, name, { action: "say", text });
}
