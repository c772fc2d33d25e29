// What the tests and `anteroom demo` get from a homeserver: its address, a server admin, a
// registration token, users made on demand, and (for the harness's own Synapse) stop and start.

export interface TestUser {
  userId: string;
  accessToken: string;
  deviceId: string;
  password: string;
  localpart: string;
}

export interface TestHomeserver {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** "localhost" for the harness's own Synapse. */
  serverName: string;
  /** A registration token (unlimited uses) created at start, for signup tests. */
  registrationToken: string;
  /** A server admin the harness registered at start (used to create the registration token). */
  admin: TestUser;
  /** Run directory on the host (config, database, synapse.log); undefined for an external homeserver. */
  runDir: string | undefined;
  /** Synapse's log (stdout, stderr and its WARNING+ logging); undefined for an external homeserver. */
  logPath: string | undefined;
  /** Pid of the running Synapse, undefined when it is not running (or external). */
  readonly pid: number | undefined;
  /** Registers a user through the shared-secret admin API; a random unique localpart when omitted. */
  registerUser(
    localpart?: string,
    opts?: { admin?: boolean; displayName?: string },
  ): Promise<TestUser>;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). A no-op for an external homeserver. */
  stop(): Promise<void>;
  /** stop() then start() on the same port and database. */
  restart(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Start again (same port, same database) after stop() or kill(); waits until it answers. */
  start(): Promise<void>;
}

export interface StartHomeserverOptions {
  /** Tight rc_message / rc_room_creation / rc_invites / rc_joins (0.5/s, burst 3) so clients get 429s. */
  rateLimited?: boolean;
  /** Extra top-level config keys, merged over the generated ones (shallow). */
  extraConfig?: Record<string, unknown>;
  /** How long to wait for Synapse to answer (default 60 s). */
  startTimeoutMs?: number;
  /** Each line the provisioning script prints while it builds the root (first use only). */
  onProgress?: (line: string) => void;
}
