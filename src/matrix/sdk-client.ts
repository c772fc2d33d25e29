/** matrix-js-sdk clients as the daemon makes them: over Node's own HTTP client (node-http-fetch.ts). */
import { createClient, type ICreateClientOpts, type MatrixClient } from "matrix-js-sdk";
import { nodeHttpFetch } from "./node-http-fetch.js";

export function createSdkClient(opts: ICreateClientOpts): MatrixClient {
  return createClient({ fetchFn: nodeHttpFetch, ...opts });
}
