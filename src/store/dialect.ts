/** What a dialect module hands the store: the Kysely dialect plus the few column types that differ. */
import type { Dialect } from "kysely";

export type DialectKind = "sqlite" | "postgres";

export interface DialectHandle {
  readonly kind: DialectKind;
  readonly dialect: Dialect;
  /** Column type names that differ between the engines, used by migrations. */
  readonly types: { readonly blob: "blob" | "bytea"; readonly bigint: "integer" | "bigint" };
  /** The PostgreSQL schema tables live in, when pinned (Kysely must be told where its migration tables are). */
  readonly schema?: string;
  /** For logs: engine and location, never credentials. */
  readonly describe: string;
  /** Closes the connection (or pool) and stops whatever the dialect runs beside it. */
  close(): Promise<void>;
}
