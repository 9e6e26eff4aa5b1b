/** Vitest global setup: prepares the database dialect the suite runs on (see test/support/db.ts). */
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
