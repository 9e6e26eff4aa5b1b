/**
 * An in-memory DataKeyStore for tests and command-line tools. It keeps the
 * contract the SQL store keeps: one row per (tenantId, version), copies in
 * and out (callers cannot alias stored buffers), and a tombstone per shredded
 * tenant that refuses new keys.
 */
import { SealroomError } from "../domain/errors.js";
import type { DataKeyStatus, DataKeyStore, WrappedDataKey } from "./keyring.js";

/** DataKeyStore held in a Map; lost when the process exits. */
export class MemoryDataKeyStore implements DataKeyStore {
  readonly #rows = new Map<string, WrappedDataKey[]>();
  readonly #shredded = new Set<string>();

  /** Every version of one tenant, lowest first. */
  async list(tenantId: string): Promise<WrappedDataKey[]> {
    return (this.#rows.get(tenantId) ?? []).map(copyRow).sort((a, b) => a.version - b.version);
  }

  /** Adds a row; conflict when (tenantId, version) exists, shredded when the tenant was shredded. */
  async insert(row: WrappedDataKey): Promise<void> {
    if (this.#shredded.has(row.tenantId)) {
      throw new SealroomError("shredded", "this tenant's data keys were destroyed; its sealed data cannot be read");
    }
    const rows = this.#rows.get(row.tenantId) ?? [];
    if (rows.some((r) => r.version === row.version)) {
      throw new SealroomError("conflict", `data key version ${row.version} already exists for this tenant`);
    }
    rows.push(copyRow(row));
    this.#rows.set(row.tenantId, rows);
  }

  /** Replaces the wrapping of one version. */
  async updateWrapped(tenantId: string, version: number, wrapped: Buffer, kekId: string): Promise<void> {
    const row = this.#find(tenantId, version);
    row.wrapped = Buffer.from(wrapped);
    row.kekId = kekId;
  }

  /** Marks one version active or retired. */
  async setStatus(tenantId: string, version: number, status: DataKeyStatus): Promise<void> {
    this.#find(tenantId, version).status = status;
  }

  /** Every row of every tenant. */
  async listAll(): Promise<WrappedDataKey[]> {
    return [...this.#rows.values()].flat().map(copyRow);
  }

  /** Deletes every row of the tenant and remembers that it did. */
  async shred(tenantId: string): Promise<void> {
    this.#rows.delete(tenantId);
    this.#shredded.add(tenantId);
  }

  /** True once the tenant was shredded. */
  async isShredded(tenantId: string): Promise<boolean> {
    return this.#shredded.has(tenantId);
  }

  #find(tenantId: string, version: number): WrappedDataKey {
    const row = this.#rows.get(tenantId)?.find((r) => r.version === version);
    if (row === undefined) {
      throw new SealroomError("bad_request", `no data key version ${version} for this tenant`);
    }
    return row;
  }
}

function copyRow(row: WrappedDataKey): WrappedDataKey {
  return { ...row, wrapped: Buffer.from(row.wrapped) };
}
