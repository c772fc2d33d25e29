/**
 * The TCP ports a process listens on, read from /proc (Linux): the process's
 * socket inodes matched against the kernel's tables of sockets in LISTEN state.
 */
import { readFile, readdir, readlink } from "node:fs/promises";

const LISTEN = "0A";

export async function listeningTcpPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) inodes.add(match[1]);
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const [, local, , state, , , , , , inode] = fields;
      if (state !== LISTEN || !inode || !inodes.has(inode) || !local) continue;
      ports.add(parseInt(local.split(":")[1] ?? "", 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}
