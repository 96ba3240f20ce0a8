/**
 * The sockets the server adapter's pool connects through (Nagle off, unix socket or TCP) and
 * the TLS choice for an `sslmode`: plumbing kept apart from the sessions of server.ts.
 *
 * @module
 */
import type postgres from "postgres";
import { connect as netConnect, type Socket } from "node:net";
import type { ServerTarget } from "./url.ts";

/** A connected socket to the server, Nagle off. */
export async function connectSocket(target: ServerTarget): Promise<Socket> {
  const socket = target.host.startsWith("/")
    ? netConnect({ path: `${target.host}/.s.PGSQL.${target.port}` })
    : netConnect({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** The postgres.js `ssl` option for an `sslmode`. */
export function sslOption(mode: ServerTarget["sslmode"]): postgres.Options<Record<string, never>>["ssl"] {
  switch (mode) {
    case "disable":
      return false;
    case "allow":
    case "prefer":
      return "prefer";
    case "require":
      return "require";
    default:
      return "verify-full";
  }
}
