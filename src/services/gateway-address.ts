/**
 * Where the running gateway listens when it was started on a random port
 * (SEALROOM_GATEWAY_PORT=0): `sealroom start` records the port it got in
 * `<data folder>/gateway.port` (mode 0600) once the gateway listens, and
 * removes it on shutdown, so the core's own calls (model assist) and one-shot
 * CLI commands can find it. Only the port is recorded: the host always comes
 * from the configuration, so the file cannot send a virtual key elsewhere.
 * A file that is not this user's, or is writable by others, is refused.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SealroomError } from "../domain/errors.js";

const fileOf = (dataDir: string) => join(dataDir, "gateway.port");

const validPort = (n: number) => Number.isInteger(n) && n > 0 && n <= 65535;

/** Records the port the gateway listens on (written whole, then renamed into place). */
export function recordGatewayPort(dataDir: string, port: number): void {
  if (!validPort(port)) throw new SealroomError("internal", `not a port: ${port}`);
  // On PostgreSQL nothing else may have created the data folder yet.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${fileOf(dataDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${port}\n`, { mode: 0o600 });
  renameSync(tmp, fileOf(dataDir));
}

/** Removes the record if it still names `port` (a newer server may have written its own). */
export function forgetGatewayPort(dataDir: string, port: number): void {
  try {
    if (readFileSync(fileOf(dataDir), "utf8").trim() === String(port)) rmSync(fileOf(dataDir));
  } catch {
    // Already gone.
  }
}

/** The recorded port; conflict when none is recorded, config_invalid when the file cannot be trusted. */
export function recordedGatewayPort(dataDir: string): number {
  const file = fileOf(dataDir);
  if (!existsSync(file)) {
    throw new SealroomError(
      "conflict",
      `The gateway's port is chosen at random (port 0) and no running gateway has recorded it in ${file}: start Sealroom with \`sealroom start\`, or set SEALROOM_GATEWAY_PORT (or --gateway-port) to a fixed port.`,
    );
  }
  const st = lstatSync(file);
  const ownedHere = typeof process.getuid !== "function" || st.uid === process.getuid();
  if (!st.isFile() || !ownedHere || (st.mode & 0o022) !== 0) {
    throw new SealroomError("config_invalid", `${file} is not a regular file owned by this user and writable only by it; remove it and restart Sealroom.`);
  }
  const text = readFileSync(file, "utf8").trim();
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!validPort(port)) throw new SealroomError("config_invalid", `${file} does not hold a port number; remove it and restart Sealroom.`);
  return port;
}
