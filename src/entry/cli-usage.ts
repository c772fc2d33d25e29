/** The help texts: `anteroom --help`, and one for each command (`anteroom init --help` is init's own). */

export const SETTINGS_HINT =
  "Settings come from the environment and from .env in the working directory (or the\n" +
  "file ANTEROOM_ENV_FILE names; the environment wins). deploy/.env.example lists\n" +
  "them all; `anteroom init --write-env .env` writes the ones it needs.";

export const USAGE = `anteroom — the gatekeeper of a Matrix community

usage:
  anteroom              the moderator console, attached to the running daemon (needs a terminal)
  anteroom --readonly   the console for observers: every action disabled
  anteroom --as NAME    the console, acting as NAME in the audit log (default: ANTEROOM_MODERATOR,
                        else your login name; logged in as node or root, it asks once and
                        remembers the answer in ~/.config/anteroom/config.json)
  anteroom --print-config
                        the console's preferences and key map at their defaults, as its config
                        file (~/.config/anteroom/config.json, or ANTEROOM_CONFIG_DIR) takes them
  anteroom --daemon     run the engine headless with its HTTP sidecar (anteroom --daemon --help)
  anteroom init         make (or finish) the space and its rooms, write the daemon's settings
                        (anteroom init --help)
  anteroom demo         a local Synapse, simulated newcomers and the console on them
                        (anteroom demo --help)
  anteroom --help       this text
  anteroom --version    the version
  --debug               with any command: show the stack trace of an unexpected failure

${SETTINGS_HINT}`;

export const DAEMON_USAGE = `anteroom --daemon — the engine headless, with its HTTP sidecar

usage:
  anteroom --daemon             run until SIGTERM or SIGINT; logs are JSON lines on stdout
  anteroom --daemon --standby   first wait while another instance owns DATA_DIR, and take
                                over when it stops (a standby on a shared volume)

Needs HS, MATRIX_TOKEN and SPACE_ID (SPACE_CHILD_IDS, DATA_DIR and the rest are optional).
GET /healthz answers 200 once the first sync is processed. Run it as a plain process
(node_modules/.bin/anteroom --daemon, or deploy/anteroom.service under systemd), not
through npx, which keeps its own process alive beside it.

${SETTINGS_HINT}`;

export const DEMO_USAGE = `anteroom demo — anteroom on a local Synapse with simulated newcomers

usage:
  anteroom demo                the console on them (needs a terminal and, for the local
                               homeserver, root; or ANTEROOM_TEST_HS and ANTEROOM_TEST_HS_SECRET)
  anteroom demo --no-console   headless: one line per newcomer's outcome; exit 0 when all are
                               as expected

It reads no .env: the demo makes its own community and data dir, wiped at each start.`;
